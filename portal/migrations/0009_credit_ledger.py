from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_returns_before_delivery')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CreditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='credit_entries', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='credit_entries', on_delete=OnDelete.CASCADE)),
                ('return_request', fields.ForeignKeyField('models.ReturnRequest', source_field='return_request_id', null=True, unique=True, db_constraint=True, to_field='id', related_name='credit_entries', on_delete=OnDelete.SET_NULL)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('currency', fields.CharField(max_length=3)),
                ('reason', fields.CharField(default='', description='Why, in the shop\'s words or ours ("Return R-1042", "Used at checkout").', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'credit_entry', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "One line of a customer's store-credit ledger: credit issued (positive) or used"},
            bases=['Model'],
        ),
    ]
