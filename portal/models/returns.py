"""Return policies, nested reasons, return requests with their items, and exchanges."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.columns import nullable_enum
from portal.models.json_field import json_field
from portal.models.merchants import Merchant
from portal.models.orders import Customer, Order, OrderItem, ProductVariant
from portal.models.tracking import Shipment


class ReturnState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"
    AWAITING_SHIPMENT = "awaiting_shipment"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    INSPECTED = "inspected"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Resolution(StrEnum):
    REFUND = "refund"
    STORE_CREDIT = "store_credit"
    EXCHANGE = "exchange"
    KEEP_ITEM = "keep_item"


class ReturnKind(StrEnum):
    """A return under the shop's policy, or the statutory withdrawal from the contract."""

    RETURN = "return"
    WITHDRAWAL = "withdrawal"


class ReturnMethod(StrEnum):
    DROP_OFF_LABEL = "drop_off_label"
    DROP_OFF_QR = "drop_off_qr"
    CARRIER_PICKUP = "carrier_pickup"
    IN_STORE = "in_store"


def default_resolutions() -> list[str]:
    return ["refund", "store_credit", "exchange"]


def default_methods() -> list[str]:
    return ["drop_off_label", "drop_off_qr"]


class ReturnPolicy(Model):
    """A merchant’s rules for returns — the active one applies to new requests."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="return_policies", on_delete=fields.CASCADE
    )
    merchant_id: int
    name = fields.CharField(max_length=200, default="Standard")
    is_active = fields.BooleanField(default=True)
    #: Counted from the carrier’s delivered time.
    window_days = fields.IntField(default=30)
    #: Without a delivery scan: ship date + this margin starts the window.
    no_scan_margin_days = fields.IntField(default=7)
    #: Allow returns before the carrier's delivery scan ("refuse at the door" shops).
    returns_before_delivery = fields.BooleanField(default=False)
    ineligible_categories: list[str] = json_field(default=list)
    final_sale_categories: list[str] = json_field(default=list)
    resolutions: list[str] = json_field(default=default_resolutions)
    store_credit_bonus_percent = fields.DecimalField(max_digits=5, decimal_places=2, default=0)
    keep_item_threshold = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    return_shipping_fee = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    restocking_fee_percent = fields.DecimalField(max_digits=5, decimal_places=2, default=0)
    #: e.g. {"exchange": true, "reasons": ["damaged", "wrong_item"]}
    fee_waivers: dict[str, Any] = json_field(default=dict)
    #: e.g. {"reasons": [...], "max_value": "100.00", "max_returns_per_customer": 3}
    auto_approve_rules: dict[str, Any] = json_field(default=dict)
    methods: list[str] = json_field(default=default_methods)
    label_expiry_days = fields.IntField(default=14)
    #: Where return parcels go: name, line1, line2, city, region, postal_code, country.
    return_address: dict[str, Any] = json_field(default=dict)
    #: "approval" or "receipt": when an exchange reserves stock.
    reserve_stock_at = fields.CharField(max_length=16, default="approval")
    #: Whether EU consumer law (the 14-day right of withdrawal) applies. None follows the
    #: merchant's country (on for a shop established in the EU).
    eu_consumer_law = fields.BooleanField(null=True)
    #: The withdrawal period in days from delivery of the last item (never under 14).
    withdrawal_days = fields.IntField(default=14)
    #: The customer bears the direct cost of returning withdrawn goods (Art. 14(1)): the
    #: return shipping fee applies to a withdrawal only when this is on.
    withdrawal_customer_pays_return = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "return_policy"


class ReturnReason(Model):
    """A reason a customer can pick — ``parent`` nests them ("Doesn’t fit" → "Too small")."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="return_reasons", on_delete=fields.CASCADE
    )
    merchant_id: int
    parent: fields.ForeignKeyNullableRelation[ReturnReason] = fields.ForeignKeyField(
        "models.ReturnReason", related_name="children", null=True, on_delete=fields.CASCADE
    )
    parent_id: int | None
    code = fields.CharField(max_length=64)
    #: locale -> label
    labels: dict[str, Any] = json_field(default=dict)
    #: The line item categories (``OrderItem.category``) the reason applies to
    #: (empty or null: every category; a reason under a heading with an empty list takes
    #: the heading's). Null for reasons made before the column was (migration 0036).
    categories: list[str] | None = json_field(default=list, null=True)
    requires_photo = fields.BooleanField(default=False)
    requires_comment = fields.BooleanField(default=False)
    waives_fees = fields.BooleanField(default=False)
    position = fields.IntField(default=0)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "return_reason"
        unique_together = (("merchant", "code"),)


