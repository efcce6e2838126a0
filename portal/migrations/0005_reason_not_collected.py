"""Reason ``not_collected``: a parcel that waited at a locker or point past its deadline."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from carriers.base import Reason
from tortoise import fields

class AlterDescription(ops.AlterField):
    """Only the field's description (the enum's value list) changed: nothing to do in the
    database. A plain AlterField would make SQLite rebuild the table, and the rebuild
    drops the table's unique constraints (shipment numbers, event dedupe keys)."""

    async def database_forward(self, *args, **kwargs) -> None:
        return None

    async def database_backward(self, *args, **kwargs) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0004_analytics_indexes')]

    initial = False

    operations = [
        AlterDescription(
            model_name='Shipment',
            name='reason',
            field=fields.CharEnumField(null=True, description='ADDRESS_ISSUE: address_issue\nRECIPIENT_UNAVAILABLE: recipient_unavailable\nREFUSED: refused\nDAMAGED: damaged\nLOST: lost\nCUSTOMS_HOLD: customs_hold\nWEATHER_DELAY: weather_delay\nCARRIER_DELAY: carrier_delay\nHELD_AT_CARRIER: held_at_carrier\nNOT_COLLECTED: not_collected\nUNKNOWN: unknown', enum_type=Reason, max_length=32),
        ),
        AlterDescription(
            model_name='TrackingEvent',
            name='reason',
            field=fields.CharEnumField(null=True, description='ADDRESS_ISSUE: address_issue\nRECIPIENT_UNAVAILABLE: recipient_unavailable\nREFUSED: refused\nDAMAGED: damaged\nLOST: lost\nCUSTOMS_HOLD: customs_hold\nWEATHER_DELAY: weather_delay\nCARRIER_DELAY: carrier_delay\nHELD_AT_CARRIER: held_at_carrier\nNOT_COLLECTED: not_collected\nUNKNOWN: unknown', enum_type=Reason, max_length=32),
        ),
    ]
