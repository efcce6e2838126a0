"""Multi-row INSERTs: one statement per table per batch (the store sync, consent).

A backfill writes a few rows per order into five tables. Tortoise's ``bulk_create``
builds a model instance per row and sends one statement per row, and reading the new ids
back costs another query; at a page of 100 orders that is most of the sync's time. Here a
page's rows for one table go in one statement that returns what the caller needs:
PostgreSQL gets ``INSERT … SELECT FROM unnest(arrays)``, SQLite multi-row ``VALUES``
(both with ``RETURNING``). Defaults (``auto_now_add``, plain defaults) are filled from the
model's own field definitions, so a row written here reads back exactly as one written
through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields import JSONField
from tortoise.fields.data import CharEnumFieldInstance, IntEnumFieldInstance
from tortoise.models import Model

#: Fields whose values PostgreSQL cannot take as given: JSON (sent as text), enums.
_CONVERTED = (JSONField, CharEnumFieldInstance, IntEnumFieldInstance)
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


def _converter(model: type[Model], field: Any, postgres: bool) -> Callable[[Any], Any]:
    """How a value is sent: JSON as text, enums as their value; on SQLite, as Tortoise
    would store it (datetimes as text and so on)."""
    if not postgres or isinstance(field, JSONField):
        return lambda value: None if value is None else field.to_db_value(value, model)
    return lambda value: value.value if isinstance(value, Enum) else value


async def insert_rows(
    conn: BaseDBAsyncClient,
    model: type[Model],
    rows: Sequence[dict[str, Any]],
    *,
    returning: Sequence[str] = (),
    ignore_conflicts: bool = False,
) -> list[dict[str, Any]]:
    """Insert ``rows`` (column → value; missing columns take the field's default) in one
    statement per table (per 500 rows on SQLite); returns the ``returning`` columns of the
    rows written, in no promised order: callers match them by a unique key."""
    if not rows:
        return []
    postgres = conn.capabilities.dialect == "postgres"
    columns = _columns(model)
    table = model._meta.db_table
    names = ", ".join(column for column, _ in columns)
    data = _by_column(model, columns, rows, postgres)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    back = f" RETURNING {', '.join(returning)}" if returning else ""
    if postgres:
        arrays = ", ".join(
            f"${i}::{field.get_for_dialect('postgres', 'SQL_TYPE')}[]"
            for i, (_, field) in enumerate(columns, start=1)
        )
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}){conflict}{back}"
        return await _run(conn, sql, data, returning)
    data = [list(row) for row in zip(*data, strict=True)]
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    found: list[dict[str, Any]] = []
    for start in range(0, len(data), _SQLITE_ROWS):
        chunk = data[start : start + _SQLITE_ROWS]
        sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(chunk))}"
        found += await _run(
            conn, sql + conflict + back, [v for row in chunk for v in row], returning
        )
    return found


def _by_column(
    model: type[Model],
    columns: list[tuple[str, Any]],
    rows: Sequence[dict[str, Any]],
    postgres: bool,
) -> list[list[Any]]:
    """The rows' values column by column (PostgreSQL takes one array per column), a
    missing value as the field's default, converted where the driver needs it."""
    now = datetime.now(UTC)
    data: list[list[Any]] = []
    for column, field in columns:
        default = _default(field, now)
        if not any(column in row for row in rows) and not callable(field.default):
            values = [default()] * len(rows)
        else:
            values = [row[column] if column in row else default() for row in rows]
        # Only the columns whose values need it are converted (JSON, enums; all on SQLite).
        if not postgres or isinstance(field, _CONVERTED):
            convert = _converter(model, field, postgres)
            values = [convert(value) for value in values]
        data.append(values)
    return data


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


def _matching(
    model: type[Model], where: dict[str, Any], key: str, postgres: bool
) -> tuple[str, list[Any]]:
    """``col = $1 AND … AND key = ANY($n)`` (PostgreSQL, one array parameter) or
    ``… AND key IN (?, …)`` (SQLite) for the caller to fill with one chunk of keys."""
    projection = model._meta.fields_db_projection
    fields = model._meta.fields_map
    terms: list[str] = []
    values: list[Any] = []
    for name, value in where.items():
        values.append(_plain(value) if postgres else fields[name].to_db_value(value, model))
        terms.append(f"{projection[name]} = {'$' + str(len(values)) if postgres else '?'}")
    column = projection[key]
    if postgres:
        sql_type = fields[key].get_for_dialect("postgres", "SQL_TYPE")
        terms.append(f"{column} = ANY(${len(values) + 1}::{sql_type}[])")
    else:
        terms.append(f"{column} IN ({{marks}})")
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
    postgres = conn.capabilities.dialect == "postgres"
    condition, values = _matching(model, where, key, postgres)
    projection = model._meta.fields_db_projection
    sql = (
        f"SELECT {', '.join(projection[c] for c in columns)} "
        f"FROM {model._meta.db_table} WHERE {condition}"
    )
    if postgres:
        return await conn.execute_query_dict(sql, [*values, list(keys)])
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), _SQLITE_ROWS):
        chunk = list(keys[start : start + _SQLITE_ROWS])
        found += await conn.execute_query_dict(
            sql.replace("{marks}", ", ".join("?" * len(chunk))), [*values, *chunk]
        )
    return found


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
