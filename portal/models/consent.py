"""Consent history: every change to whether a customer may be messaged on a channel.

``Customer.email_opt_in`` / ``sms_opt_in`` hold the current answer the dispatcher reads;
each row here says when it changed, to what, and who or what changed it, so a shop can
show where a consent came from (the checkout, an import, a STOP reply) and a customer's
data export can list it.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from portal.models.messaging import Channel
from portal.models.orders import Customer


class ConsentSource(StrEnum):
    """Where a consent change came from."""

    API = "api"
    CSV = "csv"
    WORKSPACE = "workspace"
    PREFERENCES = "preferences"
    SMS_REPLY = "sms_reply"
    WHATSAPP_REPLY = "whatsapp_reply"
    UNSUBSCRIBE = "unsubscribe"
    CARRIER_ERROR = "carrier_error"
    PLATFORM = "platform"


class ConsentChange(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="consent_changes", on_delete=fields.CASCADE
    )
    customer_id: int
    channel = fields.CharEnumField(Channel, max_length=16)
    granted = fields.BooleanField()
    source = fields.CharEnumField(ConsentSource, max_length=32)
    #: Who or what, in a few words: a staff member's e-mail, "STOP", an import's file name.
    detail = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "consent_change"
        indexes = (("customer_id", "created_at"),)
