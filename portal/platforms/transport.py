"""Calling a store: retries with backoff, the store's own pacing honoured, 401/403 typed.

Every platform call goes through :meth:`Transport.request`. A 429 waits what
``Retry-After`` says (Shopify and WordPress hosts send it); a 5xx or a network error
waits an exponential backoff with jitter; a platform-level throttle (Shopify GraphQL's
``THROTTLED``) raises :class:`RetryLater` from the caller's check with the wait it
computed. After the last attempt the call fails with :class:`Unavailable`; a 401 or 403
is :class:`Revoked` at once (retrying a revoked token only earns a ban). The waits run
through ``sleep``, which a benchmark or test can observe.

A store whose limit is shared by everyone calling it with one token (BaseLinker) gives the
transport ``pace``: every attempt, retries included, first takes its turn in the shared
pace (:mod:`portal.pacing`, across worker processes on PostgreSQL), and a throttle (429,
a blocked token) pauses that pace, so every caller of the store waits it out, not only
the one that met it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from portal.pacing import Pacer
from portal.platforms.base import PlatformError, Revoked, Unavailable

Sleep = Callable[[float], Awaitable[None]]
#: A check of a 2xx answer that may ask for a retry (Shopify's GraphQL throttle).
Check = Callable[[httpx.Response], None]
#: The store's shared pace as seen at a moment (pauses are compared with it).
Pace = Callable[[datetime], Pacer]

TIMEOUT = 30.0
EXCERPT = 300
LONG_AGO = datetime.min.replace(tzinfo=UTC)
#: How long a throttle that names no wait pauses the store's other callers.
THROTTLE_PAUSE = 60.0


class RetryLater(Exception):
    """Try the call again after ``delay`` seconds (None: the backoff decides);
    ``throttled``: the store said we called too often (not a fault of its own)."""

    def __init__(self, reason: str, delay: float | None = None, *, throttled: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
        self.throttled = throttled


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
    #: The store's shared pace, for a store whose limit is its token's (BaseLinker).
    pace: Pace | None = None
    #: How far this transport has waited out the pace's pauses: a pause ending by then is
    #: over for it (``sleep`` may be a test's, which takes no time).
    waited_to: datetime = LONG_AGO

    def _moment(self) -> datetime:
        return max(datetime.now(UTC), self.waited_to)

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, RetryLater) and error.delay is not None:
            delay = min(error.delay, self.max_delay)
            if error.throttled:
                # The pause this throttle set is waited out by this very wait.
                self.waited_to = self._moment() + timedelta(seconds=delay)
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
        self,
        method: str,
        url: str,
        *,
        check: Check | None = None,
        retry_faults: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """The store's 2xx answer, after as many waits as it asked for.

        The first attempt is made before the retrier is built: almost every call is
        answered at once, and tenacity's state (built per call, with reference cycles the
        collector has to find) cost ≈ 60 µs a call, a backfill's page of 20 orders. A first
        attempt that asks for a retry is handed to the retrier as its first outcome, so
        waits, attempts and the final :class:`Unavailable` are exactly as before.

        ``retry_faults=False`` is for a call that makes something (a refund, a return): a
        5xx or a network error may come after the store made it, so it is not sent again
        here but fails at once with :class:`Unavailable`, for a caller that first looks
        whether it was made; a throttle (the store said it ran nothing) is still waited
        out and retried."""
        try:
            return await self._once(method, url, check, kwargs)
        except RetryLater as exc:
            if not (retry_faults or exc.throttled):
                raise Unavailable(f"{exc.reason} (not sent again)") from None
            first: RetryLater | None = exc
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception(
                lambda e: isinstance(e, RetryLater) and (retry_faults or e.throttled)
            ),
            sleep=self.pause,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    if first is not None:
                        failed, first = first, None
                        raise failed
                    return await self._once(method, url, check, kwargs)
        except RetryLater as exc:
            if not (retry_faults or exc.throttled):
                raise Unavailable(f"{exc.reason} (not sent again)") from None
            raise Unavailable(f"{exc.reason} (gave up after {self.attempts} attempts)") from None
        raise Unavailable("no attempt was made")  # pragma: no cover - attempts >= 1

    async def _take_turn(self) -> None:
        """Wait for this attempt's slot in the store's shared pace, and out any pause
        (another caller's throttle) — at most :attr:`max_delay` at a time, and
        :attr:`attempts` times, as a retry would."""
        if self.pace is None:
            return
        for _ in range(self.attempts):
            start = self._moment()
            until = await self.pace(start).wait()
            if until is None:
                return
            seconds = min((until - start).total_seconds(), self.max_delay)
            await self.pause(seconds)
            self.waited_to = start + timedelta(seconds=seconds)
        raise Unavailable("the store stayed paused after its limit was reached")

    async def _once(
        self, method: str, url: str, check: Check | None, kwargs: dict[str, Any]
    ) -> httpx.Response:
        await self._take_turn()
        try:
            return await self._answer(method, url, check, kwargs)
        except RetryLater as exc:
            if exc.throttled and self.pace is not None:
                now = self._moment()
                wait = exc.delay if exc.delay is not None else THROTTLE_PAUSE
                await self.pace(now).pause(now + timedelta(seconds=wait))
            raise

    async def _answer(
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
            raise RetryLater(
                "the store asked us to slow down (429)", retry_after(response), throttled=True
            )
        if status >= 500:
            raise RetryLater(f"the store answered HTTP {status}", retry_after(response))
        if status >= 400:
            raise PlatformError(f"HTTP {status}: {response.text[:EXCERPT]}")
        if check is not None:
            check(response)
        return response
