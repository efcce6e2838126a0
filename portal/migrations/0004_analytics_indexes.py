"""Indexes for the merchant analytics screens (portal/analytics), the same SQL on SQLite
and PostgreSQL. Each serves a range or a join the dashboard queries make:

- orders by merchant and placement time: the orders a returns cohort counts;
- order lines by order, return lines by order line, shipments by order: the joins from
  orders to what was sold, returned and shipped (the carrier filter on returns);
- shipments by merchant and ship time (as the queries compute it): problem rates;
- shipments by merchant, carrier and delivery time: the carrier-filtered delivery figures.

The indexes on survey_answer and on shipment (merchant_id, delivered_at) came in 0003.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

INDEXES = {
    "orders_merchant_placed": "orders (merchant_id, placed_at)",
    "order_item_order": "order_item (order_id)",
    "return_item_order_item": "return_item (order_item_id)",
    "shipment_order": "shipment (order_id)",
    "shipment_merchant_shipped": "shipment (merchant_id, (COALESCE(shipped_at, created_at)))",
    "shipment_merchant_carrier_delivered": "shipment (merchant_id, carrier_key, delivered_at)",
}


class Migration(migrations.Migration):
    dependencies = [("models", "0003_survey_settings_return_address")]

    initial = False

    operations = [
        ops.RunSQL(
            [f"CREATE INDEX {name} ON {target}" for name, target in INDEXES.items()],
            reverse_sql=[f"DROP INDEX {name}" for name in INDEXES],
        ),
    ]
