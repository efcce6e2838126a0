"""The notification outbox and merchants’ message templates."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant
from portal.models.orders import Customer
from portal.models.tracking import Shipment


class Channel(StrEnum):
    """The ways a message reaches a customer, in the order a new merchant offers them."""

    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    #: Web push to the browsers that subscribed on a shipment's tracking page.
    PUSH = "push"


class MessageState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DuplicateMessage(IntegrityError):
    """An outbox message whose ``unique_key`` is taken: the same message was written before."""


class OutboxMessage(Model):
    """A message to send, written with its cause — ``unique_key`` forbids a second copy.

    Saving a new message whose key exists raises :class:`DuplicateMessage` (an
    ``IntegrityError``) on both engines. SQLite enforces the key with a unique index, so
    the insert itself fails. On PostgreSQL the table is partitioned by month and the key
    lives in ``outbox_message_key``, whose ``BEFORE INSERT`` trigger leaves a copy out
    silently (migration 0023, :mod:`portal.history.convert`): the insert succeeds, returns
    no row and the message stays without an id. :meth:`save` turns that into the same
    error, so a caller cannot take a message that was never stored for a new one.

    Writers that expect copies (the composer, survey follow-ups) use
    ``bulk_create(..., ignore_conflicts=True)``, which skips a copy on both engines. A
    ``bulk_create`` without it is not checked: on PostgreSQL it skips a copy too.
    """

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="messages", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int | None
    shipment: fields.ForeignKeyNullableRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    shipment_id: int | None
    channel = fields.CharEnumField(Channel, max_length=16)
    recipient = fields.CharField(max_length=254)
    trigger = fields.CharField(max_length=64)
    #: (subject, trigger, channel) — e.g. "shipment:12:delivered:email".
    unique_key = fields.CharField(max_length=255, unique=True)
    locale = fields.CharField(max_length=16, default="en")
    subject = fields.CharField(max_length=500, default="")
    body_text = fields.TextField(default="")
    body_html: str | None = fields.TextField(null=True)
    state = fields.CharEnumField(MessageState, default=MessageState.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    scheduled_for = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    provider_id = fields.CharField(max_length=100, null=True, db_index=True)
    #: Provider’s delivery receipt (Twilio MessageStatus, SMTP reply).
    delivery_status = fields.CharField(max_length=32, null=True)
    error: str | None = fields.TextField(null=True)
    #: What a channel needs beyond the text: a WhatsApp template (``content_sid``,
    #: ``variables``), a web push notification's ``title`` and ``url``.
    payload: dict[str, Any] | None = json_field(null=True)
    #: Set just before the provider is called, cleared with the outcome: a row still
    #: carrying it after its lease lapsed was being sent by an attempt that died.
    attempt_id = fields.CharField(max_length=32, null=True)
    sending_since = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_message"
        indexes = (("state", "scheduled_for"),)

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        """Save as Tortoise does; :class:`DuplicateMessage` when PostgreSQL's key trigger
        left a new message out (see the class's docstring)."""
        taken = f"an outbox message with unique_key {self.unique_key!r} already exists"
        try:
            await super().save(using_db, update_fields, force_create, force_update)
        except IntegrityError as exc:
            if "outbox_message.unique_key" in str(exc):  # SQLite's unique index
                raise DuplicateMessage(taken) from exc
            raise
        if self.pk is None:  # PostgreSQL: inserted with a generated id, no row came back
            self._saved_in_db = False
            raise DuplicateMessage(taken)


class NotificationTemplate(Model):
    """A merchant’s override of a default template for one trigger, channel and locale."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="templates", on_delete=fields.CASCADE
    )
    merchant_id: int
    trigger = fields.CharField(max_length=64)
    channel = fields.CharEnumField(Channel, max_length=16)
    locale = fields.CharField(max_length=16)
    subject = fields.CharField(max_length=500, default="")
    body = fields.TextField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "notification_template"
        unique_together = (("merchant", "trigger", "channel", "locale"),)


class WhatsAppTemplate(Model):
    """A merchant's approved WhatsApp template (Twilio Content API) for one message kind
    and language: business-initiated WhatsApp messages may only use approved templates.

    ``variables`` lists, in order, the message variables that fill the template's
    ``{{1}}``, ``{{2}}``…: e.g. ``["customer_name", "order_number", "tracking_url"]``.
    """

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="whatsapp_templates", on_delete=fields.CASCADE
    )
    merchant_id: int
    trigger = fields.CharField(max_length=64)
    locale = fields.CharField(max_length=16)
    content_sid = fields.CharField(max_length=64)
    variables: list[str] = json_field(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "whatsapp_template"
        unique_together = (("merchant", "trigger", "locale"),)


class PushSubscription(Model):
    """A browser that asked, on one shipment's tracking page, to be notified about it.

    It belongs to that shipment only (no account), is removed from the page or when the
    push service answers 404/410, and ends with the shipment (``expires_at``).
    """

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="push_subscriptions", on_delete=fields.CASCADE
    )
    merchant_id: int
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="push_subscriptions", on_delete=fields.CASCADE
    )
    shipment_id: int
    endpoint = fields.CharField(max_length=1000)
    #: The browser's P-256 public key and auth secret, base64url as the browser gives them.
    p256dh = fields.CharField(max_length=200)
    auth = fields.CharField(max_length=100)
    #: A hash of ``endpoint``: one row per browser and shipment.
    endpoint_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "push_subscription"
        unique_together = (("shipment", "endpoint_hash"),)
