"""A rate limit counted in process memory and written to the shared table once a second.

The tracking page's lookup limit (120 numbers per client per 10 minutes) cost every page
one ``INSERT … ON CONFLICT`` round trip, the only statement a cached page made and a fifth
of an uncached page's database work (benchmarks/README.md, issue 20). :class:`BufferedLimiter`
counts the same units in the same ``rate_limit_count`` rows, but adds most of them to a
per-process tally first and writes the tally in **one statement per interval** (default 1 s,
all keys together), learning the shared totals from its ``RETURNING``.

What stays exact:

* a key's first unit in a window in this process is counted in the database at once
  (:meth:`RateLimiter.hit`), so a process that has never seen a client starts from what
  every other process has already written;
* a unit that could be refused (shared total as last read + this process's unwritten units
  + the unit > the limit) is counted in the database at once, together with the process's
  unwritten units for that key: **every refusal is decided by the shared table**, and
  refused units count, as before;
* limits with sliding slices (sign-in) are never buffered.

The bound: a process may allow a unit the shared table would refuse only when other
processes' units of the last interval have not reached the table yet. With ``P`` web
processes and interval ``f``, a client gets at most the limit plus what it was allowed in
the other ``P − 1`` processes during one ``f``; within one process the limit is exact. A
process that stops without :meth:`flush` (killed) loses at most one interval of counts.
Order-number guessing (10 attempts per 10 minutes) stays on the exact limiter.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tortoise import connections

from portal.core.rate_limit import Decision, Limit, RateLimiter, _decision

log = logging.getLogger(__name__)

#: (scope, key, window start)
Slot = tuple[str, str, int]

DEFAULT_INTERVAL = 1.0
#: Keys remembered before the tally is written and forgotten early (memory bound).
MAX_KEYS = 50_000
#: Rows per statement on SQLite (five parameters a row, under its 999-parameter limit).
SQLITE_ROWS = 150

_RETURNING = (
    'ON CONFLICT (scope, "key", window_start) '
    "DO UPDATE SET count = rate_limit_count.count + EXCLUDED.count "
    'RETURNING scope, "key", window_start, count'
)
_POSTGRES_ADD_MANY = (
    'INSERT INTO rate_limit_count (scope, "key", window_start, count, expires_at) '
    "SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::bigint[], $4::int[], "
    "$5::bigint[]) " + _RETURNING
)
_SQLITE_ADD_MANY = 'INSERT INTO rate_limit_count (scope, "key", window_start, count, expires_at) '


class BufferedLimiter:
    """Same answers as :class:`RateLimiter.hit` for fixed windows, one statement a second."""

    def __init__(
        self, exact: RateLimiter | None = None, *, interval: float = DEFAULT_INTERVAL
    ) -> None:
        #: The database-only limiter: first units, possible refusals, sliding limits.
        self.exact = exact or RateLimiter()
        self.interval = interval
        #: Shared total of each slot as this process last read it, and the slot's expiry.
        self._known: dict[Slot, tuple[int, int]] = {}
        #: Units allowed here and not yet written, with the slot's expiry.
        self._pending: dict[Slot, tuple[int, int]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[int] | None = None

    async def hit(
        self, limit: Limit, key: str, cost: int = 1, now: float | None = None
    ) -> Decision:
        """Count ``cost`` units for ``key``; refused once the window's budget is spent."""
        now = self.exact.clock() if now is None else now
        if limit.slice:
            return await self.exact.hit(limit, key, cost, now)
        start = int(now // limit.step) * limit.step
        slot = (limit.scope, key, start)
        seen = self._known.get(slot)
        known = seen[0] if seen is not None else None
        waiting = self._pending.get(slot, (0, 0))[0]
        frees_at = float(start + limit.window)
        if known is None or known + waiting + cost > limit.units:
            # The database decides: this process's unwritten units go with this one.
            self._pending.pop(slot, None)
            decision = await self.exact.hit(limit, key, waiting + cost, now)
            # Exact below the limit; at or past it, "the limit", so the next unit asks again.
            self._known[slot] = (limit.units - decision.remaining, start + limit.window)
            return decision
        self._pending[slot] = (waiting + cost, start + limit.window)
        self._schedule()
        units = known + waiting + cost
        return _decision(limit, units, frees_at, now, allowed=True)

    def _schedule(self) -> None:
        if self._timer is not None or self.interval <= 0:
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.interval, self._flush_soon)
        if len(self._known) > MAX_KEYS:
            self._flush_soon()

    def _flush_soon(self) -> None:
        self._timer = None
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush_logged())

    async def _flush_logged(self) -> int:
        try:
            return await self.flush()
        except Exception:  # the next interval tries again; the page never fails for it
            log.warning("could not write buffered rate-limit counts", exc_info=True)
            return 0

    async def flush(self) -> int:
        """Write every unwritten unit in one statement (SQLite: a few); returns the rows.

        Learns each written slot's shared total, and forgets slots whose window ended.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, {}
        now = self.exact.clock()
        self._known = {slot: seen for slot, seen in self._known.items() if seen[1] > now}
        if len(self._known) > MAX_KEYS:  # many clients: start again from the table
            self._known = {}
        if not batch:
            return 0
        try:
            totals = await _add_many(batch)
        except BaseException:
            for slot, (units, expires) in batch.items():  # kept for the next try
                waiting = self._pending.get(slot, (0, expires))[0]
                self._pending[slot] = (waiting + units, expires)
            raise
        self._known.update({slot: (units, batch[slot][1]) for slot, units in totals.items()})
        return len(batch)


async def _add_many(batch: dict[Slot, tuple[int, int]]) -> dict[Slot, int]:
    conn = connections.get("default")
    slots = list(batch)
    if conn.capabilities.dialect == "postgres":
        params: list[Any] = [
            [s[0] for s in slots],
            [s[1] for s in slots],
            [s[2] for s in slots],
            [batch[s][0] for s in slots],
            [batch[s][1] for s in slots],
        ]
        rows = await conn.execute_query_dict(_POSTGRES_ADD_MANY, params)
    else:
        rows = []
        for first in range(0, len(slots), SQLITE_ROWS):
            chunk = slots[first : first + SQLITE_ROWS]
            values = ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
            flat = [v for s in chunk for v in (s[0], s[1], s[2], batch[s][0], batch[s][1])]
            sql = f"{_SQLITE_ADD_MANY}VALUES {values} {_RETURNING}"
            rows += await conn.execute_query_dict(sql, flat)
    return {(r["scope"], r["key"], int(r["window_start"])): int(r["count"]) for r in rows}
