"""Per-key rate limits, reported in ``RateLimit-*`` headers.

The API asks a :class:`Limiter` about every authenticated request. The default is
:class:`portal.api.ratelimit_db.DatabaseRateLimiter` (GCRA on the API key's row, shared by
every process). :class:`RateLimiter` here is a token bucket behind :class:`BucketStore`;
with :class:`MemoryBucketStore` it is **per process** (N processes give a key N times the
limit), which suits tests and single-process tools only.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    #: Seconds until the bucket is full again.
    reset: int
    #: Seconds until the next request can go through (0 when allowed).
    retry_after: int

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class Limiter(Protocol):
    async def check(self, api_key_id: int) -> Decision:
        """Count one request for the API key and say whether it may go through."""
        ...


class BucketStore(Protocol):
    async def take(self, key: str, capacity: int, rate: float, now: float) -> tuple[bool, float]:
        """Refill the bucket for ``key`` up to ``now``, take a token if one is there, and
        return (taken, tokens left)."""
        ...


class MemoryBucketStore:
    """Buckets in this process's memory (see the module note)."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = asyncio.Lock()

    async def take(self, key: str, capacity: int, rate: float, now: float) -> tuple[bool, float]:
        async with self._lock:
            tokens, at = self._buckets.get(key, (float(capacity), now))
            tokens = min(float(capacity), tokens + max(now - at, 0.0) * rate)
            taken = tokens >= 1.0
            if taken:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            return taken, tokens


class RateLimiter:
    """``capacity`` requests per ``period`` seconds per key, in bursts up to ``capacity``."""

    def __init__(
        self,
        capacity: int = 120,
        period: float = 60.0,
        *,
        store: BucketStore | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.rate = capacity / period
        self.store = store or MemoryBucketStore()
        self.clock = clock

    async def check(self, key: int | str) -> Decision:
        taken, tokens = await self.store.take(str(key), self.capacity, self.rate, self.clock())
        missing = self.capacity - tokens
        return Decision(
            allowed=taken,
            limit=self.capacity,
            remaining=max(int(tokens), 0),
            reset=math.ceil(missing / self.rate) if missing > 0 else 0,
            retry_after=0 if taken else max(math.ceil((1.0 - tokens) / self.rate), 1),
        )
