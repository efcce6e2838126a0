"""Claims: a customer reports a parcel lost, damaged, sent back, not received, or the
wrong item; the shop resolves it with a reship, a refund or a reasoned rejection."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant
from portal.models.orders import Customer, Order
from portal.models.tracking import Shipment


class ClaimKind(StrEnum):
    LOST = "lost"
    DAMAGED = "damaged"
    RETURNED_TO_SENDER = "returned_to_sender"
    NOT_RECEIVED = "not_received"
    WRONG_ITEM = "wrong_item"


class ClaimState(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RESHIPPED = "reshipped"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class Claim(Model):
    """One problem with one parcel, from the customer's report to the shop's resolution."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="claims", on_delete=fields.CASCADE
    )
    merchant_id: int
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="claims", on_delete=fields.CASCADE
    )
    shipment_id: int
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="claims", null=True, on_delete=fields.SET_NULL
    )
    order_id: int | None
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="claims", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int | None
    number = fields.CharField(max_length=32)
    kind = fields.CharEnumField(ClaimKind, max_length=24)
    state = fields.CharEnumField(ClaimState, default=ClaimState.SUBMITTED, max_length=16)
    description = fields.TextField(default="")
    #: [{"order_item_id": 1, "sku": "…", "title": "…", "quantity": 1}] the claim is about
    items: list[dict[str, Any]] = json_field(default=list)
    #: Paths under ``settings.var_dir`` (served only to the shop's staff).
    photo_paths: list[str] = json_field(default=list)
    #: The customer stated that the parcel never reached them.
    not_received_statement = fields.BooleanField(default=False)
    locale = fields.CharField(max_length=16, default="en")
    refund_amount = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    rejection_reason = fields.TextField(default="")
    replacement_order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="replacing_claims", null=True, on_delete=fields.SET_NULL
    )
    replacement_order_id: int | None
    replacement_shipment: fields.ForeignKeyNullableRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="replacing_claims", null=True, on_delete=fields.SET_NULL
    )
    replacement_shipment_id: int | None
    #: "customer", "staff:<id>" of the last move
    resolved_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "claim"
        unique_together = (("merchant", "number"),)
        indexes = (("merchant_id", "state"),)
