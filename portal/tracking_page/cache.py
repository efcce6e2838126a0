"""Small per-process caches that let a hot tracking page skip the database and Jinja.

DESIGN.md allows per-process caches and nothing else: every entry lives for at most
``ttl`` seconds, so with several web processes each one shows a change within ``ttl``
(default 5 s, ``PORTAL_TRACKING_CACHE_SECONDS``; 0 turns caching off). Entries hold only
what every visitor of a parcel sees (the shipment row, the rendered status fragment),
never a session, a CSRF token or anything else about the visitor.

When an entry expires under load, the first request refills it and the others arriving
meanwhile wait for that one answer (:meth:`TTLCache.get_or_fill`), so a busy page costs one
query per TTL instead of one per waiting request.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

_MISSING = object()
T = TypeVar("T")


class TTLCache:
    """A bounded map whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._filling: dict[Hashable, asyncio.Future[Any]] = {}

    def get(self, key: Hashable, default: Any = None) -> Any:
        found = self._entries.get(key)
        if found is None:
            return default
        expires, value = found
        if self.clock() >= expires:
            del self._entries[key]
            return default
        return value

    def put(self, key: Hashable, value: Any) -> None:
        if self.ttl <= 0:
            return
        self._entries[key] = (self.clock() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def get_or_fill(self, key: Hashable, fill: Callable[[], Awaitable[T]]) -> T:
        """The cached value, else ``await fill()`` stored; one fill at a time per key.

        The caller vouches that every fill under one key returns the same type.
        """
        found = self.get(key, _MISSING)
        if found is not _MISSING:
            cached: T = found
            return cached
        if self.ttl <= 0:
            return await fill()
        pending = self._filling.get(key)
        if pending is not None:
            shared: T = await asyncio.shield(pending)
            return shared
        task = asyncio.ensure_future(fill())
        self._filling[key] = task
        try:
            value = await asyncio.shield(task)
        finally:
            if self._filling.get(key) is task:
                del self._filling[key]
        self.put(key, value)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
