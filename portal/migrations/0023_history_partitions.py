"""History that grows for years: ``merchant.history_retention_months`` (default 13),
``maintenance_run`` (when a once-a-day task last started) and, on PostgreSQL only,
``tracking_event``, ``domain_event``, ``outbox_message`` and ``webhook_delivery``
partitioned by month with their rows moved in (:mod:`portal.history.convert` says how
each unique key and foreign key is kept). SQLite keeps plain tables.

The PostgreSQL step copies every row of the four tables: on a large database, run it in
a quiet hour. It cannot be undone by the migration tool.
"""

from datetime import UTC, datetime
from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def _partition(apps: Any, schema_editor: Any) -> None:
    from portal.history.convert import partition_history

    await partition_history(schema_editor.client, datetime.now(UTC))


class _AddWithDefault(ops.AddField):
    """``AddField`` with a database default: Tortoise adds a NOT NULL column without one,
    which fails on a ``merchant`` table that has rows."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is not None:
            await state_editor.client.execute_script(
                "ALTER TABLE merchant ADD COLUMN history_retention_months INT NOT NULL DEFAULT 13"
            )


class Migration(migrations.Migration):
    dependencies = [("models", "0022_analytics_rollups")]

    initial = False

    operations = [
        ops.CreateModel(
            name="MaintenanceRun",
            fields=[
                (
                    "name",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "maintenance_run",
                "app": "models",
                "pk_attr": "name",
                "table_description": "When a once-a-day maintenance task (``retention``) last started, shared by workers.",
            },
            bases=["Model"],
        ),
        _AddWithDefault(
            model_name="Merchant",
            name="history_retention_months",
            field=fields.IntField(
                default=13,
                description="Months of scans, domain events, messages and webhook deliveries kept (retention).",
            ),
        ),
        ops.RunPython(_partition),
    ]
