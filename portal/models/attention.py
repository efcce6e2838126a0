"""The merchant's attention queue: one row per episode of something a person should look at
(a late, stuck or failed parcel, a parcel sent back, an unhappy survey answer, a claim).

An *episode* starts when its cause first happens (``since``) and ends when the situation
does (delivery ends *late* and *stuck*, any later scan ends an *exception*); the row is then
``closed``. ``episode`` names it (kind, subject and start) and is unique per merchant, so the
same cause seen twice (a re-delivered event, two processes at once) never makes two rows:
the database is the guard. A person may mark the item resolved, or record that they
contacted the carrier; both keep who and when.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant
from portal.models.surveys import Survey
from portal.models.tracking import Shipment


class AttentionKind(StrEnum):
    LATE = "late"
    STUCK = "stuck"
    EXCEPTION = "exception"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNED_TO_SENDER = "returned_to_sender"
    UNHAPPY_ANSWER = "unhappy_answer"
    #: A claim against the carrier (lost or damaged); raised by hand or by a claims flow.
    CLAIM = "claim"


class AttentionItem(Model):
    """One episode that needs a person."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="attention_items", on_delete=fields.CASCADE
    )
    merchant_id: int
    kind = fields.CharEnumField(AttentionKind, max_length=32)
    shipment: fields.ForeignKeyNullableRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="attention_items", null=True, on_delete=fields.CASCADE
    )
    shipment_id: int | None
    survey: fields.ForeignKeyNullableRelation[Survey] = fields.ForeignKeyField(
        "models.Survey", related_name="attention_items", null=True, on_delete=fields.CASCADE
    )
    survey_id: int | None
    #: The shipment's carrier, copied for the queue's filter.
    carrier_key = fields.CharField(max_length=64, null=True)
    #: When the episode started.
    since = fields.DatetimeField()
    #: ``kind:subject:id:since``: one row per episode.
    episode = fields.CharField(max_length=160)
    #: What the cause said (reason, score, question).
    detail: dict[str, Any] = json_field(default=dict)
    opened_at = fields.DatetimeField(auto_now_add=True)
    #: The episode ended on its own (delivered, moving again).
    closed_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    #: Who resolved it: a staff user's e-mail or ``API key <name>``.
    resolved_by = fields.CharField(max_length=200, null=True)
    carrier_contacted_at = fields.DatetimeField(null=True)
    carrier_contacted_by = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "attention_item"
        unique_together = (("merchant", "episode"),)
        indexes = (("merchant_id", "closed_at", "resolved_at"), ("shipment_id", "kind"))

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.resolved_at is None
