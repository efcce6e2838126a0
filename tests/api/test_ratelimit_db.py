"""GCRA on ``api_key.rate_limit_tat``: one limit per key across every process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from starlette.applications import Starlette

from portal.api import build_mount
from portal.api.operations import ApiConfig
from portal.api.ratelimit_db import DatabaseRateLimiter
from portal.app import create_app
from portal.models import ApiKey, Merchant
from tests.api.conftest import api_client, make_key
from tests.conftest import make_settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def _key_id(shop: Merchant) -> int:
    await make_key(shop)
    row = await ApiKey.filter(merchant=shop).order_by("-id").first()
    assert row is not None
    return row.id


async def test_a_fresh_key_gets_its_whole_burst_then_429(shop: Merchant) -> None:
    clock = FakeClock()
    limiter = DatabaseRateLimiter(capacity=3, period=3, clock=clock)
    key_id = await _key_id(shop)
    decisions = [await limiter.check(key_id) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[0].headers()["RateLimit-Reset"] == "1"
    assert decisions[2].reset == 3
    assert decisions[3].retry_after == 1
    assert decisions[3].headers()["Retry-After"] == "1"


async def test_the_allowance_frees_up_with_time(shop: Merchant) -> None:
    clock = FakeClock()
    limiter = DatabaseRateLimiter(capacity=2, period=10, clock=clock)
    key_id = await _key_id(shop)
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
    clock = FakeClock()
    limiter = DatabaseRateLimiter(capacity=1, period=10, clock=clock)
    key_id = await _key_id(shop)
    assert (await limiter.check(key_id)).allowed
    for _ in range(5):
        assert not (await limiter.check(key_id)).allowed
    clock.now += 10
    assert (await limiter.check(key_id)).allowed


async def test_keys_are_limited_separately(shop: Merchant) -> None:
    limiter = DatabaseRateLimiter(capacity=1, period=60, clock=FakeClock())
    first, second = await _key_id(shop), await _key_id(shop)
    assert (await limiter.check(first)).allowed
    assert not (await limiter.check(first)).allowed
    assert (await limiter.check(second)).allowed


def _process(tmp_path: Path, db: str, name: str, clock: FakeClock) -> Starlette:
    """One "web process": its own app and limiter object, the shared database."""
    app = create_app(make_settings(tmp_path / name, database_url=db), manage_db=False)
    limiter = DatabaseRateLimiter(capacity=5, period=60, clock=clock)
    app.router.routes.insert(0, build_mount(ApiConfig(limiter=limiter)))
    return app


async def test_two_processes_share_one_limit(tmp_path: Path, db: str, shop: Merchant) -> None:
    clock = FakeClock()
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
