"""Platform ``baselinker``: a BaseLinker account connected through its API token."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from portal.models.platforms import Platform
from tortoise import fields


class AlterDescription(ops.AlterField):
    """Only the enum's value list (the field's description) changed: nothing to do in the
    database (see 0021_prestashop: a plain AlterField would make SQLite rebuild the table
    and drop its unique constraint)."""

    async def database_forward(self, *args, **kwargs) -> None:
        return None

    async def database_backward(self, *args, **kwargs) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0026_poll_digest')]

    initial = False

    operations = [
        AlterDescription(
            model_name='PlatformConnection',
            name='platform',
            field=fields.CharEnumField(description='SHOPIFY: shopify\nWOOCOMMERCE: woocommerce\nPRESTASHOP: prestashop\nBASELINKER: baselinker', enum_type=Platform, max_length=16),
        ),
    ]
