from tortoise import migrations
from tortoise.migrations import operations as ops
from portal.models.consent import ConsentSource
from portal.models.messaging import Channel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_catalogue')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConsentChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='consent_changes', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='EMAIL: email\nSMS: sms', enum_type=Channel, max_length=16)),
                ('granted', fields.BooleanField()),
                ('source', fields.CharEnumField(description='API: api\nCSV: csv\nWORKSPACE: workspace\nPREFERENCES: preferences\nSMS_REPLY: sms_reply\nUNSUBSCRIBE: unsubscribe\nCARRIER_ERROR: carrier_error\nPLATFORM: platform', enum_type=ConsentSource, max_length=32)),
                ('detail', fields.CharField(default='', description='Who or what, in a few words: a staff member\'s e-mail, "STOP", an import\'s file name.', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'consent_change', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
