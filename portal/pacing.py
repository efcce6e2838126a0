"""How fast the workers may call one carrier account or one store: its documented rate,
shared by every worker.

A carrier adapter declares ``rate_limit`` (calls a second, from the carrier's
documentation); BaseLinker documents 100 requests a minute per token, shared by a store
connection's sync and its write-back. With one worker process a pacer in memory is enough;
with several, each one's own pacer would let the carrier or store see the rate times the
number of workers. So on PostgreSQL the schedule lives in ``carrier_pace``, one row per
:class:`Key` (a carrier account, or a store connection):

    INSERT … ON CONFLICT (account_id) DO UPDATE
        SET next_slot_at = GREATEST(next_slot_at, statement_timestamp()) + interval
    RETURNING …

A caller reserves the next free slots for its calls in one statement (the row lock
serialises the workers), then each call sleeps until its slot starts. Slots are one
``1 / rate`` apart whichever process takes them, so the carrier never sees more than its
rate. Slots are moments on the database's clock (the worker waits for them by its own, so
worker hosts need the NTP-synchronised clock any server has; a process slow to read its
answer loses none of its wait). A reserved slot is spent even when the caller then gives
up (the pace errs slow, never fast).

A 429 (or a blocked token) sets ``paused_until`` (never shortening it): every worker's
next reservation — and every call already waiting for its slot — sees the pause and stops
calling until it ends — in the same sweep, not only from the next one (a carrier
account's ``rate_limited_until`` still says so to later sweeps).

SQLite runs one worker process (DESIGN.md), so its schedules live in that process's
memory, one per key (:data:`_LOCAL`, forgotten with the database connection), shared by
every pacer of the key in the process; a pause there stops the process's calls.

Callers see only :class:`Pacer`: ``wait()`` before each call (None: go; else when the
pause ends) and ``pause(until)`` on a 429. Slots are timed by the database's clock
(by ``time.monotonic`` in memory); pauses are moments on the caller's clock ``now``
(the sweep's, like ``rate_limited_until``; the wall clock for a store).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from tortoise import connections

#: Reservations further ahead than this mean the account is oversubscribed: the caller
#: gives its shipments back for a later sweep instead of holding a slot and a lease.
MAX_WAIT_SECONDS = 30.0
#: A call that waited at least this long for its slot checks for a pause before going.
RECHECK_AFTER = 0.1
#: Below this many calls a second (slots at least this far apart), a call that missed its
#: slot by more than one interval takes a new slot rather than bunch with the next.
LATE_AFTER = 0.05
MAX_LATE_RETRIES = 3

_RESERVE = """
INSERT INTO carrier_pace ({column}, next_slot_at, paused_until)
VALUES ($1, statement_timestamp() + make_interval(secs => $2), NULL)
ON CONFLICT ({column}) DO UPDATE SET next_slot_at = CASE
    WHEN carrier_pace.paused_until > $3 THEN carrier_pace.next_slot_at
    ELSE GREATEST(carrier_pace.next_slot_at, statement_timestamp()) + make_interval(secs => $2)
END
RETURNING
    EXTRACT(EPOCH FROM next_slot_at)::float8 - $2 AS first_slot,
    CASE WHEN paused_until > $3 THEN paused_until END AS paused_until
"""

_PAUSED = """
SELECT CASE WHEN paused_until > $2 THEN paused_until END AS paused_until
FROM carrier_pace WHERE {column} = $1
"""

_PAUSE = """
INSERT INTO carrier_pace ({column}, next_slot_at, paused_until)
VALUES ($1, statement_timestamp(), $2)
ON CONFLICT ({column}) DO UPDATE
SET paused_until = GREATEST(carrier_pace.paused_until, EXCLUDED.paused_until)
"""


@dataclass(frozen=True)
class Key:
    """Whose pace: one carrier account's or one store connection's (one row each)."""

    column: Literal["account_id", "connection_id"]
    id: int


def carrier_account(account_id: int) -> Key:
    return Key("account_id", account_id)


def store_connection(connection_id: int) -> Key:
    return Key("connection_id", connection_id)


@dataclass
class Schedule:
    """One key's pace in this process's memory (SQLite, or a store not saved yet)."""

    next_slot: float = 0.0  # time.monotonic() of the next free slot
    paused_until: datetime | None = None


#: The schedules of this process, one per key (SQLite's single worker).
_LOCAL: dict[Key, Schedule] = {}


def forget_local() -> None:
    """A new database starts with no schedules (its ids name other accounts)."""
    _LOCAL.clear()


def _paused(rows: list[dict[str, Any]]) -> datetime | None:
    found: datetime | None = rows[0]["paused_until"] if rows else None
    return found


class Pacer(Protocol):
    """Paces one key's calls; the caller asks before each call."""

    async def wait(self) -> datetime | None:
        """Wait for this call's slot: None to go ahead, else when the key's pause (a 429
        met by any worker) ends."""

    async def pause(self, until: datetime) -> None:
        """The carrier or store said slow down: no calls of the key before ``until``."""


