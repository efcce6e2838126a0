"""Pickup points on shipments (issue #14), and a repair of what 0005 lost on SQLite.

- ``shipment.pickup_point``: the point as the carrier describes it (JSON), and
  ``shipment.pickup_deadline`` with a partial index over the shipments that have one, so
  reminders can find the parcels about to be sent back without scanning the rest.
- On SQLite, 0005's ``AlterField`` rebuilt ``shipment`` and ``tracking_event`` the way
  SQLite alters tables (copy into a new table), and the copies kept neither their unique
  constraints nor their indexes: scans could be stored twice and sweeps lost their index.
  They are put back here (repeated scans first removed, keeping the first of each);
  PostgreSQL altered the column in place and lost nothing.
"""

import functools
import logging
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

log = logging.getLogger(__name__)

#: Index name -> definition, as 0001 and 0004 created them.
SQLITE_INDEXES = {
    "idx_shipment_next_po_1ff9a2": "shipment (next_poll_at)",
    "idx_shipment_merchan_3ee280": "shipment (merchant_id, status)",
    "idx_shipment_trackin_e6499f": "shipment (tracking_number)",
    "idx_tracking_ev_shipmen_0b3111": "tracking_event (shipment_id, occurred_at)",
    "shipment_order": "shipment (order_id)",
    "shipment_merchant_shipped": "shipment (merchant_id, (COALESCE(shipped_at, created_at)))",
    "shipment_merchant_carrier_delivered": "shipment (merchant_id, carrier_key, delivered_at)",
}


async def repair_sqlite(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    await client.execute_script(
        "DELETE FROM tracking_event WHERE id NOT IN "
        "(SELECT MIN(id) FROM tracking_event GROUP BY shipment_id, dedupe_key)"
    )
    await client.execute_script(
        'CREATE UNIQUE INDEX IF NOT EXISTS "uid_tracking_ev_shipmen_35a207" '
        "ON tracking_event (shipment_id, dedupe_key)"
    )
    _, rows = await client.execute_query(
        "SELECT 1 FROM shipment GROUP BY merchant_id, carrier_key, tracking_number "
        "HAVING COUNT(*) > 1 LIMIT 1"
    )
    if rows:  # two shipments for one number: a person must choose, not a migration
        log.warning("shipment: duplicate tracking numbers, unique index not restored")
    else:
        await client.execute_script(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uid_shipment_merchan_63b6d0" '
            "ON shipment (merchant_id, carrier_key, tracking_number)"
        )
    for name, target in SQLITE_INDEXES.items():
        await client.execute_script(f'CREATE INDEX IF NOT EXISTS "{name}" ON {target}')


class Migration(migrations.Migration):
    dependencies = [("models", "0005_reason_not_collected")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Shipment",
            name="pickup_deadline",
            field=fields.DatetimeField(
                null=True,
                description="Last moment to collect from the pickup point (UTC): a column so reminders can query",
                auto_now=False,
                auto_now_add=False,
            ),
        ),
        ops.AddField(
            model_name="Shipment",
            name="pickup_point",
            field=fields.JSONField(
                null=True,
                description="The locker, shop or post office the parcel goes to or waits at, as the carrier last",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.RunSQL(
            "CREATE INDEX shipment_pickup_deadline ON shipment (pickup_deadline) "
            "WHERE pickup_deadline IS NOT NULL",
            reverse_sql="DROP INDEX shipment_pickup_deadline",
        ),
        ops.RunPython(repair_sqlite),
    ]
