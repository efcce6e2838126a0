"""Per-client limits on lookups, so numbers and order/postcode pairs cannot be guessed in bulk.

A fixed-window counter per (bucket, client): at most ``limit`` units per ``window`` seconds.
The counters live in a small cache **in this process**: with N web processes a client can
make up to N times the limit. That is acceptable for slowing guessing down; a shared store
(a ``rate_limit_counter`` table with an upsert, see the lead's notes) can replace
:class:`MemoryCounters` behind the same :class:`Counters` protocol without touching callers.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request


@dataclass(frozen=True, slots=True)
class Limit:
    """``units`` per ``window`` seconds for one bucket (e.g. "numbers", "orders")."""

    bucket: str
    units: int
    window: int


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int


class Counters(Protocol):
    """Adds ``cost`` to a window's counter and returns the new total (async, so a
    database-backed store can stand in)."""

    async def add(self, key: tuple[str, str, int], cost: int) -> int: ...


class MemoryCounters:
    """A bounded, per-process map of window counters; the oldest windows are dropped first."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self._counts: OrderedDict[tuple[str, str, int], int] = OrderedDict()

    async def add(self, key: tuple[str, str, int], cost: int) -> int:
        total = self._counts.pop(key, 0) + cost
        self._counts[key] = total
        while len(self._counts) > self.max_entries:
            self._counts.popitem(last=False)
        return total

    def clear(self) -> None:
        self._counts.clear()


class RateLimiter:
    def __init__(
        self,
        counters: Counters | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.counters = counters or MemoryCounters()
        self.clock = clock

    async def hit(self, limit: Limit, client: str, cost: int = 1) -> Decision:
        """Count ``cost`` units for ``client``; refused once the window's budget is spent."""
        now = self.clock()
        window_start = int(now // limit.window) * limit.window
        total = await self.counters.add((limit.bucket, client, window_start), cost)
        retry_after = max(1, math.ceil(window_start + limit.window - now))
        return Decision(total <= limit.units, max(0, limit.units - total), retry_after)


def client_key(request: Request) -> str:
    """The client's address as the server saw it (run uvicorn with ``--proxy-headers``
    behind a trusted proxy so this is the visitor, not the proxy)."""
    return request.client.host if request.client else "unknown"
