"""Multi-row INSERTs: one statement per table per batch (the store sync, consent).

A backfill writes a few rows per order into five tables. Tortoise's ``bulk_create``
builds a model instance per row and sends one statement per row, and reading the new ids
back costs another query; at a page of 100 orders that is most of the sync's time. Here a
page's rows for one table go in one statement that returns what the caller needs:
PostgreSQL gets ``INSERT … SELECT FROM json_populate_recordset(NULL::table, $1)`` (the
rows as one JSON parameter; the columns no row gives, as one JSON object), SQLite
multi-row ``VALUES`` (both with ``RETURNING``).
Defaults (``auto_now_add``, plain defaults) are filled from the model's own field
definitions, so a row written here reads back exactly as one written through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

#: Rows per statement on SQLite (its bound-parameter limit is 32,766 in current builds).
_SQLITE_ROWS = 500


def _columns(model: type[Model]) -> list[tuple[str, Any]]:
    """``(column, field)`` for every column but the generated primary key."""
    meta = model._meta
    return [
        (column, meta.fields_map[name])
        for name, column in meta.fields_db_projection.items()
        if name != meta.pk_attr
    ]


def _default(field: Any, now: datetime) -> Callable[[], Any]:
    if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
        return lambda: now
    if callable(field.default):
        return field.default
    value = field.default
    return lambda: value


async def insert_rows(
    conn: BaseDBAsyncClient,
    model: type[Model],
    rows: Sequence[dict[str, Any]],
    *,
    shared: Mapping[str, Any] | None = None,
    returning: Sequence[str] = (),
    ignore_conflicts: bool = False,
) -> list[dict[str, Any]]:
    """Insert ``rows`` (column → value; missing columns take the field's default) in one
    statement per table (per 500 rows on SQLite); returns the ``returning`` columns of the
    rows written, in no promised order: callers match them by a unique key.

    ``shared`` gives the value of columns that are the same in every row (the merchant,
    the connection), in place of the field's default for a row that leaves them out."""
    if not rows:
        return []
    postgres = conn.capabilities.dialect == "postgres"
    columns = _columns(model)
    table = model._meta.db_table
    names = ", ".join(column for column, _ in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    back = f" RETURNING {', '.join(returning)}" if returning else ""
    if postgres:
        each, once, per_row = _as_json(columns, rows, shared or {})
        picked = ", ".join(f"{'r' if c in per_row else 's'}.{c}" for c, _ in columns)
        sql = (
            f"INSERT INTO {table} ({names}) SELECT {picked} "
            f"FROM json_populate_recordset(NULL::{table}, $1::json) AS r, "
            f"json_populate_record(NULL::{table}, $2::json) AS s{conflict}{back}"
        )
        return await _run(conn, sql, [each, once], returning)
    data = _by_row(model, columns, rows, shared or {})
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    found: list[dict[str, Any]] = []
    for start in range(0, len(data), _SQLITE_ROWS):
        chunk = data[start : start + _SQLITE_ROWS]
        sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(chunk))}"
        found += await _run(
            conn, sql + conflict + back, [v for row in chunk for v in row], returning
        )
    return found


