"""The buffered limiter: counted in memory, written in one statement, refused by the table."""

from __future__ import annotations

import asyncio

from portal.core.rate_buffer import BufferedLimiter
from portal.core.rate_limit import Limit, RateLimiter
from portal.models import RateLimitCount

LIMIT = Limit("numbers", 5, 60)


def _limiter(clock: list[float], interval: float = 60.0) -> BufferedLimiter:
    return BufferedLimiter(RateLimiter(clock=lambda: clock[0]), interval=interval)


async def _counted(key: str = "c") -> int:
    rows = await RateLimitCount.filter(key=key).values_list("count", flat=True)
    return sum(rows)


async def test_it_allows_the_budget_then_refuses_like_the_exact_limiter(db: str) -> None:
    clock = [1000.0]
    limiter = _limiter(clock)
    for remaining in (4, 3, 2, 1, 0):
        decision = await limiter.hit(LIMIT, "c")
        assert decision.allowed and decision.remaining == remaining
    refused = await limiter.hit(LIMIT, "c")
    assert not refused.allowed
    assert refused.retry_after == 20  # the window started at 960
    assert await _counted() == 6, "the refusal wrote the units held in memory with it"
    clock[0] = 1021.0
    assert (await limiter.hit(LIMIT, "c")).allowed


async def test_units_wait_in_memory_until_the_flush_writes_them_in_one_statement(
    db: str,
) -> None:
    limiter = _limiter([1000.0])
    await limiter.hit(LIMIT, "c")  # the first unit of a window is written at once
    assert await _counted() == 1
    await limiter.hit(LIMIT, "c", cost=2)
    await limiter.hit(LIMIT, "d")
    await limiter.hit(LIMIT, "d")
    assert await _counted("c") == 1 and await _counted("d") == 1
    assert await limiter.flush() == 2  # rows written: c and d
    assert await _counted("c") == 3 and await _counted("d") == 2
    assert await limiter.flush() == 0


async def test_the_flush_runs_by_itself_after_the_interval(db: str) -> None:
    limiter = _limiter([1000.0], interval=0.05)
    await limiter.hit(LIMIT, "c")
    await limiter.hit(LIMIT, "c")
    for _ in range(100):
        if await _counted() == 2:
            break
        await asyncio.sleep(0.02)
    assert await _counted() == 2


async def test_a_client_over_the_limit_across_two_processes_is_stopped(db: str) -> None:
    clock = [1000.0]
    first, second = _limiter(clock), _limiter(clock)
    for _ in range(4):
        assert (await first.hit(LIMIT, "c")).allowed
    await first.flush()  # at most one interval later
    assert (await second.hit(LIMIT, "c")).allowed  # the fifth unit, counted in the table
    assert not (await second.hit(LIMIT, "c")).allowed
    # The bound: first has not heard of second's units yet, so it may allow what its own
    # view leaves (one unit here) before the table decides again.
    assert (await first.hit(LIMIT, "c")).allowed
    assert not (await first.hit(LIMIT, "c")).allowed
    assert await _counted() == 8
    assert not (await first.hit(LIMIT, "c")).allowed


async def test_another_process_learns_the_shared_total_from_its_own_flush(db: str) -> None:
    clock = [1000.0]
    first, second = _limiter(clock), _limiter(clock)
    await second.hit(LIMIT, "c")  # second knows 1
    for _ in range(3):
        await first.hit(LIMIT, "c")
    await first.flush()  # the table holds 4
    await second.hit(LIMIT, "c")  # in memory: second still believes 2
    await second.flush()  # writes its unit and reads 5 back
    refused = await second.hit(LIMIT, "c")
    assert not refused.allowed


async def test_sliding_limits_are_never_buffered(db: str) -> None:
    limiter = _limiter([10_000.0])
    limit = Limit("sign_in", 3, 900, slice=60)
    for _ in range(3):
        await limiter.hit(limit, "k")
    assert await _counted("k") == 3
