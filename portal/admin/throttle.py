"""Sign-in throttling: failures counted per account *and* address, and per address, in a
sliding window.

Five wrong passwords for one account from one address pause that pair only: someone
guessing from elsewhere cannot keep the account's owner locked out. An address that fails
often across accounts is paused as a whole.

The counts are the shared rate limiter's (:mod:`portal.core.rate_limit`), in one-minute
slices of a 15-minute window, so the limit holds across every web process and a burst on
either side of a minute boundary cannot double up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from portal.core.rate_limit import Limit, RateLimiter

WINDOW = timedelta(minutes=15)
#: Failures within WINDOW before an e-mail address is refused from the failing client address.
MAX_PER_EMAIL = 5
#: Failures within WINDOW before a client address is refused (shared offices, NAT).
MAX_PER_IP = 30
#: Failures are counted per minute; the window slides a minute at a time.
SLICE = 60


@dataclass
class Throttle:
    """Decides whether a sign-in may be tried, and records how it went."""

    limiter: RateLimiter = field(default_factory=RateLimiter)
    window: timedelta = WINDOW
    max_per_email: int = MAX_PER_EMAIL
    max_per_ip: int = MAX_PER_IP

    def _limits(self) -> tuple[Limit, Limit]:
        seconds = int(self.window.total_seconds())
        return (
            Limit("sign_in_account", self.max_per_email, seconds, slice=SLICE),
            Limit("sign_in_ip", self.max_per_ip, seconds, slice=SLICE),
        )

    @staticmethod
    def _keys(email: str, ip: str) -> tuple[str, str]:
        return f"{email.strip().lower()} {ip}", ip

    async def blocked_until(self, email: str, ip: str, now: datetime) -> datetime | None:
        """When the caller may try again, or None when a try is allowed now."""
        latest: datetime | None = None
        for limit, key in zip(self._limits(), self._keys(email, ip), strict=True):
            usage = await self.limiter.usage(limit, key, now.timestamp())
            if usage.units >= limit.units:
                until = (
                    now if usage.frees_at is None else datetime.fromtimestamp(usage.frees_at, UTC)
                )
                latest = until if latest is None else max(latest, until)
        return latest

    async def failed(self, email: str, ip: str, now: datetime) -> None:
        for limit, key in zip(self._limits(), self._keys(email, ip), strict=True):
            await self.limiter.hit(limit, key, now=now.timestamp())

    async def succeeded(self, email: str, ip: str) -> None:
        """A correct password clears the account's count from this address (not the
        address's own count)."""
        await self.limiter.forget(self._limits()[0], self._keys(email, ip)[0])