class ReturnRequest(Model):
    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="returns", on_delete=fields.CASCADE
    )
    merchant_id: int
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="returns", on_delete=fields.CASCADE
    )
    order_id: int
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="returns", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int | None
    #: The customer-facing RMA number.
    number = fields.CharField(max_length=32)
    kind = fields.CharEnumField(ReturnKind, default=ReturnKind.RETURN, max_length=16)
    state = fields.CharEnumField(ReturnState, default=ReturnState.REQUESTED, max_length=20)
    method = nullable_enum(ReturnMethod, max_length=20)
    return_shipment: fields.ForeignKeyNullableRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="return_requests", null=True, on_delete=fields.SET_NULL
    )
    return_shipment_id: int | None
    label_expires_at = fields.DatetimeField(null=True)
    currency = fields.CharField(max_length=3, default="USD")
    refund_total = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    credit_total = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    fees_total = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    customer_note = fields.TextField(default="")
    merchant_note = fields.TextField(default="")
    #: Makes a double submission of the same form create one request.
    submission_key = fields.CharField(max_length=64, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "return_request"
        unique_together = (("merchant", "number"),)
        indexes = (("merchant_id", "state"),)


class ReturnItem(Model):
    id = fields.IntField(primary_key=True)
    return_request: fields.ForeignKeyRelation[ReturnRequest] = fields.ForeignKeyField(
        "models.ReturnRequest", related_name="items", on_delete=fields.CASCADE
    )
    return_request_id: int
    order_item: fields.ForeignKeyRelation[OrderItem] = fields.ForeignKeyField(
        "models.OrderItem", related_name="return_items", on_delete=fields.CASCADE
    )
    order_item_id: int
    quantity = fields.IntField(default=1)
    reason: fields.ForeignKeyNullableRelation[ReturnReason] = fields.ForeignKeyField(
        "models.ReturnReason", related_name="items", null=True, on_delete=fields.SET_NULL
    )
    reason_id: int | None
    comment = fields.TextField(default="")
    #: Stored outside the web root — served only through an authorised view.
    photo_path = fields.CharField(max_length=500, null=True)
    resolution = fields.CharEnumField(Resolution, max_length=20)
    exchange_variant: fields.ForeignKeyNullableRelation[ProductVariant] = fields.ForeignKeyField(
        "models.ProductVariant", related_name="exchange_items", null=True, on_delete=fields.SET_NULL
    )
    exchange_variant_id: int | None
    amount = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    condition = fields.CharField(max_length=32, null=True)
    restock = fields.BooleanField(null=True)
    inspected_at = fields.DatetimeField(null=True)

    class Meta:
        table = "return_item"


class ReturnTransition(Model):
    """Every state change of a return, with who made it and when (audit trail)."""

    id = fields.IntField(primary_key=True)
    return_request: fields.ForeignKeyRelation[ReturnRequest] = fields.ForeignKeyField(
        "models.ReturnRequest", related_name="transitions", on_delete=fields.CASCADE
    )
    return_request_id: int
    from_state = nullable_enum(ReturnState, max_length=20)
    to_state = fields.CharEnumField(ReturnState, max_length=20)
    #: "customer", "system", "carrier" or "staff:<id>"
    actor = fields.CharField(max_length=64)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "return_transition"


class Exchange(Model):
    """An exchange of one returned item for another variant, with its outbound shipment."""

    id = fields.IntField(primary_key=True)
    return_item: fields.OneToOneRelation[ReturnItem] = fields.OneToOneField(
        "models.ReturnItem", related_name="exchange", on_delete=fields.CASCADE
    )
    return_item_id: int
    new_variant: fields.ForeignKeyRelation[ProductVariant] = fields.ForeignKeyField(
        "models.ProductVariant", related_name="exchanges", on_delete=fields.RESTRICT
    )
    new_variant_id: int
    outbound_order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="exchanges", null=True, on_delete=fields.SET_NULL
    )
    outbound_order_id: int | None
    outbound_shipment: fields.ForeignKeyNullableRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="exchanges", null=True, on_delete=fields.SET_NULL
    )
    outbound_shipment_id: int | None
    #: Positive: the customer pays more — negative: refunded the difference.
    price_difference = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    stock_reserved = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "exchange"


class CreditEntry(Model):
    """One line of a customer's store-credit ledger: credit issued (positive) or used
    (negative). The balance is the sum; a return issues its credit once (unique)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="credit_entries", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="credit_entries", on_delete=fields.CASCADE
    )
    customer_id: int
    return_request: fields.ForeignKeyNullableRelation[ReturnRequest] = fields.ForeignKeyField(
        "models.ReturnRequest",
        related_name="credit_entries",
        null=True,
        unique=True,
        on_delete=fields.SET_NULL,
    )
    return_request_id: int | None
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    currency = fields.CharField(max_length=3)
    #: Why, in the shop's words or ours ("Return R-1042", "Used at checkout").
    reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "credit_entry"
        indexes = (("customer_id", "created_at"),)
