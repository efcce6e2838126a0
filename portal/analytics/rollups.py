"""Daily rollups behind the analytics screen: which days a figure reads from them, the
worker's job that keeps them current, and the full rebuild.

A rollup row holds counts for one merchant, day and group (:mod:`portal.analytics.facts`);
days are the shop's calendar days, in ``merchant.time_zone`` (:mod:`portal.analytics.clock`).
A figure over a period reads the rollups for the whole days they cover and computes the
rest live with the very statement that fills them: the partial days at either end, the
days not rolled up yet (today, and anything since the job last ran), and days with
changes the job has not recounted yet (rows in ``analytics_dirty``). So every figure is
exact and current whether the job ran a second ago or never.

The job (:func:`refresh`) does two things, in one transaction:

- *closes* the days since the last run (up to ``analytics_rollup_state.rolled_through``,
  the first day not closed; see :func:`closable`): counts them for every merchant, one
  statement per time zone; the first run counts everything;
- *recounts* the days that writes marked dirty (a return for an order placed in March
  makes that March day dirty for returns), taking the dirty rows it saw with
  ``DELETE … RETURNING``: a write committed meanwhile leaves its own row behind. The
  triggers mark UTC days; a UTC day stands for the one or two shop days it overlaps.

Nothing here reads ``tracking_event``: problem rates count ``analytics_shipment_problem``,
which a trigger fills as scans arrive, so dropping old scans changes no figure, and a
rebuild only adds to that table. Messages are the one rollup whose raw rows retention
deletes: deleting them marks nothing, and a rebuild recounts each merchant's messages only
from the oldest one still stored, keeping the days before as they were rolled up.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.analytics import clock
from portal.analytics.facts import MESSAGES, ROLLUPS, Range, Rollup, Scope, ranges
from portal.analytics.sql import Filters, Sql
from portal.history import retention
from portal.settings import Settings

log = logging.getLogger(__name__)

#: The first day a rollup can hold (nothing older is in the data, see the admin view).
EARLIEST = date(2000, 1, 1)
#: PostgreSQL advisory lock held by the job: one worker counts at a time.
LOCK = 20_210_021
#: Dirty rows one run takes; more waiting makes the job run again at once.
BATCH = 20_000
#: Days one statement counts for one merchant: each stays well inside the statement
#: timeout (a year of a million orders in one statement took over 30 s).
CHUNK_DAYS = 31
#: Up to this many days are counted for every merchant at once (closing the days since
#: the last run); longer ranges go merchant by merchant.
ALL_MERCHANTS_DAYS = 3
PROBLEM_BACKFILL = (
    "INSERT INTO analytics_shipment_problem (shipment_id, status, reason) "
    "SELECT DISTINCT shipment_id, status, COALESCE(reason, 'unknown') FROM tracking_event "
    "WHERE status IN ('exception', 'failed_attempt')"
)


def midnight(day: date, zone: str = "UTC") -> datetime:
    return clock.midnight(day, zone)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as half-open ranges: 1, 2, 3, 5 → [1, 4), [5, 6)."""
    out: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] == day:
            out[-1] = (out[-1][0], day + timedelta(days=1))
        else:
            out.append((day, day + timedelta(days=1)))
    return out


@dataclass(frozen=True, slots=True)
class Coverage:
    """How one figure reads ``[start, end)``: these whole days from the rollups, these
    time ranges live."""

    days: list[tuple[date, date]]
    live: list[Range]


