"""Sign-in throttling: failures counted per e-mail and per client address in a window.

The counting lives behind :class:`AttemptStore`. :class:`DatabaseAttemptStore` (the
``sign_in_attempt`` table) makes the limit hold across every web process and is what the
portal uses; :class:`MemoryAttemptStore` serves unit tests of the throttle itself.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

WINDOW = timedelta(minutes=15)
#: Failures within WINDOW before an e-mail address is refused.
MAX_PER_EMAIL = 5
#: Failures within WINDOW before a client address is refused (shared offices, NAT).
MAX_PER_IP = 30


class AttemptStore(Protocol):
    """Remembers failed sign-ins by key (``email:…`` / ``ip:…``). Async, so a database
    store (one row per failure, counted with ``WHERE key = ? AND at >= ?``) fits as is."""

    async def record(self, key: str, at: datetime) -> None: ...

    async def count_since(self, key: str, since: datetime) -> int: ...

    async def oldest_since(self, key: str, since: datetime) -> datetime | None: ...

    async def clear(self, key: str) -> None: ...


class MemoryAttemptStore:
    """Failures in this process only (until the database store lands)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, deque[datetime]] = {}

    def _prune(self, key: str, since: datetime) -> deque[datetime]:
        times = self._seen.setdefault(key, deque())
        while times and times[0] < since:
            times.popleft()
        return times

    async def record(self, key: str, at: datetime) -> None:
        with self._lock:
            self._seen.setdefault(key, deque()).append(at)

    async def count_since(self, key: str, since: datetime) -> int:
        with self._lock:
            return len(self._prune(key, since))

    async def oldest_since(self, key: str, since: datetime) -> datetime | None:
        with self._lock:
            times = self._prune(key, since)
            return times[0] if times else None

    async def clear(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)


class DatabaseAttemptStore:
    """One row per failure; counted with an index on (key, attempted_at)."""

    async def record(self, key: str, at: datetime) -> None:
        from portal.models import SignInAttempt

        await SignInAttempt.create(key=key, attempted_at=at)

    async def count_since(self, key: str, since: datetime) -> int:
        from portal.models import SignInAttempt

        return await SignInAttempt.filter(key=key, attempted_at__gte=since).count()

    async def oldest_since(self, key: str, since: datetime) -> datetime | None:
        from portal.models import SignInAttempt

        first = (
            await SignInAttempt.filter(key=key, attempted_at__gte=since)
            .order_by("attempted_at")
            .first()
        )
        return first.attempted_at if first else None

    async def clear(self, key: str) -> None:
        from portal.models import SignInAttempt

        await SignInAttempt.filter(key=key).delete()


async def purge_attempts(before: datetime) -> int:
    """Forget failures older than any window (run by a background job)."""
    from portal.models import SignInAttempt

    return await SignInAttempt.filter(attempted_at__lt=before).delete()


@dataclass
class Throttle:
    """Decides whether a sign-in may be tried, and records how it went."""

    store: AttemptStore
    window: timedelta = WINDOW
    max_per_email: int = MAX_PER_EMAIL
    max_per_ip: int = MAX_PER_IP

    @staticmethod
    def _keys(email: str, ip: str) -> tuple[str, str]:
        return f"email:{email.strip().lower()}", f"ip:{ip}"

    async def blocked_until(self, email: str, ip: str, now: datetime) -> datetime | None:
        """When the caller may try again, or None when a try is allowed now."""
        since = now - self.window
        latest: datetime | None = None
        for key, limit in zip(
            self._keys(email, ip), (self.max_per_email, self.max_per_ip), strict=True
        ):
            if await self.store.count_since(key, since) >= limit:
                oldest = await self.store.oldest_since(key, since)
                until = (oldest or now) + self.window
                latest = until if latest is None else max(latest, until)
        return latest

    async def failed(self, email: str, ip: str, now: datetime) -> None:
        for key in self._keys(email, ip):
            await self.store.record(key, now)

    async def succeeded(self, email: str, ip: str) -> None:
        """A correct password clears the e-mail's count (not the address's)."""
        await self.store.clear(self._keys(email, ip)[0])
