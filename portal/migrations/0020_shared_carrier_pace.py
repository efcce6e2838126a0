"""Shared carrier pacing: ``carrier_pace``, one row per carrier account, where every worker
process reserves its next call (portal/tracking/pacing.py).

On PostgreSQL ``carrier_pace`` and ``rate_limit_count`` become UNLOGGED: both hold
short-lived counters written on every carrier call or tracking-page lookup, and a
transaction that only changes unlogged tables commits without waiting for a WAL flush
(the tracking page's lookup counter serialised every page behind a disk sync). A crash
empties them — a pace restarts, lookup windows start again — which costs nothing that
matters. Unlogged tables are not copied to streaming replicas: only the primary reads them.
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

UNLOGGED = ("carrier_pace", "rate_limit_count")


async def _unlogged(apps: Any, schema_editor: Any) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        for table in UNLOGGED:
            await schema_editor.client.execute_script(f"ALTER TABLE {table} SET UNLOGGED")


async def _logged(apps: Any, schema_editor: Any) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        for table in UNLOGGED:
            await schema_editor.client.execute_script(f"ALTER TABLE {table} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("models", "0019_predictions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CarrierPace",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.OneToOneField(
                        "models.CarrierAccount",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="pace",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "next_slot_at",
                    fields.DatetimeField(
                        description="The earliest moment the next call may start (the end of the last slot handed out).",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                (
                    "paused_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "carrier_pace",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The shared call schedule of one carrier account on PostgreSQL (tracking/pacing.py).",
            },
            bases=["Model"],
        ),
        ops.RunPython(_unlogged, _logged),
    ]