def split(
    start: datetime, end: datetime, through: date | None, dirty: set[date], zone: str = "UTC"
) -> Coverage:
    """Whole days (on the clock of ``zone``) before ``through`` and not dirty come from
    the rollups."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    day = clock.local_date(start, zone)
    first = day if start == midnight(day, zone) else day + timedelta(days=1)
    last = min(clock.local_date(end, zone), through) if through is not None else first
    if first >= last:
        return Coverage([], [(start, end)])
    rolled = [first + timedelta(days=n) for n in range((last - first).days)]
    clean = [d for d in rolled if d not in dirty]
    live: list[Range] = []
    pieces = [(start, midnight(first, zone))]
    pieces += [
        (midnight(a, zone), midnight(b, zone)) for a, b in runs(d for d in rolled if d in dirty)
    ]
    pieces.append((midnight(last, zone), end))
    for a, b in pieces:
        if a >= b:
            continue
        if live and live[-1][1] == a:
            live[-1] = (live[-1][0], b)
        else:
            live.append((a, b))
    return Coverage(runs(clean), live)


async def coverage(fact: str, f: Filters) -> Coverage:
    """:func:`split` for ``f`` with the watermark and the merchant's dirty days of ``fact``."""
    conn = connections.get("default")
    state = await conn.execute_query_dict(
        "SELECT rolled_through FROM analytics_rollup_state WHERE id = 1"
    )
    through = _as_date(state[0]["rolled_through"]) if state and state[0]["rolled_through"] else None
    if through is None:
        return split(f.start, f.end, None, set(), f.zone)
    q = Sql(conn)
    rows = await conn.execute_query_dict(
        "SELECT DISTINCT day FROM analytics_dirty WHERE "
        f"merchant_id = {q.p(f.merchant_id)} AND fact = {q.p(fact)} "
        f"AND day >= {q.p(f.start.astimezone(UTC).date() - timedelta(days=1))} "
        f"AND day <= {q.p(through + timedelta(days=1))}",
        q.params,
    )
    dirty = {d for r in rows for d in clock.local_days_of(_as_date(r["day"]), f.zone)}
    return split(f.start, f.end, through, dirty, f.zone)


async def source(q: Sql, rollup: Rollup, f: Filters) -> str:
    """A derived table with the rollup's columns, for ``f``: rollup rows for the days they
    cover, live rows for the rest. Outer queries group it as they like."""
    found = await coverage(rollup.fact, f)
    columns = ", ".join(("merchant_id", "day", *rollup.columns))
    parts = []
    if found.days:
        where = f"merchant_id = {q.p(f.merchant_id)} AND " + ranges(q, "day", found.days)
        if rollup.by_order:
            where += f" AND carrier_key = {q.p(f.carrier_key or '')}"
        elif f.carrier_key is not None:
            where += f" AND carrier_key = {q.p(f.carrier_key)}"
        parts.append(f"SELECT {columns} FROM {rollup.table} WHERE {where}")
    if found.live:
        parts.append(rollup.select(q, Scope(f.merchant_id, found.live, f.carrier_key, zone=f.zone)))
    return "(" + " UNION ALL ".join(parts) + ")"


async def _zones(conn: BaseDBAsyncClient) -> dict[int, str]:
    """Every merchant's ``time_zone`` as stored (a rollup groups merchants by it)."""
    rows = await conn.execute_query_dict("SELECT id, time_zone FROM merchant ORDER BY id")
    return {int(r["id"]): str(r["time_zone"] or "") for r in rows}


async def _known(conn: BaseDBAsyncClient, zones: dict[int, str]) -> dict[int, str]:
    """``zones`` without the merchants whose zone the database cannot count days in.

    Zone names are checked against Python's tzdata (:func:`clock.zone_name`), but
    PostgreSQL has its own: a zone only the newer one knows would fail ``AT TIME ZONE``
    and abort the run for every merchant. Each zone is tried once, in a savepoint; a shop
    on a zone that fails is skipped (and logged) until the database knows its zone."""
    if conn.capabilities.dialect != "postgres":
        return zones
    bad = set()
    for n, zone in enumerate(sorted(set(zones.values()))):
        name = clock.zone_name(zone)
        await conn.execute_script(f"SAVEPOINT zone_{n}")
        try:
            await conn.execute_query(
                f"SELECT TIMESTAMPTZ '2000-01-01 00:00+00' AT TIME ZONE '{name}' AS t"
            )
        except Exception:
            await conn.execute_script(f"ROLLBACK TO SAVEPOINT zone_{n}")
            bad.add(zone)
        await conn.execute_script(f"RELEASE SAVEPOINT zone_{n}")
    if bad:
        skipped = sorted(m for m, z in zones.items() if z in bad)
        log.error("analytics: the database knows no time zone %s; merchants %s skipped",
                  ", ".join(sorted(bad)), skipped)  # fmt: skip
    return {m: z for m, z in zones.items() if z not in bad}


def closable(today: date, zones: Iterable[str]) -> date:
    """The first day the job may not close yet: every shop day before it ended before
    UTC midnight starting ``today``, in every zone: one shop west of UTC holds the closing
    of every shop back a day.

    Days must end before UTC midnight because the triggers of migration 0022 stop
    marking at the current UTC day: a write into a closed day must always mark it."""
    utc_midnight = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    return min((clock.local_date(utc_midnight, z) for z in set(zones)), default=today)


