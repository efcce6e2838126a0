"""Withdrawal statements: what a customer declared through the withdrawal function.

A row is the statement as submitted (Article 11a of Directive 2011/83/EU): who, which
order and items, the address for the acknowledgement, and the moment it was submitted.
The acknowledgement itself is the outbox message sent for it, kept as sent.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant
from portal.models.messaging import OutboxMessage
from portal.models.orders import Customer, Order
from portal.models.returns import ReturnRequest


class Withdrawal(Model):
    """One withdrawal statement: ``submission_key`` makes a double submit one row."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="withdrawals", on_delete=fields.CASCADE
    )
    merchant_id: int
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="withdrawals", on_delete=fields.CASCADE
    )
    order_id: int
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="withdrawals", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int | None
    return_request: fields.ForeignKeyNullableRelation[ReturnRequest] = fields.ForeignKeyField(
        "models.ReturnRequest", related_name="withdrawals", null=True, on_delete=fields.SET_NULL
    )
    return_request_id: int | None
    acknowledgement: fields.ForeignKeyNullableRelation[OutboxMessage] = fields.ForeignKeyField(
        "models.OutboxMessage", related_name="withdrawals", null=True, on_delete=fields.SET_NULL
    )
    acknowledgement_id: int | None
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254)
    #: [{"order_item_id": 1, "title": "…", "sku": "…", "quantity": 1}, …] as declared
    items: list[dict[str, Any]] = json_field(default=list)
    locale = fields.CharField(max_length=16, default="en")
    submitted_at = fields.DatetimeField()
    submission_key = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "withdrawal"
        indexes = (("merchant_id", "submitted_at"),)
