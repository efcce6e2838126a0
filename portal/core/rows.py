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
    now = datetime.now(UTC)
    columns = _columns(model)
    table = model._meta.db_table
    names = ", ".join(column for column, _ in columns)
    defaults = [(column, _default(field, now)) for column, field in columns]
    data = [[row[c] if c in row else default() for c, default in defaults] for row in rows]
    # Only the columns whose values need it are converted (JSON, enums; all on SQLite).
    for i, (_, field) in enumerate(columns):
        if not postgres or isinstance(field, _CONVERTED):
            convert = _converter(model, field, postgres)
            for values in data:
                values[i] = convert(values[i])
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    back = f" RETURNING {', '.join(returning)}" if returning else ""
    if postgres:
        arrays = ", ".join(
            f"${i}::{field.get_for_dialect('postgres', 'SQL_TYPE')}[]"
            for i, (_, field) in enumerate(columns, start=1)
        )
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}){conflict}{back}"
        return await _run(conn, sql, [list(c) for c in zip(*data, strict=True)], returning)
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    found: list[dict[str, Any]] = []
    for start in range(0, len(data), _SQLITE_ROWS):
        chunk = data[start : start + _SQLITE_ROWS]
        sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(chunk))}"
        found += await _run(
            conn, sql + conflict + back, [v for row in chunk for v in row], returning
        )
    return found


async def _run(
    conn: BaseDBAsyncClient, sql: str, values: list[Any], returning: Sequence[str]
) -> list[dict[str, Any]]:
    # Tortoise's execute_query drops the rows an INSERT returns on PostgreSQL.
    if returning:
        return await conn.execute_query_dict(sql, values)
    await conn.execute_query(sql, values)
    return []
