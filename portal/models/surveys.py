"""Surveys sent after an outcome settles, and their answers (CSAT, NPS, CES, custom)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant
from portal.models.orders import Customer
from portal.models.returns import ReturnRequest
from portal.models.tracking import Shipment


class Outcome(StrEnum):
    SMOOTH = "smooth"
    LATE = "late"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    LOST_OR_DAMAGED = "lost_or_damaged"
    RETURN = "return"
    EXCHANGE = "exchange"


class Metric(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    CES = "ces"
    CUSTOM = "custom"


class Survey(Model):
    """One survey for one outcome — opened through a signed, single-use link."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="surveys", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="surveys", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int | None
    shipment: fields.ForeignKeyNullableRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="surveys", null=True, on_delete=fields.SET_NULL
    )
    shipment_id: int | None
    return_request: fields.ForeignKeyNullableRelation[ReturnRequest] = fields.ForeignKeyField(
        "models.ReturnRequest", related_name="surveys", null=True, on_delete=fields.SET_NULL
    )
    return_request_id: int | None
    outcome = fields.CharEnumField(Outcome, max_length=20)
    #: Ordered question keys asked, e.g. ["ces_delivery", "csat_delivery"].
    questions: list[str] = json_field(default=list)
    locale = fields.CharField(max_length=16, default="en")
    #: SHA-256 of the single-use token in the link.
    token_hash = fields.CharField(max_length=64, unique=True)
    sent_at = fields.DatetimeField(null=True)
    opened_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "survey"
        indexes = (("merchant_id", "created_at"), ("customer_id", "created_at"))


class SurveyAnswer(Model):
    """One answer — carrier, outcome and return reason are copied in so analytics need no joins."""

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="survey_answers", on_delete=fields.CASCADE
    )
    merchant_id: int
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "models.Survey", related_name="answers", on_delete=fields.CASCADE
    )
    survey_id: int
    question = fields.CharField(max_length=64)
    metric = fields.CharEnumField(Metric, max_length=16)
    score = fields.SmallIntField(null=True)
    comment: str | None = fields.TextField(null=True)
    carrier_key = fields.CharField(max_length=64, null=True)
    outcome = fields.CharEnumField(Outcome, max_length=20)
    return_reason = fields.CharField(max_length=64, null=True)
    answered_at = fields.DatetimeField()

    class Meta:
        table = "survey_answer"
        unique_together = (("survey", "question"),)
        indexes = (("merchant_id", "metric", "answered_at"),)