class LocalPacer:
    """Starts at most ``rate`` calls per second from this process (SQLite, tests): every
    pacer given the same ``schedule`` shares its slots and pauses."""

    def __init__(self, rate: float, now: datetime, schedule: Schedule | None = None) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.now = now
        self.schedule = schedule or Schedule()

    def _paused(self) -> datetime | None:
        until = self.schedule.paused_until
        return until if until is not None and until > self.now else None

    async def wait(self) -> datetime | None:
        if (until := self._paused()) is not None or not self.interval:
            return until
        now = time.monotonic()
        slot = max(now, self.schedule.next_slot)
        self.schedule.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        return self._paused()

    async def pause(self, until: datetime) -> None:
        paused = self.schedule.paused_until
        if until > self.now and (paused is None or until > paused):
            self.schedule.paused_until = until


class SharedPacer:
    """One key's slots, handed out by PostgreSQL to every worker process.

    The slots for a sweep's calls to the account are reserved together (at most
    :data:`MAX_WAIT_SECONDS` of them at a time): one statement per account and sweep, not
    per call. A call that waited for its slot asks whether the key was paused meanwhile.
    """

    def __init__(self, key: Key, rate: float, now: datetime, calls: int = 1) -> None:
        self.key = key
        self.interval = 1.0 / rate
        self.now = now
        self.expected = max(1, calls)
        self.slots: list[float] = []  # start times reserved (Unix time), latest first
        self.reserving = asyncio.Lock()  # the sweep's concurrent calls share one reservation

    async def _reserve(self) -> datetime | None:
        count = max(1, min(self.expected, int(MAX_WAIT_SECONDS / self.interval)))
        conn = connections.get("default")
        rows = await conn.execute_query_dict(
            _RESERVE.format(column=self.key.column), [self.key.id, self.interval * count, self.now]
        )
        if (until := _paused(rows)) is not None:
            return until
        first = float(rows[0]["first_slot"])
        self.slots = [first + i * self.interval for i in reversed(range(count))]
        self.expected = max(1, self.expected - count)
        return None

    async def wait(self) -> datetime | None:
        for _ in range(MAX_LATE_RETRIES + 1):
            async with self.reserving:
                if not self.slots and (until := await self._reserve()) is not None:
                    return until
                slot = self.slots.pop()
            delay = slot - time.time()
            if delay > MAX_WAIT_SECONDS:
                # Oversubscribed: the shipments come back once the queue has gone.
                return self.now + timedelta(seconds=delay)
            if delay > 0:
                await asyncio.sleep(delay)
            if self.interval >= LATE_AFTER and time.time() - slot > self.interval:
                # This process was too busy to go on time: going now would bunch with the
                # next slot's call (maybe another worker's). Take a new slot instead.
                # Fast carriers (slots under LATE_AFTER apart) are not re-slotted: a late
                # call there overlaps a few slots of milliseconds, and re-slotting would
                # cost a statement for most calls on a busy machine.
                self.slots.clear()
                self.expected += 1
                continue
            if delay < RECHECK_AFTER:
                return None
            # A 429 met by another worker while this one slept stops it too.
            conn = connections.get("default")
            paused = _PAUSED.format(column=self.key.column)
            return _paused(await conn.execute_query_dict(paused, [self.key.id, self.now]))
        return None  # late again and again: go, a busy worker's calls are few anyway

    async def pause(self, until: datetime) -> None:
        self.slots.clear()
        conn = connections.get("default")
        await conn.execute_query(_PAUSE.format(column=self.key.column), [self.key.id, until])


def pacer_for(key: Key | None, rate: float, now: datetime, calls: int = 1) -> Pacer:
    """The shared pacer on PostgreSQL; on SQLite (a single worker) the in-memory one,
    sharing the key's schedule with the process's other pacers of it.

    ``now`` is the caller's clock (pauses are moments on it, as ``rate_limited_until`` is);
    ``calls``: how many calls the caller means to make (slots reserved at once).
    """
    if key is None:
        return LocalPacer(rate, now)
    if rate > 0 and connections.get("default").capabilities.dialect == "postgres":
        return SharedPacer(key, rate, now, calls)
    return LocalPacer(rate, now, _LOCAL.setdefault(key, Schedule()))