def _as_json(
    columns: list[tuple[str, Any]], rows: Sequence[dict[str, Any]], shared: Mapping[str, Any]
) -> tuple[str, str, set[str]]:
    """The rows as one JSON array of objects, the columns no row gives as one JSON object
    (their shared value or the field's default), and which columns come from the rows.

    One text parameter rather than an array per column: asyncpg checks every element of
    an array against three abstract base classes, which cost more than the JSON. A value
    every row would repeat (a default, the merchant) is sent once: encoding it for each
    row was a quarter of the rows' JSON, and PostgreSQL parsed it as many times."""
    given: set[str] = set()
    shape: Any = None
    uneven = False
    for row in rows:
        # A call's rows come from one place and share their keys: a row is compared
        # with the last shape seen, not column by column.
        if row.keys() != shape:
            uneven = shape is not None
            shape = row.keys()
            given.update(shape)
    now = datetime.now(UTC).isoformat()
    once: dict[str, Any] = {}
    fill: dict[str, Any] = {}
    made: dict[str, Callable[[], Any]] = {}
    for column, field in columns:
        if column in shared:
            value: Any = shared[column]
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            value = now
        elif callable(field.default):
            made[column] = field.default  # a fresh value per row (a UUID, say)
            continue
        else:
            value = field.default
        if column in given:
            fill[column] = value
        else:
            once[column] = value
    per_row = given | made.keys()
    if uneven or not made.keys() <= given:
        rows = [
            {
                **{c: v for c, v in fill.items() if c not in row},
                **{c: f() for c, f in made.items() if c not in row},
                **row,
            }
            for row in rows
        ]
    return _dumps(rows), _dumps(once), per_row


#: Naive times are UTC here, as asyncpg takes them; keys that are not text are written as
#: text, as the standard library's ``json.dumps`` does.
_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS


def _dumps(value: Any) -> str:
    """``value`` as JSON text: the same text ``json.dumps(value, default=_json_value,
    separators=(",", ":"))`` writes for the rows of a sync (times, dates, UUIDs and enums
    in the same forms), but encoded in C throughout. The standard library calls back into
    Python for every time and decimal of every row (three per order): that was 15 % of
    a backfill's CPU in a profile, and orjson takes a tenth of the time for the same
    text. (It writes non-ASCII characters as UTF-8 rather than ``\\u`` escapes, which
    PostgreSQL reads alike, and a float NaN as ``null`` where ``json.dumps`` wrote a
    ``NaN`` PostgreSQL refused; no column written here is a float.)"""
    return orjson.dumps(value, default=_json_value, option=_OPTIONS).decode()


def _json_value(value: Any) -> Any:
    """What JSON cannot say by itself, as PostgreSQL's input functions read it (orjson
    writes times, dates, UUIDs and enums itself, in these same forms). A decimal, the one
    value of a sync's rows orjson hands back (two an order), is tested first."""
    if type(value) is Decimal:
        return str(value)
    if isinstance(value, datetime):
        # A naive time is UTC here, as asyncpg takes it.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date | Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} has no JSON form for an insert")


def _by_row(
    model: type[Model],
    columns: list[tuple[str, Any]],
    rows: Sequence[dict[str, Any]],
    shared: Mapping[str, Any],
) -> list[list[Any]]:
    """Each row's values in column order, a missing one as its shared value or the
    field's default, as Tortoise would store it on SQLite (datetimes as text, JSON as
    text and so on)."""
    now = datetime.now(UTC)
    plan = [
        (column, _shared(shared[column]) if column in shared else _default(field, now), field)
        for column, field in columns
    ]
    return [
        [
            None if (value := row[c] if c in row else default()) is None
            else field.to_db_value(value, model)
            for c, default, field in plan
        ]
        for row in rows
    ]  # fmt: skip


def _shared(value: Any) -> Callable[[], Any]:
    return lambda: value


async def _run(
    conn: BaseDBAsyncClient, sql: str, values: list[Any], returning: Sequence[str]
) -> list[dict[str, Any]]:
    # Tortoise's execute_query drops the rows an INSERT returns on PostgreSQL.
    if returning:
        return await conn.execute_query_dict(sql, values)
    await conn.execute_query(sql, values)
    return []


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _matching(model: type[Model], where: dict[str, Any], key: str) -> tuple[str, list[Any]]:
    """SQLite: ``col = ? AND … AND key IN (?, …)`` for the caller to fill with one chunk
    of keys."""
    projection = model._meta.fields_db_projection
    fields = model._meta.fields_map
    terms = [f"{projection[name]} = ?" for name in where]
    values = [fields[name].to_db_value(value, model) for name, value in where.items()]
    terms.append(f"{projection[key]} IN ({{marks}})")
    return " AND ".join(terms), values


