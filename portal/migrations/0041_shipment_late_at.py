"""``shipment.late_at``: the instant a parcel becomes late (the midnight after its promise's
last day on its delivery calendar), indexed, so the late watch reads the parcels whose
instant has come instead of every parcel due today (:mod:`portal.tracking.late_clock`).

The column is nullable with no default (adding it rewrites no row on either engine); the
index is partial (only rows that have an instant) and the open outbound shipments that
have a date are then filled in pages of 2,000 by the same
rule the code keeps it with. Delivered, returned or undated parcels stay NULL: they are
never late as they stand. Going back drops the index and the column.
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from carriers.base import FINAL_STATUSES
from portal.tracking import late_clock

PAGE = 2000
#: Partial: the rows with no instant (most of the table, once delivered) have no entry,
#: and a write that leaves one NULL touches no index page. ``late_at <= x`` implies NOT
#: NULL, so both engines use it for the late watch's query, which pages on (late_at, id).
INDEX = "CREATE INDEX shipment_late_at ON shipment (late_at, id) WHERE late_at IS NOT NULL"


async def _fill(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.client
    postgres = conn.capabilities.dialect == "postgres"
    finals = ", ".join(f"'{s.value}'" for s in FINAL_STATUSES)
    after = 0
    while True:
        rows = await conn.execute_query_dict(
            "SELECT id FROM shipment WHERE direction = 'outbound' "
            f"AND status NOT IN ({finals}) AND (estimated_delivery IS NOT NULL "
            "OR eta_window_end IS NOT NULL OR predicted_end IS NOT NULL) "
            f"AND id > {'$1' if postgres else '?'} ORDER BY id LIMIT {PAGE}",
            [after],
        )
        if not rows:
            return
        ids = [row["id"] for row in rows]
        await late_clock.refresh(conn, ids)
        after = ids[-1]


async def _nothing(apps: Any, schema_editor: Any) -> None:
    """Going back, the column goes with the field (the operation before this one)."""


class Migration(migrations.Migration):
    dependencies = [("models", "0040_exchange_line_records")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Shipment",
            name="late_at",
            field=fields.DatetimeField(null=True),
        ),
        ops.RunSQL([INDEX], reverse_sql=["DROP INDEX IF EXISTS shipment_late_at"]),
        ops.RunPython(_fill, _nothing),
    ]
