"""``poll_lease``: the sweep's claim on a shipment, kept beside the shipment instead of in it.

Until now a claim pushed ``shipment.next_poll_at`` a lease into the future, so every poll
rewrote each shipment row twice (the claim, then the write-back of its result): a new row
version with an entry in each of the table's eleven indexes every time, since
``next_poll_at`` is indexed and such an update cannot be HOT. A claim now locks the due
rows (``SKIP LOCKED`` on PostgreSQL) and writes one narrow ``poll_lease`` row per
shipment (its id, the claiming batch, when the lease ends); the write-back removes it.
A shipment is due when ``next_poll_at`` has come and no live lease holds it.

On PostgreSQL the table is UNLOGGED, like ``carrier_pace`` (0020): a crash empties it,
which gives every claimed shipment back at once — polled again, its scans deduplicated —
and nothing else. No foreign key: a lease is removed by the batch that took it, and the
lease of a deleted shipment (or of a killed worker) is only a stale row that the next
claim of that id replaces.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

TABLE = "poll_lease"


def forward_sql(postgres: bool) -> list[str]:
    if postgres:
        return [
            f"CREATE UNLOGGED TABLE {TABLE} (shipment_id integer PRIMARY KEY, "
            "holder bigint NOT NULL, until timestamptz NOT NULL)"
        ]
    return [
        f"CREATE TABLE {TABLE} (shipment_id INTEGER PRIMARY KEY NOT NULL, "
        "holder BIGINT NOT NULL, until TIMESTAMP NOT NULL)"
    ]


async def _forward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    for statement in forward_sql(client.capabilities.dialect == "postgres"):
        await client.execute_script(statement)


async def _backward(apps: Any, schema_editor: Any) -> None:
    await schema_editor.client.execute_script(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("models", "0031_delivery_log")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
