"""An index on ``webhook_delivery (endpoint_id, created_at, id)`` for the delivery log: one
endpoint's deliveries newest first, paged by (created_at, id), read straight from the
index instead of sorting every delivery of the endpoint, or of the table, by id.

On PostgreSQL ``webhook_delivery`` is partitioned by month (0023), so this is a
partitioned index: each monthly partition gets its own, and partitions the worker creates
later get theirs when they are attached. Building it reads every delivery once and holds
off writes to the table meanwhile (seconds for a few million rows).
"""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0030_baselinker_delivered_status")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="WebhookDelivery",
            index=Index(fields=["endpoint_id", "created_at", "id"]),
        ),
    ]
