"""Set-based reads and writes for the tracking engine: a constant number of statements per batch.

Tortoise's ``bulk_update`` builds one ``CASE`` per column with a ``WHEN`` per row, which
costs more to build than to run at sweep sizes. Here PostgreSQL gets one statement over
``unnest()``-ed arrays per batch and SQLite one ``executemany`` (in-process, so per-row
statements are cheap). Values are normalised the way Tortoise stores them (enums as
text, datetimes as UTC) so the ORM reads back exactly what it would have written.
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError

from carriers.base import Reason, Status, TrackingEvent
from portal.models import EventSource, Merchant, Shipment
from portal.sql_ids import ids_param, in_ids, is_postgres
from portal.tracking import late_clock
from portal.tracking.merge import ShipmentState

#: (column, PostgreSQL type) pairs, in the order rows give them.
Columns = Sequence[tuple[str, str]]

#: Columns of ``shipment`` that ingest writes (besides ``updated_at``).
STATE_COLUMNS: Columns = (
    ("status", "varchar"),
    ("reason", "varchar"),
    ("estimated_delivery", "date"),
    ("eta_window_start", "timestamptz"),
    ("eta_window_end", "timestamptz"),
    ("first_estimated_delivery", "date"),
    ("shipped_at", "timestamptz"),
    ("delivered_at", "timestamptz"),
    ("signed_by", "varchar"),
    ("carrier_url", "varchar"),
    ("last_event_at", "timestamptz"),
    ("last_polled_at", "timestamptz"),
    ("next_poll_at", "timestamptz"),
    ("poll_failures", "int"),
    ("last_error", "text"),
    ("poll_digest", "varchar"),
)
#: The poll bookkeeping: all that a result bringing nothing new changes on a shipment.
BOOKKEEPING_COLUMNS: Columns = (
    ("last_polled_at", "timestamptz"),
    ("next_poll_at", "timestamptz"),
    ("poll_failures", "int"),
    ("last_error", "text"),
)
_BOOKKEEPING = frozenset(name for name, _ in BOOKKEEPING_COLUMNS)
#: The rest of a shipment's picture as ingest writes it, read in one call.
_picture = operator.attrgetter(*(n for n, _ in STATE_COLUMNS if n not in _BOOKKEEPING))
#: Written apart, and only for shipments whose pickup point changed: most results carry
#: none, and a sweep should not rewrite a JSON value per shipment for nothing.
PICKUP_COLUMNS: Columns = (
    ("pickup_point", "jsonb"),
    ("pickup_deadline", "timestamptz"),
)
EVENT_COLUMNS: Columns = (
    ("shipment_id", "int"),
    ("occurred_at", "timestamptz"),
    ("status", "varchar"),
    ("reason", "varchar"),
    ("carrier_code", "varchar"),
    ("description", "text"),
    ("city", "varchar"),
    ("region", "varchar"),
    ("postal_code", "varchar"),
    ("country", "varchar"),
    ("dedupe_key", "varchar"),
    ("source", "varchar"),
    ("recorded_at", "timestamptz"),
)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value is not None else None


async def bulk_update(
    conn: BaseDBAsyncClient,
    table: str,
    columns: Columns,
    rows: Iterable[Sequence[Any]],
    *,
    also: dict[str, Any] | None = None,
) -> None:
    """``UPDATE table SET columns... WHERE id = row[0]`` for every row, in one statement.

    Each row is ``(id, *values)`` in the order of ``columns``; ``also`` sets the same value
    on every row (``updated_at``).
    """
    data = [[_plain(v) for v in row] for row in rows]
    if not data:
        return
    also = {k: _plain(v) for k, v in (also or {}).items()}
    names = [name for name, _ in columns]
    if is_postgres(conn):
        arrays = ", ".join(
            f"${i}::{kind}[]" for i, (_, kind) in enumerate((("id", "int"), *columns), start=1)
        )
        extra = [f"{name} = ${len(columns) + 1 + i}" for i, name in enumerate(also, start=1)]
        sets = ", ".join([f"{name} = v.{name}" for name in names] + extra)
        sql = (
            f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) "
            f"AS v(id, {', '.join(names)}) WHERE t.id = v.id"
        )
        await conn.execute_query(
            sql, [list(col) for col in zip(*data, strict=True)] + [*also.values()]
        )
        return
    sets = ", ".join(f"{name} = ?" for name in [*names, *also])
    sql = f"UPDATE {table} SET {sets} WHERE id = ?"
    await conn.execute_many(sql, [[*row[1:], *also.values(), row[0]] for row in data])


async def bulk_insert_ignore(
    conn: BaseDBAsyncClient,
    table: str,
    columns: Columns,
    rows: Iterable[Sequence[Any]],
    *,
    plain: bool = False,
    expect_new: bool = False,
) -> None:
    """Insert rows in one statement; rows hitting a unique constraint are skipped.

    ``plain=True`` says the values are already as stored (text, UTC), skipping the
    per-value normalisation on the hot path. ``expect_new=True`` says the caller has
    left out the rows it knows are stored (ingest reads the known keys under the
    shipments' lock): on PostgreSQL the rows are copied straight into ``table``, and only
    if one clashes after all are they inserted again through the staging table.
    """
    data = [list(row) for row in rows] if plain else [[_plain(v) for v in row] for row in rows]
    if not data:
        return
    names = ", ".join(name for name, _ in columns)
    if is_postgres(conn):
        await _copy_insert_ignore(
            conn, table, [name for name, _ in columns], data, expect_new=expect_new
        )
        return
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    await conn.execute_many(sql, data)


async def _copy_insert_ignore(
    conn: BaseDBAsyncClient,
    table: str,
    names: list[str],
    data: list[list[Any]],
    *,
    expect_new: bool = False,
) -> None:
    """PostgreSQL: binary COPY into a session-local staging table, then one statement that
    empties it into ``table`` skipping conflicts.

    COPY encodes each value with its column's codec directly; the ``unnest()`` form has
    asyncpg inspect every array element first, which cost twice the CPU at sweep sizes
    (thousands of events a batch). The staging table lives as long as the connection and
    is emptied by the statement that reads it, all in one transaction (the caller's, or
    one of its own), so a failure cannot leave rows behind for the next call.

    With ``expect_new`` the rows are first copied straight into ``table`` under a
    savepoint: COPY inserts a partition's rows in batches, and the staging table's write
    and read are skipped (≈ 3.5 µs of PostgreSQL's CPU a scan, of ≈ 16.5). A unique
    clash undoes that attempt alone, and the staging path then skips the clashing rows.
    """
    try:
        async with conn.acquire_connection() as raw:
            if raw.is_in_transaction():
                await _insert_ignoring(raw, table, names, data, expect_new)
            else:
                async with raw.transaction():
                    await _insert_ignoring(raw, table, names, data, expect_new)
    except asyncpg.IntegrityConstraintViolationError as exc:  # as Tortoise would raise them
        raise IntegrityError(exc) from exc
    except asyncpg.PostgresError as exc:
        raise OperationalError(exc) from exc


async def _insert_ignoring(
    raw: Any, table: str, names: list[str], data: list[list[Any]], expect_new: bool
) -> None:
    if expect_new:
        try:
            async with raw.transaction():  # a savepoint: the caller's transaction is open
                await raw.copy_records_to_table(table, records=data, columns=names)
            return
        except asyncpg.UniqueViolationError:
            pass  # a row was stored after all: the staging path below skips it
    await _copy_then_move(raw, table, names, data)


async def _copy_then_move(raw: Any, table: str, names: list[str], data: list[list[Any]]) -> None:
    staging = f"incoming_{table}"
    listed = ", ".join(names)
    await raw.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
        f"SELECT {listed} FROM {table} WITH NO DATA"
    )
    await raw.copy_records_to_table(staging, records=data, columns=names)
    await raw.execute(
        f"WITH moved AS (DELETE FROM {staging} RETURNING {listed}) "
        f"INSERT INTO {table} ({listed}) SELECT {listed} FROM moved ON CONFLICT DO NOTHING"
    )


# --- ingest's reads and writes ---------------------------------------------------------


async def load_states(conn: BaseDBAsyncClient, ids: Sequence[int]) -> dict[int, ShipmentState]:
    """The shipments' current picture, locked until commit on PostgreSQL (ordered by id,
    so concurrent ingests of overlapping sets cannot deadlock)."""
    names = ShipmentState.fields()
    if is_postgres(conn):
        # asyncpg already returns typed values; skipping model hydration halves the cost.
        sql = (
            f"SELECT {', '.join(names)} FROM shipment WHERE id = ANY($1::int[]) "
            "ORDER BY id FOR NO KEY UPDATE"
        )
        _, rows = await conn.execute_query(sql, [list(ids)])
        states = {}
        for row in rows:
            state = ShipmentState(**dict(row))
            state.status = Status(state.status)
            state.reason = Reason(state.reason) if state.reason is not None else None
            if isinstance(state.pickup_point, str):  # asyncpg hands jsonb over as text
                state.pickup_point = json.loads(state.pickup_point)
            states[state.id] = state
        return states
    query = Shipment.filter(id__in=list(ids)).using_db(conn).order_by("id")
    return {s.id: ShipmentState(**{n: getattr(s, n) for n in names}) for s in await query}


async def load_known_keys(conn: BaseDBAsyncClient, ids: Sequence[int]) -> dict[int, set[str]]:
    """Dedupe keys already stored, per shipment, in one query."""
    known: dict[int, set[str]] = defaultdict(set)
    if not ids:
        return known
    sql = "SELECT shipment_id, dedupe_key FROM tracking_event WHERE " + in_ids(
        conn, "shipment_id", len(ids)
    )
    _, rows = await conn.execute_query(sql, ids_param(conn, ids))
    for row in rows:
        known[row["shipment_id"]].add(row["dedupe_key"])
    return known


async def load_expiry_days(conn: BaseDBAsyncClient, merchant_ids: Iterable[int]) -> dict[int, int]:
    rows = await (
        Merchant.filter(id__in=list(set(merchant_ids)))
        .using_db(conn)
        .values_list("id", "expire_after_days")
    )
    return {int(mid): int(days) for mid, days in rows}


async def insert_events(
    conn: BaseDBAsyncClient,
    events: Iterable[tuple[int, str, TrackingEvent]],
    *,
    source: EventSource,
    now: datetime,
) -> None:
    # Status and Reason are StrEnums: their members are the stored text already, and
    # reading ``.value`` per scan is measurable at sweep sizes.
    stored_source = source.value
    rows = (
        (
            shipment_id,
            e.occurred_at if e.occurred_at.tzinfo is UTC else e.occurred_at.astimezone(UTC),
            e.status,
            e.reason,
            e.carrier_code[:64],
            e.description,
            # ``x and x[:n]`` is _clip inlined (None stays None): four calls a scan saved.
            e.city and e.city[:100],
            e.region and e.region[:100],
            e.postal_code and e.postal_code[:20],
            e.country and e.country[:2],
            key,
            stored_source,
            now,
        )
        for shipment_id, key, e in events
    )
    await bulk_insert_ignore(
        conn, "tracking_event", EVENT_COLUMNS, rows, plain=True, expect_new=True
    )


async def save_states(
    conn: BaseDBAsyncClient,
    states: Iterable[ShipmentState],
    *,
    now: datetime,
    before: Mapping[int, ShipmentState] | None = None,
) -> None:
    """Write the shipments' new picture. Those whose picture is what ``before`` held (a
    steady-state poll: nothing new) get only their poll bookkeeping written, a statement
    with four columns instead of fifteen."""
    if before:
        unchanged = []
        changed = []
        for s in states:
            old = before.get(s.id)
            if old is not None and _picture(old) == _picture(s):
                unchanged.append(s)
            else:
                changed.append(s)
        await bulk_update(
            conn,
            "shipment",
            BOOKKEEPING_COLUMNS,
            (
                (s.id, s.last_polled_at, s.next_poll_at, s.poll_failures, s.last_error)
                for s in unchanged
            ),
            also={"updated_at": now},
        )
        states = changed
    states = list(states)
    moved = _promise_moved(states, before)
    dated = await _late_at(conn, moved)
    await _save_pictures(conn, [s for s in states if s.id not in dated], now=now)
    await _save_pictures(conn, [s for s in states if s.id in dated], now=now, late_at=dated)


def _promise(state: ShipmentState) -> tuple[Any, ...]:
    return (
        state.status.is_final,
        state.estimated_delivery,
        state.eta_window_start,
        state.eta_window_end,
    )


def _promise_moved(
    states: Sequence[ShipmentState], before: Mapping[int, ShipmentState] | None
) -> list[ShipmentState]:
    """The states whose carrier date or final-ness differs from ``before`` (all without it)."""
    return [
        s
        for s in states
        if before is None or (old := before.get(s.id)) is None or _promise(old) != _promise(s)
    ]


async def _late_at(
    conn: BaseDBAsyncClient, states: Sequence[ShipmentState]
) -> dict[int, datetime | None]:
    """``shipment.late_at`` of ``states`` as they are about to be written (their prediction,
    direction and calendar read in one query)."""
    if not states:
        return {}
    terms = await late_clock.read_terms(conn, [s.id for s in states])
    return {
        s.id: late_clock.late_at_of(
            late_clock.Terms(
                direction=t.direction,
                status=s.status,
                estimated_delivery=s.estimated_delivery,
                eta_window_start=s.eta_window_start,
                eta_window_end=s.eta_window_end,
                predicted_start=t.predicted_start,
                predicted_end=t.predicted_end,
                zone=t.zone,
            ),
            t.zone,
        )
        for s in states
        if (t := terms.get(s.id)) is not None
    }


async def _save_pictures(
    conn: BaseDBAsyncClient,
    states: Sequence[ShipmentState],
    *,
    now: datetime,
    late_at: Mapping[int, datetime | None] | None = None,
) -> None:
    """The whole picture of ``states``, and their ``late_at`` when given."""
    rows = (
        (
            s.id,
            s.status,
            s.reason,
            s.estimated_delivery,
            s.eta_window_start,
            s.eta_window_end,
            s.first_estimated_delivery,
            s.shipped_at,
            s.delivered_at,
            _clip(s.signed_by, 200),
            _clip(s.carrier_url, 500),
            s.last_event_at,
            s.last_polled_at,
            s.next_poll_at,
            s.poll_failures,
            s.last_error,
            s.poll_digest,
            *((late_at[s.id],) if late_at is not None else ()),
        )
        for s in states
    )
    columns = (*STATE_COLUMNS, ("late_at", "timestamptz")) if late_at else STATE_COLUMNS
    await bulk_update(conn, "shipment", columns, rows, also={"updated_at": now})


async def save_pickup_points(conn: BaseDBAsyncClient, states: Iterable[ShipmentState]) -> None:
    """Write the pickup point and deadline of ``states`` (those whose point changed)."""
    rows = (
        (
            s.id,
            json.dumps(s.pickup_point, separators=(",", ":")) if s.pickup_point else None,
            s.pickup_deadline,
        )
        for s in states
    )
    await bulk_update(conn, "shipment", PICKUP_COLUMNS, rows)
