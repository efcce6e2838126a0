"""Fixtures for the analytics screens: the portal with the admin routes, and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from tests.admin.helpers import admin_app
from tests.conftest import client_for


@pytest.fixture
def app(tmp_path: Path, db: str) -> Starlette:
    return admin_app(tmp_path, db)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as value:
        yield value
