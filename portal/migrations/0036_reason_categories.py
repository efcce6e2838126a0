"""Return reasons by product category: the line item categories a reason applies to
(``return_reason.categories``, a JSON list). One nullable column; null (every reason made
before it) and an empty list both mean every category, so nothing changes until a shop
sets a list."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0035_baselinker_status_cache')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ReturnReason',
            name='categories',
            field=fields.JSONField(
                null=True,
                default=list,
                description='The line item categories (``OrderItem.category``) the reason applies to',
                encoder=functools.partial(dumps, separators=(',', ':')),
                decoder=loads,
            ),
        ),
    ]
