"""Store platforms: connections (encrypted credentials, health, sync watermark), the map
from platform ids to our rows, webhook receipts (replays refused) and the queue of writes
back to the store."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from portal.models.platforms import Platform, PushState, RecordKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_reach_channels')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PlatformConnection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='platform_connections', on_delete=OnDelete.CASCADE)),
                ('platform', fields.CharEnumField(description='SHOPIFY: shopify\nWOOCOMMERCE: woocommerce', enum_type=Platform, max_length=16)),
                ('shop_url', fields.CharField(description="``https://example.myshopify.com`` or the WordPress site's address, no trailing slash.", max_length=300)),
                ('credentials_encrypted', fields.TextField(description='Shopify: access_token and app_secret. WooCommerce: consumer_key, consumer_secret,', unique=False)),
                ('enabled', fields.BooleanField(default=True)),
                ('paused_reason', fields.TextField(null=True, description='Set when the store refused the credentials (401/403): syncing stops until fixed.', unique=False)),
                ('write_tracking', fields.BooleanField(default=True, description='Writes back to the store, each turned on by the merchant.')),
                ('write_returns', fields.BooleanField(default=False)),
                ('last_sync_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('synced_until', fields.DatetimeField(null=True, description='The newest ``updated_at`` seen by a complete sync: reconciliation restarts there.', auto_now=False, auto_now_add=False)),
                ('next_sync_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sync_lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('last_error_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('webhooks', fields.JSONField(default=list, description='[{"topic": "orders/create", "id": "gid://shopify/WebhookSubscription/1"}, ...]', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('webhooks_forged', fields.IntField(default=0)),
                ('webhooks_replayed', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'platform_connection', 'app': 'models', 'unique_together': (('merchant', 'platform', 'shop_url'),), 'pk_attr': 'id', 'table_description': 'One store of a merchant: address, encrypted credentials, health and sync state.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlatformPush',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('connection', fields.ForeignKeyField('models.PlatformConnection', source_field='connection_id', db_constraint=True, to_field='id', related_name='pushes', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(description='``tracking`` or ``return``.', max_length=16)),
                ('dedupe_key', fields.CharField(description='One push per cause: ``<shipment id>:<status>`` or ``<return id>``.', max_length=100)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('state', fields.CharEnumField(default=PushState.PENDING, description='PENDING: pending\nDONE: done\nFAILED: failed', enum_type=PushState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'platform_push', 'app': 'models', 'unique_together': (('connection', 'kind', 'dedupe_key'),), 'indexes': [Index(fields=['state', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': "One write back to a store (a tracking status, a return's outcome), sent by a job."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlatformRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('connection', fields.ForeignKeyField('models.PlatformConnection', source_field='connection_id', db_constraint=True, to_field='id', related_name='records', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='ORDER: order\nPRODUCT: product\nPARCEL: parcel', enum_type=RecordKind, max_length=16)),
                ('external_id', fields.CharField(max_length=200)),
                ('local_id', fields.IntField(description='Order id, shipment id, or 0 for a product (products are keyed by ``product_ref``).')),
                ('remote_updated_at', fields.DatetimeField(null=True, description="The platform's own ``updated_at``: an older copy never overwrites a newer one.", auto_now=False, auto_now_add=False)),
                ('data', fields.JSONField(default=dict, description="What the store says that has no column here: an order's cancellation and refunds,", encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'platform_record', 'app': 'models', 'unique_together': (('connection', 'kind', 'external_id'),), 'indexes': [Index(fields=['kind', 'local_id'])], 'pk_attr': 'id', 'table_description': 'A platform id and the row it became here (an order, a product, a shipment).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlatformWebhookReceipt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('connection', fields.ForeignKeyField('models.PlatformConnection', source_field='connection_id', db_constraint=True, to_field='id', related_name='receipts', on_delete=OnDelete.CASCADE)),
                ('delivery_id', fields.CharField(max_length=200)),
                ('topic', fields.CharField(max_length=64)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'platform_webhook_receipt', 'app': 'models', 'unique_together': (('connection', 'delivery_id'),), 'pk_attr': 'id', 'table_description': 'A webhook delivery accepted once: the same delivery id again is a replay.'},
            bases=['Model'],
        ),
    ]
