"""Erasures: who anonymised which customer's personal data, and when."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0017_claims')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Erasure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='erasures', on_delete=OnDelete.CASCADE)),
                ('customer_id', fields.IntField()),
                ('actor', fields.CharField(description='"staff:<id>", "api_key:<id>" or "cli"', max_length=64)),
                ('counts', fields.JSONField(default=dict, description='table -> rows changed', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('erased_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'erasure', 'app': 'models', 'indexes': [Index(fields=['merchant_id', 'customer_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
