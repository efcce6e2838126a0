"""EU consumer law: withdrawal statements (``withdrawal``), a return's ``kind``, the
policy's switch and withdrawal terms, the shop's country, the order's outbound shipping
total and the statutory exception flags on order lines."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from portal.models.returns import ReturnKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0015_attention_queue')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Withdrawal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='withdrawals', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='withdrawals', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='withdrawals', on_delete=OnDelete.SET_NULL)),
                ('return_request', fields.ForeignKeyField('models.ReturnRequest', source_field='return_request_id', null=True, db_constraint=True, to_field='id', related_name='withdrawals', on_delete=OnDelete.SET_NULL)),
                ('acknowledgement', fields.ForeignKeyField('models.OutboxMessage', source_field='acknowledgement_id', null=True, db_constraint=True, to_field='id', related_name='withdrawals', on_delete=OnDelete.SET_NULL)),
                ('name', fields.CharField(max_length=200)),
                ('email', fields.CharField(max_length=254)),
                ('items', fields.JSONField(default=list, description='[{"order_item_id": 1, "title": "…", "sku": "…", "quantity": 1}, …] as declared', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('locale', fields.CharField(default='en', max_length=16)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('submission_key', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'withdrawal', 'app': 'models', 'indexes': [Index(fields=['merchant_id', 'submitted_at'])], 'pk_attr': 'id', 'table_description': 'One withdrawal statement: ``submission_key`` makes a double submit one row.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Merchant',
            name='country',
            field=fields.CharField(null=True, description='ISO 3166-1 alpha-2 of where the shop is established: EU consumer law applies by', max_length=2),
        ),
        ops.AddField(
            model_name='Order',
            name='shipping_total',
            field=fields.DecimalField(default=0, description='What the customer paid for standard outbound delivery (refunded on withdrawal).', max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='statutory_exception',
            field=fields.CharField(null=True, description='A statutory exception to the right of withdrawal (Art. 16 of Directive 2011/83/EU),', max_length=32),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='unsealed',
            field=fields.BooleanField(default=False, description='A sealed hygiene item the customer unsealed after delivery (only then excepted).'),
        ),
        ops.AddField(
            model_name='ReturnPolicy',
            name='eu_consumer_law',
            field=fields.BooleanField(null=True, description='Whether EU consumer law (the 14-day right of withdrawal) applies. None follows the'),
        ),
        ops.AddField(
            model_name='ReturnPolicy',
            name='withdrawal_customer_pays_return',
            field=fields.BooleanField(default=False, description='The customer bears the direct cost of returning withdrawn goods (Art. 14(1)): the'),
        ),
        ops.AddField(
            model_name='ReturnPolicy',
            name='withdrawal_days',
            field=fields.IntField(default=14, description='The withdrawal period in days from delivery of the last item (never under 14).'),
        ),
        ops.AddField(
            model_name='ReturnRequest',
            name='kind',
            field=fields.CharEnumField(default=ReturnKind.RETURN, description='RETURN: return\nWITHDRAWAL: withdrawal', enum_type=ReturnKind, max_length=16),
        ),
    ]
