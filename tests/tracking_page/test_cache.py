"""The per-process TTL cache behind the tracking page's lookups and fragments."""

from __future__ import annotations

import pytest

from portal.tracking_page.cache import TTLCache
from tests.tracking_page.conftest import CacheClock


def test_an_entry_is_served_until_its_ttl_runs_out() -> None:
    clock = CacheClock()
    cache = TTLCache(5, clock=clock)
    cache.put("k", "v")
    clock.advance(4.9)
    assert cache.get("k") == "v"
    clock.advance(0.1)
    assert cache.get("k") is None
    assert len(cache) == 0


def test_a_zero_ttl_stores_nothing() -> None:
    cache = TTLCache(0, clock=CacheClock())
    cache.put("k", "v")
    assert cache.get("k", "missing") == "missing"


def test_the_oldest_entries_go_first_past_the_bound() -> None:
    cache = TTLCache(5, max_entries=2, clock=CacheClock())
    for key in ("a", "b", "c"):
        cache.put(key, key)
    assert [cache.get(k) for k in ("a", "b", "c")] == [None, "b", "c"]


def test_clear_forgets_everything() -> None:
    cache = TTLCache(5, clock=CacheClock())
    cache.put("k", "v")
    cache.clear()
    assert cache.get("k") is None


async def test_concurrent_misses_share_one_fill() -> None:
    import asyncio

    cache = TTLCache(5, clock=CacheClock())
    calls = []

    async def fill() -> str:
        calls.append(1)
        await asyncio.sleep(0.01)
        return "v"

    values = await asyncio.gather(*(cache.get_or_fill("k", fill) for _ in range(10)))
    assert values == ["v"] * 10
    assert calls == [1]
    assert await cache.get_or_fill("k", fill) == "v"
    assert calls == [1]


async def test_a_failed_fill_is_not_stored() -> None:
    cache = TTLCache(5, clock=CacheClock())

    async def broken() -> str:
        raise RuntimeError("database down")

    async def fine() -> str:
        return "v"

    with pytest.raises(RuntimeError):
        await cache.get_or_fill("k", broken)
    assert await cache.get_or_fill("k", fine) == "v"