async def _recount(
    conn: BaseDBAsyncClient,
    rollup: Rollup,
    zone: str,
    merchant_id: int | None,
    first: date,
    end: date,
) -> None:
    """Replace the rollup rows of ``[first, end)`` (one merchant, or every merchant whose
    ``time_zone`` is ``zone``) by a fresh count; days are on the clock of ``zone``.

    A few days for every merchant is one statement per table and zone (a scan of the
    table, as closing yesterday needs); longer ranges go merchant by merchant, a month per
    statement, along the (merchant, time) indexes: a week for every merchant in one
    statement read all of ``orders`` three times (3.8 s a week on a million orders)."""
    if merchant_id is None and (end - first).days > ALL_MERCHANTS_DAYS:
        zones = await _zones(conn)
        await _delete(conn, rollup, zone, None, first, end)
        for found, its_zone in zones.items():
            if its_zone == zone:
                await _recount(conn, rollup, zone, found, first, end)
        return
    if merchant_id is None:
        await _delete(conn, rollup, zone, None, first, end)
        await _insert(conn, rollup, zone, None, first, end)
        return
    await _delete(conn, rollup, zone, merchant_id, first, end)
    while first < end:
        until = min(first + timedelta(days=CHUNK_DAYS), end)
        await _insert(conn, rollup, zone, merchant_id, first, until)
        first = until


async def _delete(
    conn: BaseDBAsyncClient,
    rollup: Rollup,
    zone: str,
    merchant_id: int | None,
    first: date,
    end: date,
) -> None:
    q = Sql(conn)
    if merchant_id is None:
        mine = f"merchant_id IN (SELECT id FROM merchant WHERE time_zone = {q.p(zone)}) AND "
    else:
        mine = f"merchant_id = {q.p(merchant_id)} AND "
    await conn.execute_query(
        f"DELETE FROM {rollup.table} WHERE {mine}day >= {q.p(first)} AND day < {q.p(end)}",
        q.params,
    )


async def _insert(
    conn: BaseDBAsyncClient,
    rollup: Rollup,
    zone: str,
    merchant_id: int | None,
    first: date,
    end: date,
) -> None:
    q = Sql(conn)
    span = [(midnight(first, zone), midnight(end, zone))]
    scope = Scope(merchant_id, span, expand=rollup.by_order, zone=zone)
    columns = ", ".join(("merchant_id", "day", *rollup.columns))
    await conn.execute_query(
        f"INSERT INTO {rollup.table} ({columns}) {rollup.select(q, scope)}", q.params
    )


async def _earliest(conn: BaseDBAsyncClient, today: date) -> date:
    """The first day any rollup has rows for: where a first run or a rebuild starts
    (today when there is nothing to count)."""
    found = []
    for sql in (
        "SELECT MIN(placed_at) AS t FROM orders",
        "SELECT MIN(created_at) AS t FROM shipment",
        "SELECT MIN(shipped_at) AS t FROM shipment",
        "SELECT MIN(delivered_at) AS t FROM shipment",
        "SELECT MIN(answered_at) AS t FROM survey_answer",
        "SELECT MIN(created_at) AS t FROM outbox_message",
    ):
        value = (await conn.execute_query_dict(sql))[0]["t"]
        if value is not None:
            when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            # A day earlier: the shop's day of the first row, west of UTC.
            found.append(when.astimezone(UTC).date() - timedelta(days=1))
    return max(min(found, default=today), EARLIEST)


@dataclass
class Refresh:
    """What one run did."""

    #: Days counted for every merchant (closed, or all of them on a rebuild).
    closed: int = 0
    #: (merchant, fact, day) recounted after changes.
    recounted: int = 0
    #: Dirty rows taken.
    taken: int = 0
    busy: bool = False
    seconds: float = 0.0
    #: Rows per rollup table after a rebuild.
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def more(self) -> bool:
        return self.taken >= BATCH


async def _begin(conn: BaseDBAsyncClient) -> bool:
    """Custom plans and the job's lock (PostgreSQL); False when another worker holds it."""
    if conn.capabilities.dialect != "postgres":
        return True
    await conn.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")
    rows = await conn.execute_query_dict(f"SELECT pg_try_advisory_xact_lock({LOCK}) AS ok")
    return bool(rows[0]["ok"])


