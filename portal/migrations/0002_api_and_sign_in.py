from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('api_key', fields.ForeignKeyField('models.ApiKey', source_field='api_key_id', db_constraint=True, to_field='id', related_name='idempotency_records', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=255)),
                ('fingerprint', fields.CharField(description='SHA-256 of method, path and canonical JSON body.', max_length=64)),
                ('status', fields.IntField(null=True, description='Null while the first request still runs (lease_until holds the key).')),
                ('media_type', fields.CharField(default='application/json', max_length=100)),
                ('body', fields.TextField(null=True, unique=False)),
                ('location', fields.CharField(null=True, max_length=500)),
                ('lease_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_idempotency_record', 'app': 'models', 'unique_together': (('api_key', 'key'),), 'indexes': [Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': 'A POST’s answer, kept 24 h under the Idempotency-Key its API key sent with it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignInAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=300)),
                ('attempted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sign_in_attempt', 'app': 'models', 'indexes': [Index(fields=['key', 'attempted_at'])], 'pk_attr': 'id', 'table_description': 'A failed sign-in, counted per key (``email:…`` / ``ip:…``) within a window.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ApiKey',
            name='rate_limit_tat',
            field=fields.FloatField(default=0, description="Rate limit (GCRA): unix time at which the key's allowance next frees up."),
        ),
    ]
