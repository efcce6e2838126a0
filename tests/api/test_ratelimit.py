"""Per-key token buckets: RateLimit-* headers on every answer, 429 with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from portal.api import build_mount
from portal.api.operations import ApiConfig
from portal.api.ratelimit import RateLimiter
from portal.app import create_app
from portal.models import Merchant
from tests.api.conftest import api_client, make_key
from tests.conftest import make_settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited_app(tmp_path: Path, db: str, clock: FakeClock) -> Starlette:
    app = create_app(make_settings(tmp_path, database_url=db), manage_db=False)
    app.router.routes.insert(
        0, build_mount(ApiConfig(limiter=RateLimiter(capacity=3, period=3, clock=clock)))
    )
    return app


@pytest.fixture
async def limited(limited_app: Starlette, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(limited_app, api_key) as client:
        yield client


async def test_it_counts_down_then_answers_429(limited: httpx.AsyncClient) -> None:
    remaining = []
    for _ in range(3):
        response = await limited.get("/api/v1/orders")
        assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == "3"
        remaining.append(response.headers["ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    refused = await limited.get("/api/v1/orders")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["ratelimit-remaining"] == "0"


async def test_the_bucket_refills(limited: httpx.AsyncClient, clock: FakeClock) -> None:
    for _ in range(3):
        await limited.get("/api/v1/orders")
    clock.now += 1.0
    assert (await limited.get("/api/v1/orders")).status_code == 200
    assert (await limited.get("/api/v1/orders")).status_code == 429


async def test_each_key_has_its_own_bucket(
    limited: httpx.AsyncClient, limited_app: Starlette, shop: Merchant
) -> None:
    for _ in range(4):
        await limited.get("/api/v1/orders")
    async with api_client(limited_app, await make_key(shop)) as other:
        assert (await other.get("/api/v1/orders")).status_code == 200


async def test_reset_says_when_the_bucket_is_full_again() -> None:
    clock = FakeClock()
    limiter = RateLimiter(capacity=120, period=60, clock=clock)
    decision = await limiter.check("k")
    assert (decision.allowed, decision.remaining, decision.reset) == (True, 119, 1)
    assert "Retry-After" not in decision.headers()
