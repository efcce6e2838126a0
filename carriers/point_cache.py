"""Pickup-point details looked up apart from tracking, kept per process.

Several carriers name the point a parcel waits at by an id only and describe it in another
call (Nova Poshta's ``getWarehouses``, CDEK's ``/v2/deliverypoints``, Russian Post's
post-office lookup). The details are a nicety: a lookup that fails must never fail the
tracking call, must not be asked again on every poll while the carrier is down, and a point
looked up once need not be asked again for days, since offices rarely change.

:class:`PointCache` holds that rule in one place: a value is fresh for ``fresh_for``
seconds; after a failure (any :class:`~carriers.base.CarrierError`) the key is not asked
again before a backoff that doubles with each failure in a row, from ``first_retry`` to
``longest_retry``; while a refresh fails, the last value found is still given. Per process
(as :class:`~carriers.base.TokenCache`): each worker looks a point up once, which is cheap,
and nothing has to be shared between processes.

Keys name the API root, the point and the account that asks (:func:`account_of`), so that
one shop's wrong credentials back off its own lookups only. A carrier that limits how many
points it asks at once (Nova Poshta, per batch) checks :meth:`PointCache.due` first and
takes :meth:`PointCache.last` for the points whose turn has not come.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from carriers.base import CarrierError

log = logging.getLogger(__name__)

T = TypeVar("T")


def account_of(*credentials: str) -> str:
    """A short digest naming the account in a key: its log lines never show a secret."""
    return hashlib.sha256(":".join(credentials).encode()).hexdigest()[:16]


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T | None = None
    found_at: float | None = None
    failures: int = 0
    retry_at: float = 0.0


class PointCache(Generic[T]):
    """Details per key: fresh for a while, failed lookups retried with backoff."""

    def __init__(
        self,
        *,
        fresh_for: float = 7 * 24 * 3600.0,
        first_retry: float = 600.0,
        longest_retry: float = 24 * 3600.0,
        max_entries: int = 5000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fresh_for = fresh_for
        self.first_retry = first_retry
        self.longest_retry = longest_retry
        self.max_entries = max_entries
        #: Seconds on a monotonic scale; tests replace it to move time.
        self.clock = clock
        self._entries: dict[Hashable, _Entry[T]] = {}

    def _backoff(self, failures: int) -> float:
        return min(self.longest_retry, self.first_retry * (1 << min(30, max(0, failures - 1))))

    def _settled(self, entry: _Entry[T] | None, now: float) -> bool:
        """Whether ``entry`` answers without asking: fresh, or backing off a failure."""
        if entry is None:
            return False
        fresh = entry.found_at is not None and now - entry.found_at < self.fresh_for
        return fresh or now < entry.retry_at

    def due(self, key: Hashable) -> bool:
        """Whether :meth:`get` would ask the carrier for ``key`` now."""
        return not self._settled(self._entries.get(key), self.clock())

    def last(self, key: Hashable) -> T | None:
        """The last value found for ``key`` (None when none was), without asking."""
        entry = self._entries.get(key)
        return entry.value if entry is not None else None

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[T | None]]) -> T | None:
        """The details for ``key``: cached when fresh, else ``fetch()``ed.

        ``fetch`` answers None for a point the carrier does not describe (kept like a value)
        and raises :class:`CarrierError` when it could not ask; that error is logged, never
        raised, and the last value found (or None) is given until a retry succeeds.
        """
        now = self.clock()
        entry = self._entries.get(key)
        if entry is not None and self._settled(entry, now):
            return entry.value
        try:
            value = await fetch()
        except CarrierError as exc:
            entry = entry or self._new(key)
            entry.failures += 1
            entry.retry_at = now + self._backoff(entry.failures)
            log.warning(
                "point %s not looked up (failure %d, next try in %.0f s): %s",
                key, entry.failures, entry.retry_at - now, exc,
            )  # fmt: skip
            return entry.value
        entry = entry or self._new(key)
        entry.value, entry.found_at, entry.failures, entry.retry_at = value, now, 0, 0.0
        return value

    def _new(self, key: Hashable) -> _Entry[T]:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        entry: _Entry[T] = _Entry()
        self._entries[key] = entry
        return entry

    def clear(self) -> None:
        """Forget every point (tests start from an empty cache)."""
        self._entries.clear()
