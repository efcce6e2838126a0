"""Merchants’ outgoing webhook endpoints and the log of every delivery."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant
from portal.models.tracking import DomainEvent


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(Model):
    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    merchant_id: int
    url = fields.CharField(max_length=500)
    description = fields.CharField(max_length=200, default="")
    #: Signing secret, encrypted like carrier credentials.
    secret_encrypted = fields.TextField()
    #: e.g. ["shipment.status_changed", "return.*"]
    topics: list[str] = json_field(default=list)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_endpoint"


class WebhookDelivery(Model):
    """One event sent (or to be sent) to one endpoint — retried with backoff."""

    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    event: fields.ForeignKeyNullableRelation[DomainEvent] = fields.ForeignKeyField(
        "models.DomainEvent",
        related_name="webhook_deliveries",
        null=True,
        on_delete=fields.SET_NULL,
    )
    event_id: int | None
    topic = fields.CharField(max_length=64)
    payload: dict[str, Any] = json_field(default=dict)
    state = fields.CharEnumField(DeliveryState, default=DeliveryState.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    response_status = fields.IntField(null=True)
    response_excerpt: str | None = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_delivery"
        unique_together = (("endpoint", "event"),)
        #: (endpoint, created_at, id) serves the delivery log: one endpoint's rows newest
        #: first, paged by (created_at, id) (0031; on PostgreSQL a partitioned index).
        indexes = (("state", "next_attempt_at"), ("endpoint_id", "created_at", "id"))
