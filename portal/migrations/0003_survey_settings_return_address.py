from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_api_and_sign_in')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Merchant',
            name='survey_settings',
            field=fields.JSONField(default=dict, description='{"custom_question": {locale: text}, "wording": {locale: {question_key: text}}}', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='ReturnPolicy',
            name='return_address',
            field=fields.JSONField(default=dict, description='Where return parcels go: name, line1, line2, city, region, postal_code, country.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        # Analytics and scheduling indexes (the same SQL works on SQLite and PostgreSQL).
        ops.RunSQL(
            [
                "CREATE UNIQUE INDEX survey_one_per_shipment ON survey (shipment_id) WHERE shipment_id IS NOT NULL",
                "CREATE UNIQUE INDEX survey_one_per_return ON survey (return_request_id) WHERE return_request_id IS NOT NULL",
                "CREATE INDEX survey_answer_merchant_time ON survey_answer (merchant_id, answered_at)",
                "CREATE INDEX survey_answer_merchant_carrier_time ON survey_answer (merchant_id, carrier_key, answered_at)",
                "CREATE INDEX shipment_status_delivered ON shipment (status, delivered_at)",
                "CREATE INDEX shipment_merchant_delivered ON shipment (merchant_id, delivered_at)",
                "CREATE INDEX tracking_event_problems ON tracking_event (shipment_id, status, reason) WHERE status IN ('exception', 'failed_attempt')",
            ],
            reverse_sql=[
                "DROP INDEX survey_one_per_shipment",
                "DROP INDEX survey_one_per_return",
                "DROP INDEX survey_answer_merchant_time",
                "DROP INDEX survey_answer_merchant_carrier_time",
                "DROP INDEX shipment_status_delivered",
                "DROP INDEX shipment_merchant_delivered",
                "DROP INDEX tracking_event_problems",
            ],
        ),
    ]
