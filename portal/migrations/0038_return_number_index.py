"""A text message's short link to a return (``/d/<rma>/<mac>``, ``/r/<rma>/<mac>``) names the
RMA but not the shop: RMA numbers are unique per shop only, so the link's page reads every
shop's return of that number (almost always one) and keeps the one its mac was made for
(``portal/returns/short_links.py``). The unique index on (merchant, number) cannot serve a
lookup by number alone; this index can, instead of a scan of every return. The same SQL
works on SQLite and PostgreSQL."""

from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0037_survey_comment_index')]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "CREATE INDEX return_request_number ON return_request (number)",
            ],
            reverse_sql=["DROP INDEX return_request_number"],
        ),
    ]
