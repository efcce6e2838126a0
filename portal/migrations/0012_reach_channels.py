"""Channels WhatsApp and web push: approved WhatsApp templates, push subscriptions, the
customer's WhatsApp consent and channel choice per order, the shop's channel order."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from portal.models.consent import ConsentSource
from portal.models.messaging import Channel
from tortoise.fields.base import OnDelete
from tortoise import fields

class AlterDescription(ops.AlterField):
    """Only the enum's value list (the field's description) changed: nothing to do in the
    database. A plain AlterField would make SQLite rebuild the table and drop its unique
    constraints (outbox keys, template keys)."""

    async def database_forward(self, *args, **kwargs) -> None:
        return None

    async def database_backward(self, *args, **kwargs) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0011_pickup_points')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PushSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='push_subscriptions', on_delete=OnDelete.CASCADE)),
                ('shipment', fields.ForeignKeyField('models.Shipment', source_field='shipment_id', db_constraint=True, to_field='id', related_name='push_subscriptions', on_delete=OnDelete.CASCADE)),
                ('endpoint', fields.CharField(max_length=1000)),
                ('p256dh', fields.CharField(description="The browser's P-256 public key and auth secret, base64url as the browser gives them.", max_length=200)),
                ('auth', fields.CharField(max_length=100)),
                ('endpoint_hash', fields.CharField(description='A hash of ``endpoint``: one row per browser and shipment.', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'push_subscription', 'app': 'models', 'unique_together': (('shipment', 'endpoint_hash'),), 'pk_attr': 'id', 'table_description': "A browser that asked, on one shipment's tracking page, to be notified about it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WhatsAppTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='whatsapp_templates', on_delete=OnDelete.CASCADE)),
                ('trigger', fields.CharField(max_length=64)),
                ('locale', fields.CharField(max_length=16)),
                ('content_sid', fields.CharField(max_length=64)),
                ('variables', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'whatsapp_template', 'app': 'models', 'unique_together': (('merchant', 'trigger', 'locale'),), 'pk_attr': 'id', 'table_description': "A merchant's approved WhatsApp template (Twilio Content API) for one message kind"},
            bases=['Model'],
        ),
        AlterDescription(
            model_name='ConsentChange',
            name='channel',
            field=fields.CharEnumField(description='EMAIL: email\nSMS: sms\nWHATSAPP: whatsapp\nPUSH: push', enum_type=Channel, max_length=16),
        ),
        ops.AddField(
            model_name='Customer',
            name='whatsapp_opt_in',
            field=fields.BooleanField(default=False, description="WhatsApp needs the customer's opt-in, as text messages do."),
        ),
        ops.AddField(
            model_name='Customer',
            name='whatsapp_window_until',
            field=fields.DatetimeField(null=True, description="Until when WhatsApp's 24-hour customer-service window is open (the customer wrote", auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Merchant',
            name='channel_order',
            field=fields.JSONField(null=True, description="Channels customers may choose, in the order the shop prefers, a WhatsApp", encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Merchant',
            name='quiet_hours_channels',
            field=fields.JSONField(null=True, description='Channels quiet hours hold back. None: text messages only (SMS and WhatsApp).', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        AlterDescription(
            model_name='NotificationTemplate',
            name='channel',
            field=fields.CharEnumField(description='EMAIL: email\nSMS: sms\nWHATSAPP: whatsapp\nPUSH: push', enum_type=Channel, max_length=16),
        ),
        ops.AddField(
            model_name='Order',
            name='channels',
            field=fields.JSONField(null=True, description="The channels the customer chose for this order's messages (None: the shop's own).", encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        AlterDescription(
            model_name='OutboxMessage',
            name='channel',
            field=fields.CharEnumField(description='EMAIL: email\nSMS: sms\nWHATSAPP: whatsapp\nPUSH: push', enum_type=Channel, max_length=16),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='payload',
            field=fields.JSONField(null=True, description='What a channel needs beyond the text: a WhatsApp template (``content_sid``,', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        AlterDescription(
            model_name='ConsentChange',
            name='source',
            field=fields.CharEnumField(description='API: api\nCSV: csv\nWORKSPACE: workspace\nPREFERENCES: preferences\nSMS_REPLY: sms_reply\nWHATSAPP_REPLY: whatsapp_reply\nUNSUBSCRIBE: unsubscribe\nCARRIER_ERROR: carrier_error\nPLATFORM: platform', enum_type=ConsentSource, max_length=32),
        ),
    ]
