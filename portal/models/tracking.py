"""Shipments, their carrier events, and the domain events a status change emits."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from carriers.base import Reason, Status
from portal.models.columns import nullable_enum
from portal.models.json_field import json_field
from portal.models.merchants import CarrierAccount, Merchant
from portal.models.orders import Order


class Direction(StrEnum):
    OUTBOUND = "outbound"
    RETURN = "return"


class EventSource(StrEnum):
    POLL = "poll"
    PUSH = "push"
    REFRESH = "refresh"
    IMPORT = "import"
    MANUAL = "manual"


class Shipment(Model):
    """One parcel with one tracking number — its status is the latest carrier picture."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="shipments", on_delete=fields.CASCADE
    )
    merchant_id: int
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="shipments", null=True, on_delete=fields.SET_NULL
    )
    order_id: int | None
    carrier_account: fields.ForeignKeyNullableRelation[CarrierAccount] = fields.ForeignKeyField(
        "models.CarrierAccount", related_name="shipments", null=True, on_delete=fields.SET_NULL
    )
    carrier_account_id: int | None
    carrier_key = fields.CharField(max_length=64)
    #: True when a person chose the carrier, so detection never overrides it.
    carrier_pinned = fields.BooleanField(default=False)
    tracking_number = fields.CharField(max_length=64)
    direction = fields.CharEnumField(Direction, default=Direction.OUTBOUND, max_length=16)
    status = fields.CharEnumField(Status, default=Status.PENDING, max_length=32)
    reason = nullable_enum(Reason, max_length=32)
    estimated_delivery = fields.DateField(null=True)
    eta_window_start = fields.DatetimeField(null=True)
    eta_window_end = fields.DatetimeField(null=True)
    #: The first ETA we ever saw: on-time analytics measure against it.
    first_estimated_delivery = fields.DateField(null=True)
    #: The carrier's service (e.g. "express"), when the shop told us: transit times differ.
    service = fields.CharField(max_length=64, null=True)
    #: Where the parcel leaves from (ISO country), when the shop told us.
    origin_country = fields.CharField(max_length=2, null=True)
    #: Our latest predicted delivery window (:mod:`portal.tracking.prediction`).
    predicted_start = fields.DateField(null=True)
    predicted_end = fields.DateField(null=True)
    shipped_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    signed_by = fields.CharField(max_length=200, null=True)
    carrier_url = fields.CharField(max_length=500, null=True)
    #: The locker, shop or post office the parcel goes to or waits at, as the carrier last
    #: described it (:func:`portal.core.pickup.to_json`). It holds the pickup code
    #: when the carrier gives one: only a viewer who proved they are the customer sees it.
    pickup_point: dict[str, Any] | None = json_field(null=True)
    #: Last moment to collect from the pickup point (UTC): a column so reminders can query
    #: it (migration 0011 indexes the shipments that have one).
    pickup_deadline = fields.DatetimeField(null=True)
    last_event_at = fields.DatetimeField(null=True)
    last_polled_at = fields.DatetimeField(null=True)
    next_poll_at = fields.DatetimeField(null=True, db_index=True)
    #: Consecutive failed polls of this shipment (drives its backoff).
    poll_failures = fields.IntField(default=0)
    last_error: str | None = fields.TextField(null=True)
    #: The carrier adapter's digest of its last polled answer for this parcel (adapters
    #: that set ``accepts_digests``): an answer with the same digest is not parsed again.
    poll_digest = fields.CharField(
        max_length=64,
        null=True,
        description="Digest of the carrier's last polled answer: an unchanged one is skipped.",
    )
    #: Lease that collapses concurrent on-demand refreshes into one carrier call.
    refresh_lease_until = fields.DatetimeField(null=True)
    #: The instant it becomes late (UTC); None without an open promise.
    # The midnight after its promise's last day on its delivery calendar
    # (:mod:`portal.tracking.late_clock`): the late watch reads only the parcels whose
    # instant has come, through the partial index migration 0041 makes on (late_at, id).
    late_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    #: Filled in by Tortoise from TrackingEvent.shipment; declared for the type checker.
    events: fields.ReverseRelation[TrackingEvent]

    class Meta:
        table = "shipment"
        unique_together = (("merchant", "carrier_key", "tracking_number"),)
        indexes = (("merchant_id", "status"), ("tracking_number",))


class TrackingEvent(Model):
    """A carrier scan as normalised, kept with the carrier’s own code and text."""

    id = fields.BigIntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="events", on_delete=fields.CASCADE
    )
    shipment_id: int
    occurred_at = fields.DatetimeField()
    status = fields.CharEnumField(Status, max_length=32)
    reason = nullable_enum(Reason, max_length=32)
    carrier_code = fields.CharField(max_length=64, default="")
    description = fields.TextField(default="")
    city = fields.CharField(max_length=100, null=True)
    region = fields.CharField(max_length=100, null=True)
    postal_code = fields.CharField(max_length=20, null=True)
    country = fields.CharField(max_length=2, null=True)
    #: carrier code + time + place: the same scan seen twice is stored once.
    dedupe_key = fields.CharField(max_length=255)
    source = fields.CharEnumField(EventSource, default=EventSource.POLL, max_length=16)
    recorded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tracking_event"
        unique_together = (("shipment", "dedupe_key"),)
        indexes = (("shipment_id", "occurred_at"),)


class DomainEvent(Model):
    """Something that happened (``shipment.status_changed``, ``return.approved``, ...).

    Written in the same transaction as its cause. Notifications, returns, surveys and
    outgoing webhooks consume it.
    """

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="domain_events", on_delete=fields.CASCADE
    )
    merchant_id: int
    kind = fields.CharField(max_length=64)
    subject_type = fields.CharField(max_length=32)
    subject_id = fields.IntField()
    payload: dict[str, Any] = json_field(default=dict)
    occurred_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "domain_event"
        indexes = (("processed_at", "id"), ("subject_type", "subject_id"))
