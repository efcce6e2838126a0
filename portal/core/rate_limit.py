"""The one rate limiter: units counted per key and window in the database, shared by every process.

A :class:`Limit` allows ``units`` per ``window`` seconds in one ``scope`` (tracking-number
lookups, order lookups, sign-in failures per e-mail or per address). Counts live in
``rate_limit_count``, one row per (scope, key, window start), added to by one statement:

    INSERT … ON CONFLICT (scope, key, window_start) DO UPDATE SET count = count + excluded.count
    RETURNING count

which SQLite and PostgreSQL both run atomically, so concurrent requests in any number of
processes are each counted once (DESIGN.md: nothing may assume one process).

By default a window is fixed (it opens at a multiple of ``window`` seconds), and a lookup
costs exactly that one statement: the tracking page stays cheap. A limit with a ``slice``
slides instead: units are counted in slices of ``slice`` seconds and every slice that opened
within the last ``window`` seconds counts, so a burst just before a window boundary cannot
double up (sign-in uses one-minute slices of a 15-minute window). Rows stop counting at
``expires_at`` and :func:`purge` (the housekeeping job) deletes them.

The API's per-key allowance has another shape (a burst, then an even refill, refused
requests free) and keeps its own single number per key: :mod:`portal.api.ratelimit`. Both
answer with :class:`Decision`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Limit:
    """``units`` per ``window`` seconds in ``scope``, counted in ``slice``-second slices if set."""

    scope: str
    units: int
    window: int
    slice: int = 0

    @property
    def step(self) -> int:
        return self.slice or self.window


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    #: Seconds until the full allowance is back.
    reset: int
    #: Seconds until the next unit can go through (0 when allowed).
    retry_after: int

    def headers(self) -> dict[str, str]:
        """``RateLimit-*`` headers, and ``Retry-After`` on a refusal."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


@dataclass(frozen=True, slots=True)
class Usage:
    """Units counted in a limit's current window, and when the oldest of them stops counting."""

    units: int
    frees_at: float | None


def _sql(conn: BaseDBAsyncClient) -> dict[str, str]:
    return _POSTGRES if conn.capabilities.dialect == "postgres" else _SQLITE


_POSTGRES = {
    "add": (
        'INSERT INTO rate_limit_count (scope, "key", window_start, count, expires_at) '
        "VALUES ($1, $2, $3, $4, $5) "
        'ON CONFLICT (scope, "key", window_start) '
        "DO UPDATE SET count = rate_limit_count.count + EXCLUDED.count "
        "RETURNING count"
    ),
    "usage": (
        "SELECT COALESCE(SUM(count), 0) AS units, MIN(window_start) AS oldest "
        'FROM rate_limit_count WHERE scope = $1 AND "key" = $2 AND window_start > $3'
    ),
    "forget": 'DELETE FROM rate_limit_count WHERE scope = $1 AND "key" = $2',
    "purge": "DELETE FROM rate_limit_count WHERE expires_at <= $1 RETURNING count",
}
_SQLITE = {name: sql.replace("$", "?") for name, sql in _POSTGRES.items()}


def client_key(request: Request) -> str:
    """The client's address as the server saw it (run uvicorn with ``--proxy-headers``
    behind a trusted proxy so this is the visitor, not the proxy)."""
    return request.client.host if request.client else "unknown"


class RateLimiter:
    """Counts units against :class:`Limit` objects in ``rate_limit_count``."""

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock

    async def hit(
        self, limit: Limit, key: str, cost: int = 1, now: float | None = None
    ) -> Decision:
        """Count ``cost`` units for ``key``; refused once the window's budget is spent.

        Refused units still count (a client that keeps guessing keeps waiting).
        """
        now = self.clock() if now is None else now
        start = int(now // limit.step) * limit.step
        conn = connections.get("default")
        rows = await conn.execute_query_dict(
            _sql(conn)["add"], [limit.scope, key, start, cost, start + limit.window]
        )
        units, frees_at = int(rows[0]["count"]), float(start + limit.window)
        if limit.slice:
            usage = await self.usage(limit, key, now)
            units, frees_at = usage.units, usage.frees_at or frees_at
        return _decision(limit, units, frees_at, now, allowed=units <= limit.units)

    async def check(self, limit: Limit, key: str, now: float | None = None) -> Decision:
        """Whether one more unit would go through, without counting it."""
        now = self.clock() if now is None else now
        usage = await self.usage(limit, key, now)
        return _decision(limit, usage.units, usage.frees_at, now, allowed=usage.units < limit.units)

    async def usage(self, limit: Limit, key: str, now: float | None = None) -> Usage:
        now = self.clock() if now is None else now
        conn = connections.get("default")
        rows = await conn.execute_query_dict(
            _sql(conn)["usage"], [limit.scope, key, math.floor(now - limit.window)]
        )
        oldest = rows[0]["oldest"] if rows else None
        units = int(rows[0]["units"]) if rows else 0
        return Usage(units, None if oldest is None else float(oldest) + limit.window)

    async def forget(self, limit: Limit, key: str) -> None:
        """Drop everything ``key`` spent in ``limit`` (a correct password clears failures)."""
        conn = connections.get("default")
        await conn.execute_query(_sql(conn)["forget"], [limit.scope, key])


def _decision(
    limit: Limit, units: int, frees_at: float | None, now: float, *, allowed: bool
) -> Decision:
    wait = max(1, math.ceil((frees_at if frees_at is not None else now) - now))
    return Decision(
        allowed=allowed,
        limit=limit.units,
        remaining=max(0, limit.units - units),
        reset=wait if units else 0,
        retry_after=0 if allowed else wait,
    )


async def purge(now: float | None = None) -> int:
    """Delete counts that no longer count (a housekeeping job); returns the units forgotten."""
    now = time.time() if now is None else now
    conn = connections.get("default")
    rows = await conn.execute_query_dict(_sql(conn)["purge"], [math.floor(now)])
    return sum(int(row["count"]) for row in rows)
