"""Shared fixtures for adapter tests: a real httpx client faked at the HTTP layer by respx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_fixture(carrier: str, name: str) -> Any:
    """A hand-built payload in the carrier's documented shape, from tests/fixtures/<carrier>/."""
    return json.loads((FIXTURES / carrier / name).read_text(encoding="utf-8"))


@pytest.fixture
def respx_mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c
