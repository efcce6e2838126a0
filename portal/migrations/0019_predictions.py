"""Delivery predictions: the business-day calendar, learned transit times and scan gaps,
predictions as made, late and stuck episodes; a shipment's service, origin and latest
predicted window; an order's delivery preferences. Every new column is nullable, so rows
written by raw inserts elsewhere need not know them."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from portal.models.prediction import AlertKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0018_privacy")]

    initial = False

    operations = [
        ops.CreateModel(
            name="BusinessDay",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("country", fields.CharField(max_length=2)),
                ("day", fields.DateField()),
                ("ordinal", fields.IntField()),
                ("is_business", fields.BooleanField()),
            ],
            options={
                "table": "business_day",
                "app": "models",
                "unique_together": (("country", "day"),),
                "pk_attr": "id",
                "table_description": "One calendar day of one country with its running count of business days.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ScanGap",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("carrier_key", fields.CharField(max_length=64)),
                ("stage", fields.CharField(max_length=32)),
                ("samples", fields.IntField()),
                ("p90_hours", fields.FloatField()),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "scan_gap",
                "app": "models",
                "unique_together": (("carrier_key", "stage"),),
                "pk_attr": "id",
                "table_description": "How long a carrier usually goes without a scan at one stage (hours, 90th",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ShipmentAlert",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="shipment_alerts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "shipment",
                    fields.ForeignKeyField(
                        "models.Shipment",
                        source_field="shipment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alerts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="LATE: late\nSTUCK: stuck", enum_type=AlertKind, max_length=16
                    ),
                ),
                (
                    "started_at",
                    fields.DatetimeField(
                        description="When the episode began: the end of the missed window, or the last scan.",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("raised_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "detail",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "shipment_alert",
                "app": "models",
                "unique_together": (("shipment", "kind", "started_at"),),
                "indexes": [Index(fields=["kind", "ended_at"])],
                "pk_attr": "id",
                "table_description": "One late or stuck episode of a shipment: raised once, closed by delivery (late) or",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ShipmentPrediction",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "shipment",
                    fields.ForeignKeyField(
                        "models.Shipment",
                        source_field="shipment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="predictions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("merchant_id", fields.IntField()),
                (
                    "stage",
                    fields.CharField(
                        description="The stage the prediction was made at: first_scan, in_transit, out_for_delivery.",
                        max_length=32,
                    ),
                ),
                ("made_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("window_start", fields.DateField()),
                ("window_end", fields.DateField()),
                ("expected", fields.DateField()),
                (
                    "carrier_eta",
                    fields.DateField(
                        null=True,
                        description="The carrier's own date when we predicted, for the side-by-side accuracy figures.",
                    ),
                ),
                (
                    "basis",
                    fields.JSONField(
                        default=dict,
                        description="Which figures it came from: the level and whether they were the shop's own.",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "shipment_prediction",
                "app": "models",
                "unique_together": (("shipment", "stage"),),
                "pk_attr": "id",
                "table_description": "A delivery window we predicted for a shipment, kept as made so that accuracy is",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TransitStat",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("merchant_id", fields.IntField(null=True)),
                (
                    "level",
                    fields.SmallIntField(description="0 = finest (prefix) … 3 = carrier only."),
                ),
                ("carrier_key", fields.CharField(max_length=64)),
                ("service", fields.CharField(default="", max_length=64)),
                ("origin_country", fields.CharField(default="", max_length=2)),
                ("dest_country", fields.CharField(default="", max_length=2)),
                ("postcode_prefix", fields.CharField(default="", max_length=8)),
                ("stage", fields.CharField(max_length=32)),
                ("samples", fields.IntField()),
                ("p10", fields.IntField()),
                ("p50", fields.IntField()),
                ("p90", fields.IntField()),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "transit_stat",
                "app": "models",
                "indexes": [Index(fields=["carrier_key", "dest_country"])],
                "pk_attr": "id",
                "table_description": "Percentiles of settled transit times (business days in the destination country)",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Order",
            name="delivery_preferences",
            field=fields.JSONField(
                null=True,
                description="The customer's delivery choice (:mod:`portal.core.delivery_preferences`): home,",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.AddField(
            model_name="Shipment",
            name="origin_country",
            field=fields.CharField(
                null=True,
                description="Where the parcel leaves from (ISO country), when the shop told us.",
                max_length=2,
            ),
        ),
        ops.AddField(
            model_name="Shipment",
            name="predicted_end",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Shipment",
            name="predicted_start",
            field=fields.DateField(
                null=True,
                description="Our latest predicted delivery window (:mod:`portal.tracking.prediction`).",
            ),
        ),
        ops.AddField(
            model_name="Shipment",
            name="service",
            field=fields.CharField(
                null=True,
                description='The carrier\'s service (e.g. "express"), when the shop told us: transit times differ.',
                max_length=64,
            ),
        ),
    ]