async def _through(conn: BaseDBAsyncClient) -> date | None:
    rows = await conn.execute_query_dict(
        "SELECT rolled_through FROM analytics_rollup_state WHERE id = 1"
    )
    return _as_date(rows[0]["rolled_through"]) if rows and rows[0]["rolled_through"] else None


async def _set_through(conn: BaseDBAsyncClient, day: date) -> None:
    q = Sql(conn)
    await conn.execute_query(
        "INSERT INTO analytics_rollup_state (id, rolled_through) "
        f"VALUES (1, {q.p(day)}) ON CONFLICT (id) DO UPDATE "
        "SET rolled_through = excluded.rolled_through",
        q.params,
    )


async def refresh(now: datetime | None = None, batch: int = BATCH) -> Refresh:
    """Close the days since the last run and recount the days changes made dirty."""
    began = time.perf_counter()
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    done = Refresh()
    async with in_transaction() as conn:
        if not await _begin(conn):
            return Refresh(busy=True)
        q = Sql(conn)
        taken = await conn.execute_query_dict(
            "DELETE FROM analytics_dirty WHERE id IN "
            f"(SELECT id FROM analytics_dirty ORDER BY id LIMIT {q.p(batch)}) "
            "RETURNING merchant_id, fact, day",
            q.params,
        )
        done.taken = len(taken)
        zones = await _known(conn, await _zones(conn))
        through = await _through(conn)
        start = through or await _earliest(conn, today)
        until = closable(today, zones.values())
        if start < until:
            for rollup in ROLLUPS:
                if rollup is MESSAGES and through is None:
                    # Keep the days whose messages retention has deleted (see rebuild).
                    await _recount_stored_messages(conn, until, zones)
                    continue
                for zone in sorted(set(zones.values())):
                    await _recount(conn, rollup, zone, None, start, until)
            await _set_through(conn, until)
            done.closed = (until - start).days
        # Days before ``through`` are rolled up: recount them, even when ``through`` is
        # later than ``until`` (a shop west of the others, new or moved there, holds the
        # closing back, and the days it had closed keep their rows). Days from ``start``
        # on were just counted whole; days from ``until`` on are read live.
        recount_before = through if through is not None else min(start, until)
        pending: dict[tuple[int, str], set[date]] = defaultdict(set)
        for row in taken:
            merchant_id = int(row["merchant_id"])
            if merchant_id not in zones:
                continue  # its zone is unknown to the database (or the shop is gone)
            for day in clock.local_days_of(_as_date(row["day"]), zones[merchant_id]):
                if day < recount_before:
                    pending[(merchant_id, str(row["fact"]))].add(day)
        for (merchant_id, fact), days in sorted(pending.items()):
            for first, end in runs(days):
                for rollup in ROLLUPS:
                    if rollup.fact == fact:
                        zone = zones.get(merchant_id, "")
                        await _recount(conn, rollup, zone, merchant_id, first, end)
            done.recounted += len(days)
    done.seconds = time.perf_counter() - began
    return done


async def rebuild(now: datetime | None = None) -> Refresh:
    """Count every day again for every merchant (after a restore, or a change to what a
    rollup counts). Problem rows of scans since deleted are kept."""
    began = time.perf_counter()
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    done = Refresh()
    async with in_transaction() as conn:
        if not await _begin(conn):
            return Refresh(busy=True)
        postgres = conn.capabilities.dialect == "postgres"
        await conn.execute_query("DELETE FROM analytics_dirty")
        if postgres:
            await conn.execute_script(PROBLEM_BACKFILL + " ON CONFLICT DO NOTHING")
        else:
            await conn.execute_script(PROBLEM_BACKFILL.replace("INSERT", "INSERT OR IGNORE", 1))
        first = await _earliest(conn, today)
        zones = await _known(conn, await _zones(conn))
        until = closable(today, zones.values())
        for rollup in ROLLUPS:
            if rollup is MESSAGES:
                await _recount_stored_messages(conn, until, zones)
            else:
                await conn.execute_query(f"DELETE FROM {rollup.table}")
                for zone in sorted(set(zones.values())):
                    await _recount(conn, rollup, zone, None, first, until)
            rows = await conn.execute_query_dict(f"SELECT COUNT(*) AS n FROM {rollup.table}")
            done.rows[rollup.table] = int(rows[0]["n"])
            if postgres:  # the planner's statistics, before autovacuum gets to it
                await conn.execute_script(f"ANALYZE {rollup.table}")
        await _set_through(conn, until)
    done.closed = max((until - first).days, 0)
    done.seconds = time.perf_counter() - began
    return done


