from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_reason_not_collected')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ProductVariant',
            name='image_url',
            field=fields.CharField(null=True, description='A picture of this variant the shop hosts (shown when a customer picks a swap).', max_length=500),
        ),
    ]
