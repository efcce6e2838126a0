"""The portal on a test database (lookup limits are counted in it: fresh per test), a shop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from portal.app import create_app
from tests.conftest import client_for, make_settings
from tests.returns_page.helpers import Shop, make_shop


@pytest.fixture
def returns_app(tmp_path: Path, db: str) -> Starlette:
    return create_app(make_settings(tmp_path, database_url=db), manage_db=False)


@pytest.fixture
async def web(returns_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(returns_app) as client:
        yield client


@pytest.fixture
async def shop(db: str) -> Shop:
    return await make_shop()
