"""The record of a customer's personal data erased: who did it and when.

It keeps the customer's id (not a foreign key, so nothing about the person is needed to
keep it) and counts of what was anonymised, so the shop can show it complied.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant


class Erasure(Model):
    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="erasures", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer_id = fields.IntField()
    #: "staff:<id>", "api_key:<id>" or "cli"
    actor = fields.CharField(max_length=64)
    #: table -> rows changed
    counts: dict[str, Any] = json_field(default=dict)
    erased_at = fields.DatetimeField()

    class Meta:
        table = "erasure"
        indexes = (("merchant_id", "customer_id"),)