async def _recount_stored_messages(
    conn: BaseDBAsyncClient, today: date, zones: dict[int, str]
) -> None:
    """Recount each merchant's messages from the first day it still has them all: the day
    (on its clock) of its oldest stored message when no rollup holds that day yet, else
    the day after (retention may have deleted part of it). Earlier days, whose messages
    are gone, keep their rollup rows; so do merchants with no message left (rows counted
    before migration 0039 keep the UTC days they were counted on)."""
    oldest = await conn.execute_query_dict(
        "SELECT merchant_id, MIN(created_at) AS t FROM outbox_message "
        "GROUP BY merchant_id ORDER BY merchant_id"
    )
    for row in oldest:
        merchant_id, value = int(row["merchant_id"]), row["t"]
        if merchant_id not in zones:
            continue
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        zone = zones.get(merchant_id, "")
        first = max(clock.local_date(when, zone), EARLIEST)
        q = Sql(conn)
        held = await conn.execute_query_dict(
            f"SELECT 1 AS x FROM {MESSAGES.table} WHERE merchant_id = {q.p(merchant_id)} "
            f"AND day = {q.p(first)} LIMIT 1",
            q.params,
        )
        if held:
            first += timedelta(days=1)
        if first < today:
            await _recount(conn, MESSAGES, zone, merchant_id, first, today)


async def zone_changed(conn: BaseDBAsyncClient, merchant_id: int) -> int:
    """Mark every day the merchant has rolled up dirty, in the transaction that changes its
    ``time_zone``: its rollup rows count days on the old clock, so until the job recounts
    them on the new one (:func:`refresh`, as it does any dirty day) figures read those days
    live. Messages are marked only from a few days after the oldest one still stored:
    earlier days keep the days they were counted on (their messages are gone, see
    :func:`_recount_stored_messages`). Answers the number of marks."""
    through = await _through(conn)
    if through is None:
        return 0
    firsts: dict[str, date] = {}
    for rollup in ROLLUPS:
        q = Sql(conn)
        rows = await conn.execute_query_dict(
            f"SELECT MIN(day) AS d FROM {rollup.table} WHERE merchant_id = {q.p(merchant_id)}",
            q.params,
        )
        if rows and rows[0]["d"] is not None:
            # A day earlier: a UTC day stands for the shop days it overlaps.
            first = _as_date(rows[0]["d"]) - timedelta(days=1)
            if rollup is MESSAGES:
                q = Sql(conn)
                oldest = await conn.execute_query_dict(
                    "SELECT MIN(created_at) AS t FROM outbox_message "
                    f"WHERE merchant_id = {q.p(merchant_id)}",
                    q.params,
                )
                value = oldest[0]["t"] if oldest else None
                if value is None:
                    continue
                when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
                # Shop days from two UTC days after the oldest message's have all of theirs.
                first = max(first, when.astimezone(UTC).date() + timedelta(days=3))
            firsts[rollup.fact] = min(first, firsts.get(rollup.fact, first))
    postgres = conn.capabilities.dialect == "postgres"
    sql = "INSERT INTO analytics_dirty (merchant_id, fact, day) VALUES " + (
        "($1, $2, $3)" if postgres else "(?, ?, ?)"
    )
    marks: list[list[Any]] = []
    for fact, first in sorted(firsts.items()):
        for n in range((through + timedelta(days=1) - first).days + 1):
            day = first + timedelta(days=n)
            marks.append([merchant_id, fact, day if postgres else day.isoformat()])
    if marks:
        await conn.execute_many(sql, marks)
    return len(marks)


async def rollup_job(
    settings: Settings, client: httpx.AsyncClient, *, now: datetime | None = None
) -> bool:
    """The worker's job: one :func:`refresh` (at ``now``, the worker's clock by default);
    True when more dirty rows are waiting."""
    return (await refresh(now)).more


@retention.before_retention
async def roll_up_before_retention(plan: retention.Plan) -> None:
    """Recount every dirty day before retention deletes rows: a late receipt for a message
    about to go is then counted into its day's rollup instead of being lost with it. Days
    are closed up to the plan's moment, the one retention removes rows from."""
    while (await refresh(plan.now)).more:
        pass
