"""A store connection may name the BaseLinker order status a delivered parcel moves its order
to (``delivered_status_id``, the id from ``getOrderStatusList``); one nullable column."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0029_baselinker_journal')]

    initial = False

    operations = [
        ops.AddField(
            model_name='PlatformConnection',
            name='delivered_status_id',
            field=fields.IntField(null=True, description="BaseLinker: the merchant's order status (``getOrderStatusList`` id) an order is"),
        ),
    ]
