"""The shared pace holds store connections too: ``carrier_pace.connection_id`` (a BaseLinker
token's 100 requests a minute, shared by its sync and write-back in every worker), and
``account_id`` may be empty on such a row (portal/pacing.py). The table stays UNLOGGED."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0032_poll_leases")]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="CarrierPace",
            options={
                "table": "carrier_pace",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The shared call schedule of one carrier account, or of one store connection whose",
            },
        ),
        ops.AlterField(
            model_name="CarrierPace",
            name="account",
            field=fields.OneToOneField(
                "models.CarrierAccount",
                source_field="account_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="pace",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddField(
            model_name="CarrierPace",
            name="connection",
            field=fields.OneToOneField(
                "models.PlatformConnection",
                source_field="connection_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="pace",
                on_delete=OnDelete.CASCADE,
            ),
        ),
    ]
