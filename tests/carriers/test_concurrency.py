"""map_bounded (:mod:`carriers.concurrency`): the fan-out UPS, FedEx and USPS track with."""

from __future__ import annotations

import asyncio

import pytest

from carriers.base import AuthError, RateLimited
from carriers.concurrency import map_bounded


async def test_it_keeps_the_order_and_the_bound():
    running = peak = 0

    async def call(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001 * (n % 3))
        running -= 1
        return n * 10

    assert await map_bounded(call, range(20), limit=4) == [n * 10 for n in range(20)]
    assert peak == 4


async def test_nothing_to_do_is_an_empty_list():
    async def call(n: int) -> int:
        raise AssertionError("never called")

    assert await map_bounded(call, [], limit=4) == []


async def test_the_first_failure_is_raised_as_itself_and_stops_the_rest():
    started: list[int] = []
    finished: list[int] = []

    async def call(n: int) -> int:
        started.append(n)
        if n == 1:
            raise RateLimited("slow down", retry_after=3.0)
        await asyncio.sleep(0.05)
        finished.append(n)
        return n

    with pytest.raises(RateLimited) as caught:
        await map_bounded(call, range(10), limit=2)

    assert caught.value.retry_after == 3.0  # the typed error, not an ExceptionGroup
    assert finished == [], "the call in flight was cancelled"
    assert len(started) <= 3, "calls still waiting never started"


async def test_of_several_failures_the_first_one_wins():
    async def call(n: int) -> int:
        await asyncio.sleep(0.001 * n)
        raise AuthError(f"refused {n}")

    with pytest.raises(AuthError, match="refused 0"):
        await map_bounded(call, range(3), limit=3)
