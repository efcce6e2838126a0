"""``shipment.poll_digest``: the carrier adapter's digest of its last polled answer for a
parcel. The sweep hands it back to adapters that set ``accepts_digests``; an answer whose
digest is unchanged is neither parsed nor merged again (only the poll is recorded). A
nullable column with no default: adding it rewrites no row on either engine.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0025_statement_marks")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Shipment",
            name="poll_digest",
            field=fields.CharField(
                max_length=64,
                null=True,
                description="Digest of the carrier's last polled answer: an unchanged one is skipped.",
            ),
        ),
    ]
