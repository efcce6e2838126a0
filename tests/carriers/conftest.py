"""Shared fixtures for adapter tests: a real httpx client faked at the HTTP layer by respx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from carriers import (
    boxnow,
    cargus,
    cdek,
    fan_courier,
    fedex,
    geniki,
    gls,
    nova_poshta,
    russian_post,
    sameday,
    ups,
    usps,
)
from tests.carriers.helpers import CARRIERS, Carrier, load_fixture

__all__ = ["load_fixture"]


@pytest.fixture
def respx_mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    """Every test starts and ends without cached OAuth or login tokens."""
    caches = (
        ups.TOKENS,
        fedex.TOKENS,
        usps.TOKENS,
        gls.TOKENS,
        fan_courier.TOKENS,
        sameday.TOKENS,
        cargus.TOKENS,
        boxnow.TOKENS,
        cdek.TOKENS,
        geniki.KEYS,
    )
    for cache in caches:
        cache.clear()
    nova_poshta.clear_warehouse_cache()
    cdek.clear_office_cache()
    russian_post.clear_office_cache()
    yield
    for cache in caches:
        cache.clear()
    nova_poshta.clear_warehouse_cache()
    cdek.clear_office_cache()
    russian_post.clear_office_cache()


@pytest.fixture
def carrier(request: pytest.FixtureRequest) -> Carrier:
    """The adapter named by an indirect ``carrier`` parameter (see ``helpers.CARRIERS``)."""
    return CARRIERS[request.param]
