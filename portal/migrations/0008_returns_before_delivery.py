from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_consent')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ReturnPolicy',
            name='returns_before_delivery',
            field=fields.BooleanField(default=False, description='Allow returns before the carrier\'s delivery scan ("refuse at the door" shops).'),
        ),
    ]
