"""On PostgreSQL, the analytics triggers that mark days dirty on INSERT run once per
statement instead of once per row (0022_analytics_rollups, 0024_message_rollups).

A row-level trigger ran a PL/pgSQL function and appended one ``analytics_dirty`` row for
every order, order item and parcel written: a store backfill of 10,000 orders wrote
20,000 such rows, each with its index entries, for the two or three days they fell on.
A statement-level trigger reads the statement's new rows as a transition table and
appends each (merchant, fact, day) once per statement. The days marked are the same;
the job that recounts them reads distinct days and deletes what it read, so fewer
duplicate rows change no figure.

Only INSERT triggers without a condition or a side table change: a trigger naming
columns (UPDATE OF …) cannot read a transition table, and the scans' and messages'
triggers have conditions on the new row (kept per row, as before). SQLite has no
statement-level triggers; its triggers are unchanged.
"""

import importlib
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

_rollups: Any = importlib.import_module("portal.migrations.0022_analytics_rollups")
_messages: Any = importlib.import_module("portal.migrations.0024_message_rollups")


def _marks() -> list[Any]:
    """The marks whose insert trigger becomes statement-level."""
    return [
        mark
        for mark in [*_rollups.MARKS, *_messages.MARKS]
        if mark.insert and not mark.insert_when(True) and not mark.extra
    ]


def _statement_sql(mark: Any) -> list[str]:
    # Each statement of the row trigger, with the row read from the transition table:
    # ``INSERT INTO t (…) SELECT …`` becomes ``INSERT INTO t (…) SELECT DISTINCT x.*
    # FROM new_rows r CROSS JOIN LATERAL (SELECT …) x``.
    body = []
    for statement in mark.statements("r", True):
        head, _, select = statement.partition(") SELECT ")
        body.append(
            f"{head}) SELECT DISTINCT x.* FROM new_rows r CROSS JOIN LATERAL (SELECT {select}) x;"
        )
    function = f"{mark.name}_rows"
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{' '.join(body)} RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS {mark.name}_insert ON {mark.table}",
        f"CREATE TRIGGER {mark.name}_insert AFTER INSERT ON {mark.table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def _row_sql(mark: Any) -> list[str]:
    return [
        f"DROP FUNCTION IF EXISTS {mark.name}_rows() CASCADE",
        f"CREATE TRIGGER {mark.name}_insert AFTER INSERT ON {mark.table} "
        f"FOR EACH ROW EXECUTE FUNCTION {mark.name}()",
    ]


def forward_sql(postgres: bool) -> list[str]:
    return [s for mark in _marks() for s in _statement_sql(mark)] if postgres else []


def backward_sql(postgres: bool) -> list[str]:
    return [s for mark in _marks() for s in _row_sql(mark)] if postgres else []


async def _forward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    await _rollups._run(client, forward_sql(client.capabilities.dialect == "postgres"))


async def _backward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    await _rollups._run(client, backward_sql(client.capabilities.dialect == "postgres"))


class Migration(migrations.Migration):
    dependencies = [("models", "0024_message_rollups")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
