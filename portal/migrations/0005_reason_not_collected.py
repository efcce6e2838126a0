from tortoise import migrations
from tortoise.migrations import operations as ops
from carriers.base import Reason
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_analytics_indexes')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Shipment',
            name='reason',
            field=fields.CharEnumField(null=True, description='ADDRESS_ISSUE: address_issue\nRECIPIENT_UNAVAILABLE: recipient_unavailable\nREFUSED: refused\nDAMAGED: damaged\nLOST: lost\nCUSTOMS_HOLD: customs_hold\nWEATHER_DELAY: weather_delay\nCARRIER_DELAY: carrier_delay\nHELD_AT_CARRIER: held_at_carrier\nNOT_COLLECTED: not_collected\nUNKNOWN: unknown', enum_type=Reason, max_length=32),
        ),
        ops.AlterField(
            model_name='TrackingEvent',
            name='reason',
            field=fields.CharEnumField(null=True, description='ADDRESS_ISSUE: address_issue\nRECIPIENT_UNAVAILABLE: recipient_unavailable\nREFUSED: refused\nDAMAGED: damaged\nLOST: lost\nCUSTOMS_HOLD: customs_hold\nWEATHER_DELAY: weather_delay\nCARRIER_DELAY: carrier_delay\nHELD_AT_CARRIER: held_at_carrier\nNOT_COLLECTED: not_collected\nUNKNOWN: unknown', enum_type=Reason, max_length=32),
        ),
    ]
