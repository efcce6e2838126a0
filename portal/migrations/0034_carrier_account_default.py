"""A carrier account may be the shop's default for its carrier (``is_default``): shipments
of that carrier naming no account are polled through it when the shop has several. One
boolean column, false for every existing account, so nothing polls differently until a
shop marks one."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0033_shared_store_pace')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CarrierAccount',
            name='is_default',
            field=fields.BooleanField(default=False, description="Polls the shop's shipments of this carrier that name no account (at most one per carrier)."),
        ),
    ]