async def select_rows(
    conn: BaseDBAsyncClient,
    model: type[Model],
    columns: Sequence[str],
    key: str,
    keys: Sequence[Any],
    **where: Any,
) -> list[dict[str, Any]]:
    """``columns`` of the rows whose ``key`` is one of ``keys`` (and whose other columns
    equal ``where``), as the driver returns them (SQLite: booleans as 0/1, times as text).

    Tortoise renders ``key__in=[…]`` as one term object per value; for the thousand keys of
    a backfill batch that rendering costs more than the query."""
    if not keys:
        return []
    if conn.capabilities.dialect == "postgres":
        return await _select_joined(conn, model, columns, key, keys, where)
    projection = model._meta.fields_db_projection
    condition, values = _matching(model, where, key)
    sql = (
        f"SELECT {', '.join(projection[c] for c in columns)} "
        f"FROM {model._meta.db_table} WHERE {condition}"
    )
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), _SQLITE_ROWS):
        chunk = list(keys[start : start + _SQLITE_ROWS])
        found += await conn.execute_query_dict(
            sql.replace("{marks}", ", ".join("?" * len(chunk))), [*values, *chunk]
        )
    return found


async def _select_joined(
    conn: BaseDBAsyncClient,
    model: type[Model],
    columns: Sequence[str],
    key: str,
    keys: Sequence[Any],
    where: dict[str, Any],
) -> list[dict[str, Any]]:
    """PostgreSQL: the keys as one array parameter, joined as a set.

    ``key = ANY($n)`` compares every row the other conditions leave against every key
    once the server plans the statement generically (from its sixth run on a
    connection): a backfill's lookup of a thousand order ids among the connection's
    records grew with the records already written, to half of PostgreSQL's CPU in a
    10,000-order import. A join on ``unnest($n)`` is planned as a hash join or index
    probes, however many rows there are."""
    projection = model._meta.fields_db_projection
    fields = model._meta.fields_map
    values = [_plain(value) for value in where.values()]
    terms = [f"t.{projection[name]} = ${i}" for i, name in enumerate(where, start=1)]
    column = projection[key]
    sql_type = fields[key].get_for_dialect("postgres", "SQL_TYPE")
    sql = (
        f"SELECT {', '.join('t.' + projection[c] for c in columns)} "
        f"FROM unnest(${len(values) + 1}::{sql_type}[]) AS k(key) "
        f"JOIN {model._meta.db_table} t ON t.{column} = k.key"
        + "".join(f" AND {term}" for term in terms)
    )
    # A key given twice would return its row twice.
    return await conn.execute_query_dict(sql, [*values, list(dict.fromkeys(keys))])


async def update_rows(
    conn: BaseDBAsyncClient,
    model: type[Model],
    changes: dict[str, Any],
    key: str,
    keys: Sequence[Any],
) -> None:
    """Set ``changes`` (field → value) on the rows whose ``key`` is one of ``keys``."""
    if not keys or not changes:
        return
    postgres = conn.capabilities.dialect == "postgres"
    projection = model._meta.fields_db_projection
    fields = model._meta.fields_map
    sets: list[str] = []
    values: list[Any] = []
    for name, value in changes.items():
        values.append(_plain(value) if postgres else fields[name].to_db_value(value, model))
        sets.append(f"{projection[name]} = {'$' + str(len(values)) if postgres else '?'}")
    column = projection[key]
    sql = f"UPDATE {model._meta.db_table} SET {', '.join(sets)} WHERE "
    if postgres:
        sql_type = fields[key].get_for_dialect("postgres", "SQL_TYPE")
        await conn.execute_query(
            sql + f"{column} = ANY(${len(values) + 1}::{sql_type}[])", [*values, list(keys)]
        )
        return
    for start in range(0, len(keys), _SQLITE_ROWS):
        chunk = list(keys[start : start + _SQLITE_ROWS])
        await conn.execute_query(
            sql + f"{column} IN ({', '.join('?' * len(chunk))})", [*values, *chunk]
        )
