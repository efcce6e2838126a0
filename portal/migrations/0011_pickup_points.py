"""Pickup points on shipments: ``shipment.pickup_point``, the point as the carrier
describes it (JSON), and ``shipment.pickup_deadline`` with a partial index over the
shipments that have one, so reminders find the parcels about to be sent back without
scanning the rest."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_rate_limits")]

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
    ]
