"""Calling a store: retries with backoff, the store's own pacing honoured, 401/403 typed.

Every platform call goes through :meth:`Transport.request`. A 429 waits what
``Retry-After`` says (Shopify and WordPress hosts send it); a 5xx or a network error
waits an exponential backoff with jitter; a platform-level throttle (Shopify GraphQL's
``THROTTLED``) raises :class:`RetryLater` from the caller's check with the wait it
computed. After the last attempt the call fails with :class:`Unavailable`; a 401 or 403
is :class:`Revoked` at once (retrying a revoked token only earns a ban). The waits run
through ``sleep``, which a benchmark or test can observe.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from portal.platforms.base import PlatformError, Revoked, Unavailable

Sleep = Callable[[float], Awaitable[None]]
#: A check of a 2xx answer that may ask for a retry (Shopify's GraphQL throttle).
Check = Callable[[httpx.Response], None]

TIMEOUT = 30.0
EXCERPT = 300


class RetryLater(Exception):
    """Try the call again after ``delay`` seconds (None: the backoff decides)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


def retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: a number or an HTTP date (RFC 9110 §10.2.3)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class Transport:
    """An HTTP client with the retry rules above; one per connection and run."""

    client: httpx.AsyncClient
    sleep: Sleep = asyncio.sleep
    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 120.0
    rng: random.Random = field(default_factory=random.Random)
    #: Every wait taken, in seconds (shown in the sync report and checked by tests).
    waited: list[float] = field(default_factory=list)

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, RetryLater) and error.delay is not None:
            delay = min(error.delay, self.max_delay)
        else:
            backoff = min(self.base_delay * 2 ** (state.attempt_number - 1), self.max_delay)
            delay = backoff * self.rng.uniform(0.8, 1.2)
        return delay

    async def pause(self, seconds: float) -> None:
        """Wait, and note it in :attr:`waited`: every wait a store's pace, throttle or
        retry takes goes through here. (Tenacity computes a wait after the last attempt
        too, before it sees it must stop: only a wait slept is one taken.)"""
        self.waited.append(seconds)
        await self.sleep(seconds)

    async def request(
        self, method: str, url: str, *, check: Check | None = None, **kwargs: Any
    ) -> httpx.Response:
        """The store's 2xx answer, after as many waits as it asked for."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RetryLater),
            sleep=self.pause,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(method, url, check, kwargs)
        except RetryLater as exc:
            raise Unavailable(f"{exc.reason} (gave up after {self.attempts} attempts)") from None
        raise Unavailable("no attempt was made")  # pragma: no cover - attempts >= 1

    async def _once(
        self, method: str, url: str, check: Check | None, kwargs: dict[str, Any]
    ) -> httpx.Response:
        try:
            response = await self.client.request(method, url, timeout=TIMEOUT, **kwargs)
        except httpx.TransportError as exc:
            raise RetryLater(f"{type(exc).__name__} calling the store") from exc
        status = response.status_code
        if status in (401, 403):
            raise Revoked(f"The store refused the credentials (HTTP {status}).")
        if status == 429:
            raise RetryLater("the store asked us to slow down (429)", retry_after(response))
        if status >= 500:
            raise RetryLater(f"the store answered HTTP {status}", retry_after(response))
        if status >= 400:
            raise PlatformError(f"HTTP {status}: {response.text[:EXCERPT]}")
        if check is not None:
            check(response)
        return response
