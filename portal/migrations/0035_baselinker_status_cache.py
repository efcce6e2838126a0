"""BaseLinker's order statuses as last read (``getOrderStatusList``) and when, per store
connection: the Stores screen's picker reads them from here for an hour instead of asking
BaseLinker on every render, and shows them when BaseLinker does not answer. Two nullable
columns; empty until a BaseLinker store's statuses are next read."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0034_carrier_account_default')]

    initial = False

    operations = [
        ops.AddField(
            model_name='PlatformConnection',
            name='order_statuses',
            field=fields.JSONField(
                null=True,
                description="BaseLinker: the account's order statuses as last read (``[[id, name], …]`` in the",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.AddField(
            model_name='PlatformConnection',
            name='order_statuses_read_at',
            field=fields.DatetimeField(null=True),
        ),
    ]
