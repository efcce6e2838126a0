"""Per-key limits (GCRA on ``api_key.rate_limit_tat``): RateLimit-* headers on every answer,
429 with Retry-After, a burst then an even refill, one limit per key across every process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from portal.api import build_mount
from portal.api.operations import ApiConfig
from portal.api.ratelimit import ApiKeyLimiter
from portal.app import create_app
from portal.models import Merchant
from tests.api.conftest import api_client, make_key, make_key_id
from tests.conftest import make_settings


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited_app(tmp_path: Path, db: str, clock: FakeClock) -> Starlette:
    app = create_app(make_settings(tmp_path, database_url=db), manage_db=False)
    app.router.routes.insert(
        0, build_mount(ApiConfig(limiter=ApiKeyLimiter(capacity=3, period=3, clock=clock)))
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


async def test_reset_says_when_the_bucket_is_full_again(shop: Merchant) -> None:
    clock = FakeClock()
    limiter = ApiKeyLimiter(capacity=120, period=60, clock=clock)
    decision = await limiter.check(await make_key_id(shop))
    assert (decision.allowed, decision.remaining, decision.reset) == (True, 119, 1)
    assert "Retry-After" not in decision.headers()


async def test_a_fresh_key_gets_its_whole_burst_then_429(shop: Merchant) -> None:
    clock = FakeClock(1_700_000_000.0)
    limiter = ApiKeyLimiter(capacity=3, period=3, clock=clock)
    key_id = await make_key_id(shop)
    decisions = [await limiter.check(key_id) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[0].headers()["RateLimit-Reset"] == "1"
    assert decisions[2].reset == 3
    assert decisions[3].retry_after == 1
    assert decisions[3].headers()["Retry-After"] == "1"


async def test_the_allowance_frees_up_with_time(shop: Merchant) -> None:
    clock = FakeClock(1_700_000_000.0)
    limiter = ApiKeyLimiter(capacity=2, period=10, clock=clock)
    key_id = await make_key_id(shop)
    assert (await limiter.check(key_id)).allowed
    assert (await limiter.check(key_id)).allowed
    refused = await limiter.check(key_id)
    assert not refused.allowed and refused.retry_after == 5
    clock.now += 5
    assert (await limiter.check(key_id)).allowed
    assert not (await limiter.check(key_id)).allowed
    clock.now += 100
    assert (await limiter.check(key_id)).remaining == 1


async def test_a_refused_request_does_not_use_up_allowance(shop: Merchant) -> None:
    clock = FakeClock(1_700_000_000.0)
    limiter = ApiKeyLimiter(capacity=1, period=10, clock=clock)
    key_id = await make_key_id(shop)
    assert (await limiter.check(key_id)).allowed
    for _ in range(5):
        assert not (await limiter.check(key_id)).allowed
    clock.now += 10
    assert (await limiter.check(key_id)).allowed


async def test_keys_are_limited_separately(shop: Merchant) -> None:
    limiter = ApiKeyLimiter(capacity=1, period=60, clock=FakeClock(1_700_000_000.0))
    first, second = await make_key_id(shop), await make_key_id(shop)
    assert (await limiter.check(first)).allowed
    assert not (await limiter.check(first)).allowed
    assert (await limiter.check(second)).allowed


def _process(tmp_path: Path, db: str, name: str, clock: FakeClock) -> Starlette:
    """One "web process": its own app and limiter object, the shared database."""
    app = create_app(make_settings(tmp_path / name, database_url=db), manage_db=False)
    limiter = ApiKeyLimiter(capacity=5, period=60, clock=clock)
    app.router.routes.insert(0, build_mount(ApiConfig(limiter=limiter)))
    return app


async def test_two_processes_share_one_limit(tmp_path: Path, db: str, shop: Merchant) -> None:
    clock = FakeClock(1_700_000_000.0)
    key = await make_key(shop)
    apps = [_process(tmp_path, db, name, clock) for name in ("one", "two")]
    async with api_client(apps[0], key) as one, api_client(apps[1], key) as two:
        responses = await asyncio.gather(
            *(client.get("/api/v1/orders") for _ in range(6) for client in (one, two))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 5 + [429] * 7
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["ratelimit-remaining"] == "0"
    assert int(refused.headers["retry-after"]) >= 1


async def test_the_api_answers_with_ratelimit_headers(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/orders")
    assert response.status_code == 200
    assert response.headers["ratelimit-limit"] == "1000"
    assert response.headers["ratelimit-remaining"] == "999"
