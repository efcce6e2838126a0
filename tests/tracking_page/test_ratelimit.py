"""Per-client fixed-window limits."""

from __future__ import annotations

from portal.tracking_page.ratelimit import Limit, MemoryCounters, RateLimiter

LIMIT = Limit("numbers", 5, 60)


async def test_it_allows_the_budget_then_refuses_until_the_window_ends() -> None:
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


async def test_buckets_are_separate() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    await limiter.hit(LIMIT, "c", cost=5)
    assert (await limiter.hit(Limit("orders", 1, 60), "c")).allowed


async def test_the_cache_stays_bounded() -> None:
    counters = MemoryCounters(max_entries=3)
    for n in range(10):
        await counters.add(("b", str(n), 0), 1)
    assert len(counters._counts) == 3
