"""The daily rollup of "Messages by channel" (``analytics_message_day``) and the triggers
that mark its days dirty, in the framework of 0022_analytics_rollups.

- ``analytics_message_day``: one row per merchant, UTC day the message was written,
  carrier of its parcel (NULL: none) and channel, with how many messages were written,
  delivered and failed (cancelled ones are not counted).
- Inserts, and updates of the columns the counts read, mark the day the message was
  written (fact ``messages``) once that day is past (today's messages are counted live:
  marking each one's writes would add two rows a message to ``analytics_dirty``); a parcel changing carrier marks the days of its messages.
  Deletes mark nothing: retention deletes old messages (or drops their partitions) and
  the days they belonged to must keep their figures.
- Messages of days already rolled up (before ``analytics_rollup_state.rolled_through``)
  are marked dirty: those days read live until the job has counted them.
- Indexes on ``outbox_message`` for the live part and the job's per-merchant counts
  (merchant and time) and for the carrier trigger (parcel).

The triggers are written by 0022's own :class:`Mark` code, so both migrations give the
same SQL on SQLite and PostgreSQL.
"""

import importlib
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

_rollups: Any = importlib.import_module("portal.migrations.0022_analytics_rollups")
Mark = _rollups.Mark

TABLE = (
    "CREATE TABLE analytics_message_day (merchant_id INT NOT NULL, day DATE NOT NULL, "
    "carrier_key VARCHAR(64), channel VARCHAR(16) NOT NULL, messages INT NOT NULL, "
    "delivered INT NOT NULL, failed INT NOT NULL)"
)
INDEXES = {
    "analytics_message_day_merchant_day": "analytics_message_day (merchant_id, day)",
    "outbox_message_merchant_created": "outbox_message (merchant_id, created_at)",
    "outbox_message_shipment": "outbox_message (shipment_id)",
}

MARKS = [
    Mark(
        "outbox_message",
        "messages",
        ("state", "delivery_status", "channel", "created_at", "merchant_id", "shipment_id"),
        "SELECT {R}.merchant_id, 'messages', {day({R}.created_at)}",
        delete=False,
        past_day_of="created_at",
    ),
    Mark(
        "shipment",
        "messages",
        ("carrier_key", "merchant_id"),
        "SELECT DISTINCT m.merchant_id, 'messages', {day(m.created_at)} "
        "FROM outbox_message m WHERE m.shipment_id = {R}.id",
        insert=False,
        delete=False,
    ),
]


def create_sql(postgres: bool) -> list[str]:
    out = [TABLE]
    out += [f"CREATE INDEX {name} ON {on}" for name, on in INDEXES.items()]
    for mark in MARKS:
        out += _rollups._pg_trigger(mark) if postgres else _rollups._sqlite_triggers(mark)
    return out


def backfill_sql(postgres: bool) -> str:
    day = "(created_at AT TIME ZONE 'UTC')::date" if postgres else "date(created_at)"
    return (
        f"INSERT INTO analytics_dirty (merchant_id, fact, day) SELECT DISTINCT merchant_id, "
        f"'messages', {day} FROM outbox_message WHERE {day} < "
        "(SELECT rolled_through FROM analytics_rollup_state WHERE id = 1)"
    )


def drop_sql(postgres: bool) -> list[str]:
    out: list[str] = []
    for mark in MARKS:
        if postgres:
            out.append(f"DROP FUNCTION IF EXISTS {mark.name}() CASCADE")
        else:
            out += [
                f"DROP TRIGGER IF EXISTS {mark.name}_{e}" for e in ("insert", "delete", "update")
            ]
    out += [f"DROP INDEX IF EXISTS {name}" for name in INDEXES]
    return [*out, "DROP TABLE IF EXISTS analytics_message_day"]


async def _forward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    await _rollups._run(client, [*create_sql(postgres), backfill_sql(postgres)])


async def _backward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    await _rollups._run(client, drop_sql(client.capabilities.dialect == "postgres"))


class Migration(migrations.Migration):
    dependencies = [("models", "0023_history_partitions")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
