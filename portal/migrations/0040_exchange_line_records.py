"""Platform records of a new kind, ``exchange_line``: a line item Shopify added to an order for
an exchange Doorstep wrote back, pointing at Doorstep's replacement order. The column stays a
16-character text; only the field's description (its list of kinds) changes."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from portal.models.platforms import RecordKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0039_rollups_on_shop_days')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='PlatformRecord',
            name='kind',
            field=fields.CharEnumField(description='ORDER: order\nPRODUCT: product\nPARCEL: parcel\nEXCHANGE_LINE: exchange_line', enum_type=RecordKind, max_length=16),
        ),
    ]
