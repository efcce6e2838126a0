"""Per-key rate limits as a token bucket, reported in ``RateLimit-*`` headers.

A bucket holds ``capacity`` tokens and refills at ``capacity / period``; each request takes
one. The buckets live behind :class:`BucketStore`. :class:`MemoryBucketStore` is
**per process**: with N web processes a key gets up to N times the limit. It stands in
until a database-backed store exists (proposed in the API notes); the limiter does not
change when it lands.
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

    async def check(self, key: str) -> Decision:
        taken, tokens = await self.store.take(key, self.capacity, self.rate, self.clock())
        missing = self.capacity - tokens
        return Decision(
            allowed=taken,
            limit=self.capacity,
            remaining=max(int(tokens), 0),
            reset=math.ceil(missing / self.rate) if missing > 0 else 0,
            retry_after=0 if taken else max(math.ceil((1.0 - tokens) / self.rate), 1),
        )
