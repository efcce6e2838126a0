"""How fast the sweep may call one carrier account: its documented rate, shared by every worker.

An adapter declares ``rate_limit`` (calls a second, from the carrier's documentation). With
one worker process a pacer in memory is enough; with several, each one's own pacer would
let the carrier see the rate times the number of workers. So on PostgreSQL the schedule
lives in ``carrier_pace``, one row per account:

    INSERT … ON CONFLICT (account_id) DO UPDATE
        SET next_slot_at = GREATEST(next_slot_at, statement_timestamp()) + interval
    RETURNING …

A sweep reserves the next free slots for its calls to the account in one statement (the
row lock serialises the workers), then each call sleeps until its slot starts. Slots are
one ``1 / rate_limit`` apart whichever process takes them, so the carrier never sees more
than its rate. Slots are moments on the database's clock (the worker waits for them by
its own, so worker hosts need the NTP-synchronised clock any server has; a process slow
to read its answer loses none of its wait). A reserved slot is spent even when the
caller then gives up (the pace errs slow, never fast).

A 429 sets ``paused_until`` (never shortening it): every worker's next reservation — and
every call already waiting for its slot — sees the pause and stops calling that account
until it ends — in the same sweep, not only from
the next one (the account's ``rate_limited_until`` still says so to later sweeps).

SQLite runs one worker process (DESIGN.md), so it keeps the pacer in memory; a 429 there
stops the sweep's own calls as before.

The sweep sees only :class:`Pacer`: ``wait()`` before each call (None: go; else when the
account's pause ends) and ``pause(until)`` on a 429. Slots are timed by the database's
clock; pauses are moments on the sweep's clock, like ``rate_limited_until``.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any, Protocol

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
INSERT INTO carrier_pace (account_id, next_slot_at, paused_until)
VALUES ($1, statement_timestamp() + make_interval(secs => $2), NULL)
ON CONFLICT (account_id) DO UPDATE SET next_slot_at = CASE
    WHEN carrier_pace.paused_until > $3 THEN carrier_pace.next_slot_at
    ELSE GREATEST(carrier_pace.next_slot_at, statement_timestamp()) + make_interval(secs => $2)
END
RETURNING
    EXTRACT(EPOCH FROM next_slot_at)::float8 - $2 AS first_slot,
    CASE WHEN paused_until > $3 THEN paused_until END AS paused_until
"""

_PAUSED = """
SELECT CASE WHEN paused_until > $2 THEN paused_until END AS paused_until
FROM carrier_pace WHERE account_id = $1
"""

_PAUSE = """
INSERT INTO carrier_pace (account_id, next_slot_at, paused_until)
VALUES ($1, statement_timestamp(), $2)
ON CONFLICT (account_id) DO UPDATE
SET paused_until = GREATEST(carrier_pace.paused_until, EXCLUDED.paused_until)
"""


def _paused(rows: list[dict[str, Any]]) -> datetime | None:
    found: datetime | None = rows[0]["paused_until"] if rows else None
    return found


class Pacer(Protocol):
    """Paces one account's calls; the sweep asks before each call."""

    async def wait(self) -> datetime | None:
        """Wait for this call's slot: None to go ahead, else when the account's pause (a
        429 met by any worker) ends."""

    async def pause(self, until: datetime) -> None:
        """The carrier said slow down: no calls to the account before ``until``."""


class LocalPacer:
    """Starts at most ``rate`` calls per second from this process (SQLite, tests)."""

    def __init__(self, rate: float, now: datetime) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_slot = 0.0
        self.now = now
        self.paused_until: datetime | None = None

    async def wait(self) -> datetime | None:
        if self.paused_until is not None or not self.interval:
            return self.paused_until
        now = time.monotonic()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        return self.paused_until

    async def pause(self, until: datetime) -> None:
        if until > self.now and (self.paused_until is None or until > self.paused_until):
            self.paused_until = until


class SharedPacer:
    """One account's slots, handed out by PostgreSQL to every worker process.

    The slots for a sweep's calls to the account are reserved together (at most
    :data:`MAX_WAIT_SECONDS` of them at a time): one statement per account and sweep, not
    per call. A call that waited for its slot asks whether the account was paused meanwhile.
    """

    def __init__(self, account_id: int, rate: float, now: datetime, calls: int = 1) -> None:
        self.account_id = account_id
        self.interval = 1.0 / rate
        self.now = now
        self.expected = max(1, calls)
        self.slots: list[float] = []  # start times reserved (Unix time), latest first
        self.reserving = asyncio.Lock()  # the sweep's concurrent calls share one reservation

    async def _reserve(self) -> datetime | None:
        count = max(1, min(self.expected, int(MAX_WAIT_SECONDS / self.interval)))
        conn = connections.get("default")
        rows = await conn.execute_query_dict(
            _RESERVE, [self.account_id, self.interval * count, self.now]
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
            return _paused(await conn.execute_query_dict(_PAUSED, [self.account_id, self.now]))
        return None  # late again and again: go, a busy worker's calls are few anyway

    async def pause(self, until: datetime) -> None:
        self.slots.clear()
        conn = connections.get("default")
        await conn.execute_query(_PAUSE, [self.account_id, until])


def pacer_for(account_id: int | None, rate: float, now: datetime, calls: int = 1) -> Pacer:
    """The shared pacer on PostgreSQL; the in-memory one on SQLite (a single worker).

    ``now`` is the sweep's clock (pauses are moments on it, as ``rate_limited_until`` is);
    ``calls``: how many calls the sweep means to make to the account (slots reserved at once).
    """
    if (
        account_id is not None
        and rate > 0
        and connections.get("default").capabilities.dialect == "postgres"
    ):
        return SharedPacer(account_id, rate, now, calls)
    return LocalPacer(rate, now)
