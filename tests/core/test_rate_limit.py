"""The shared limiter: fixed and sliding windows counted in the database, purged when done."""

from __future__ import annotations

import asyncio

from portal.core.rate_limit import Limit, RateLimiter, purge
from portal.models import RateLimitCount

LIMIT = Limit("numbers", 5, 60)


async def test_it_allows_the_budget_then_refuses_until_the_window_ends(db: str) -> None:
    clock = [1000.0]
    limiter = RateLimiter(clock=lambda: clock[0])
    assert (await limiter.hit(LIMIT, "1.2.3.4", cost=4)).allowed
    decision = await limiter.hit(LIMIT, "1.2.3.4")
    assert decision.allowed and decision.remaining == 0
    refused = await limiter.hit(LIMIT, "1.2.3.4")
    assert not refused.allowed
    assert refused.retry_after == 20  # the window started at 960
    assert (await limiter.hit(LIMIT, "5.6.7.8")).allowed, "another client has its own budget"
    clock[0] = 1021.0
    assert (await limiter.hit(LIMIT, "1.2.3.4")).allowed


async def test_buckets_are_separate(db: str) -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    await limiter.hit(LIMIT, "c", cost=5)
    assert (await limiter.hit(Limit("orders", 1, 60), "c")).allowed


async def test_a_fixed_window_lookup_is_one_row(db: str) -> None:
    limiter = RateLimiter(clock=lambda: 1000.0)
    for _ in range(3):
        await limiter.hit(LIMIT, "c")
    rows = await RateLimitCount.all().values("scope", "key", "window_start", "count")
    assert rows == [{"scope": "numbers", "key": "c", "window_start": 960, "count": 3}]


async def test_a_sliding_window_counts_every_slice_it_covers(db: str) -> None:
    limit = Limit("sign_in", 3, 900, slice=60)
    clock = [10_000.0]
    limiter = RateLimiter(clock=lambda: clock[0])
    await limiter.hit(limit, "k", cost=2)
    clock[0] += 600  # a new slice, still inside the window
    refused = await limiter.hit(limit, "k", cost=2)
    assert not refused.allowed and refused.remaining == 0
    assert refused.retry_after == 260  # the first slice opened at 9,960: it leaves at 10,860
    assert (await limiter.usage(limit, "k")).units == 4
    clock[0] += 300
    assert (await limiter.check(limit, "k")).allowed  # only the second slice counts now


async def test_finished_windows_are_purged_so_the_table_stays_small(db: str) -> None:
    limiter = RateLimiter(clock=lambda: 1000.0)
    for n in range(10):
        await limiter.hit(LIMIT, str(n))
    assert await purge(1019.0) == 0  # the window (960–1020) still counts
    assert await purge(1020.0) == 10
    assert await RateLimitCount.all().count() == 0


async def test_concurrent_hits_are_each_counted_once(db: str) -> None:
    """Twelve lookups at once (on PostgreSQL over several pooled connections): the upsert
    counts each exactly once, so exactly the budget goes through."""
    limit = Limit("numbers", 6, 60)
    limiter = RateLimiter(clock=lambda: 1000.0)
    decisions = await asyncio.gather(*(limiter.hit(limit, "shared") for _ in range(12)))
    assert sorted(d.remaining for d in decisions) == [0] * 7 + [1, 2, 3, 4, 5]
    assert [d.allowed for d in decisions].count(True) == 6
