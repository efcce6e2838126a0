"""Delivery predictions: the business-day calendar, learned transit times, stored
predictions, and the late / stuck episodes they let us catch.

All four are written by :mod:`portal.tracking.prediction` (the calendar and the learned
figures by its nightly recomputation, predictions at each carrier stage, episodes by the
late/stuck job); nothing here is entered by a person.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant
from portal.models.tracking import Shipment


class BusinessDay(Model):
    """One calendar day of one country with its running count of business days.

    ``ordinal`` counts the business days of the country from the start of the table up to
    and including ``day`` (a weekend or public holiday repeats the previous count), so the
    business days between two dates are one subtraction, which SQL can do over a million
    shipments in one join.
    """

    id = fields.IntField(primary_key=True)
    country = fields.CharField(max_length=2)
    day = fields.DateField()
    ordinal = fields.IntField()
    is_business = fields.BooleanField()

    class Meta:
        table = "business_day"
        unique_together = (("country", "day"),)


class TransitStat(Model):
    """Percentiles of settled transit times (business days in the destination country)
    for one group of parcels, from one stage to delivery.

    A group is a carrier with, at finer levels, a service, origin and destination country
    and the destination's postcode prefix; ``merchant_id`` is None for the figures of every
    shop together. Empty strings stand for "any" in coarser levels.
    """

    id = fields.IntField(primary_key=True)
    merchant_id = fields.IntField(null=True)
    #: 0 = finest (prefix) … 3 = carrier only.
    level = fields.SmallIntField()
    carrier_key = fields.CharField(max_length=64)
    service = fields.CharField(max_length=64, default="")
    origin_country = fields.CharField(max_length=2, default="")
    dest_country = fields.CharField(max_length=2, default="")
    postcode_prefix = fields.CharField(max_length=8, default="")
    stage = fields.CharField(max_length=32)
    samples = fields.IntField()
    p10 = fields.IntField()
    p50 = fields.IntField()
    p90 = fields.IntField()
    computed_at = fields.DatetimeField()

    class Meta:
        table = "transit_stat"
        indexes = (("carrier_key", "dest_country"),)


class ScanGap(Model):
    """How long a carrier usually goes without a scan at one stage (hours, 90th
    percentile of the gaps after a scan of that status in settled history)."""

    id = fields.IntField(primary_key=True)
    carrier_key = fields.CharField(max_length=64)
    stage = fields.CharField(max_length=32)
    samples = fields.IntField()
    p90_hours = fields.FloatField()
    computed_at = fields.DatetimeField()

    class Meta:
        table = "scan_gap"
        unique_together = (("carrier_key", "stage"),)


class ShipmentPrediction(Model):
    """A delivery window we predicted for a shipment, kept as made so that accuracy is
    measured against what was said at the time, not against a later revision."""

    id = fields.BigIntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="predictions", on_delete=fields.CASCADE
    )
    shipment_id: int
    merchant_id = fields.IntField()
    #: The stage the prediction was made at: first_scan, in_transit, out_for_delivery.
    stage = fields.CharField(max_length=32)
    made_at = fields.DatetimeField()
    window_start = fields.DateField()
    window_end = fields.DateField()
    expected = fields.DateField()
    #: The carrier's own date when we predicted, for the side-by-side accuracy figures.
    carrier_eta = fields.DateField(null=True)
    #: Which figures it came from: the level and whether they were the shop's own.
    basis: dict[str, Any] = json_field(default=dict)

    class Meta:
        table = "shipment_prediction"
        unique_together = (("shipment", "stage"),)


class AlertKind(StrEnum):
    LATE = "late"
    STUCK = "stuck"


class ShipmentAlert(Model):
    """One late or stuck episode of a shipment: raised once, closed by delivery (late) or
    by the next scan (stuck). The unique key makes a second worker's copy impossible."""

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="shipment_alerts", on_delete=fields.CASCADE
    )
    merchant_id: int
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="alerts", on_delete=fields.CASCADE
    )
    shipment_id: int
    kind = fields.CharEnumField(AlertKind, max_length=16)
    #: When the episode began: the end of the missed window, or the last scan.
    started_at = fields.DatetimeField()
    raised_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    detail: dict[str, Any] = json_field(default=dict)

    class Meta:
        table = "shipment_alert"
        unique_together = (("shipment", "kind", "started_at"),)
        indexes = (("kind", "ended_at"),)
