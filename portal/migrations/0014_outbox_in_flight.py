from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_platforms')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='attempt_id',
            field=fields.CharField(null=True, description='Set just before the provider is called, cleared with the outcome: a row still', max_length=32),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='sending_since',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
