"""Claims: a customer's report of a lost, damaged, returned, undelivered or wrong parcel
and the shop's resolution (reship, refund, rejection)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from portal.models.claims import ClaimKind, ClaimState
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0016_eu_withdrawal')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Claim',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='claims', on_delete=OnDelete.CASCADE)),
                ('shipment', fields.ForeignKeyField('models.Shipment', source_field='shipment_id', db_constraint=True, to_field='id', related_name='claims', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='claims', on_delete=OnDelete.SET_NULL)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='claims', on_delete=OnDelete.SET_NULL)),
                ('number', fields.CharField(max_length=32)),
                ('kind', fields.CharEnumField(description='LOST: lost\nDAMAGED: damaged\nRETURNED_TO_SENDER: returned_to_sender\nNOT_RECEIVED: not_received\nWRONG_ITEM: wrong_item', enum_type=ClaimKind, max_length=24)),
                ('state', fields.CharEnumField(default=ClaimState.SUBMITTED, description='SUBMITTED: submitted\nIN_REVIEW: in_review\nRESHIPPED: reshipped\nREFUNDED: refunded\nREJECTED: rejected', enum_type=ClaimState, max_length=16)),
                ('description', fields.TextField(default='', unique=False)),
                ('items', fields.JSONField(default=list, description='[{"order_item_id": 1, "sku": "…", "title": "…", "quantity": 1}] the claim is about', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('photo_paths', fields.JSONField(default=list, description="Paths under ``settings.var_dir`` (served only to the shop's staff).", encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('not_received_statement', fields.BooleanField(default=False, description='The customer stated that the parcel never reached them.')),
                ('locale', fields.CharField(default='en', max_length=16)),
                ('refund_amount', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('rejection_reason', fields.TextField(default='', unique=False)),
                ('replacement_order', fields.ForeignKeyField('models.Order', source_field='replacement_order_id', null=True, db_constraint=True, to_field='id', related_name='replacing_claims', on_delete=OnDelete.SET_NULL)),
                ('replacement_shipment', fields.ForeignKeyField('models.Shipment', source_field='replacement_shipment_id', null=True, db_constraint=True, to_field='id', related_name='replacing_claims', on_delete=OnDelete.SET_NULL)),
                ('resolved_by', fields.CharField(default='', description='"customer", "staff:<id>" of the last move', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'claim', 'app': 'models', 'unique_together': (('merchant', 'number'),), 'indexes': [Index(fields=['merchant_id', 'state'])], 'pk_attr': 'id', 'table_description': "One problem with one parcel, from the customer's report to the shop's resolution."},
            bases=['Model'],
        ),
    ]
