"""On PostgreSQL, the analytics marks of a ``shipment`` update whose columns the tracking
engine writes (``delivered``: status, delivered and shipped times, first ETA; ``shipped``:
the shipped time) run once per statement instead of once per row (0022_analytics_rollups).

A sweep writes 500 shipments in one ``UPDATE``; their first poll changes the status and
the shipped time of nearly all of them, and the two row-level triggers ran a PL/pgSQL
function each, appending four ``analytics_dirty`` rows per parcel (its old and new days
for both facts): 20,000 rows per 10,000 parcels, for the dozen days they fall on.

PostgreSQL forbids transition tables on a trigger naming columns (``UPDATE OF …``), so the
one statement-level trigger fires on every update of ``shipment`` and finds the rows
whose marked columns changed itself: it joins the statement's old and new rows by id,
keeps those where a mark's column is distinct, and appends each (merchant, fact, day)
once per statement. The days marked are the same as the row triggers marked; the job
that recounts them reads distinct days and deletes what it read (as after 0025).

The other marks on ``shipment`` (orders, messages: columns a sweep never writes, so their
``UPDATE OF`` triggers are not even queued) and the delete triggers stay per row. SQLite
has no statement-level triggers; its triggers are unchanged.
"""

import importlib
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

_rollups: Any = importlib.import_module("portal.migrations.0022_analytics_rollups")

TABLE = "shipment"
FACTS = ("delivered", "shipped")
FUNCTION = "analytics_mark_shipment_updated_rows"
TRIGGER = "analytics_mark_shipment_update_rows"


def _marks() -> list[Any]:
    """The marks whose row-level update trigger becomes one statement-level trigger."""
    return [m for m in _rollups.MARKS if m.table == TABLE and m.fact in FACTS and m.update]


def _changed(mark: Any) -> str:
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in mark.columns)
    if mark.past_day_of:
        return f"({changed}) AND ({mark.past('o', True)} OR {mark.past('n', True)})"
    return changed


def _insert() -> str:
    # Every mark's statements for the old (o) and the new (n) row, each kept only when one
    # of its columns changed; ``INSERT INTO t (…) SELECT …`` becomes a branch of a UNION.
    branches = []
    for mark in _marks():
        for row in ("o", "n"):
            for statement in mark.statements(row, True):
                head, _, select = statement.partition(") SELECT ")
                if head + ")" != _rollups.DIRTY.strip():
                    raise ValueError(f"{mark.name}: only analytics_dirty rows can be merged")
                branches.append(f"SELECT y.* FROM (SELECT {select}) y WHERE {_changed(mark)}")
    any_changed = " OR ".join(f"({_changed(m)})" for m in _marks())
    return (
        f"{_rollups.DIRTY}SELECT DISTINCT x.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
        f"CROSS JOIN LATERAL ({' UNION ALL '.join(branches)}) x WHERE {any_changed}"
    )


def forward_sql(postgres: bool) -> list[str]:
    if not postgres:
        return []
    return [
        *(f"DROP TRIGGER IF EXISTS {mark.name}_update ON {TABLE}" for mark in _marks()),
        f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_insert()}; RETURN NULL; END $$",
        f"CREATE TRIGGER {TRIGGER} AFTER UPDATE ON {TABLE} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
    ]


def backward_sql(postgres: bool) -> list[str]:
    if not postgres:
        return []
    return [
        f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE",
        *(
            f"CREATE TRIGGER {mark.name}_update AFTER UPDATE OF {', '.join(mark.columns)} "
            f"ON {TABLE} FOR EACH ROW WHEN ({mark.update_when(True)}) "
            f"EXECUTE FUNCTION {mark.name}()"
            for mark in _marks()
        ),
    ]


async def _forward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    await _rollups._run(client, forward_sql(client.capabilities.dialect == "postgres"))


async def _backward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    await _rollups._run(client, backward_sql(client.capabilities.dialect == "postgres"))


class Migration(migrations.Migration):
    dependencies = [("models", "0027_baselinker")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
