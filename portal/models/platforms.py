"""Store platforms a merchant connected (Shopify, WooCommerce, PrestaShop, BaseLinker) and
what syncing them keeps.

A :class:`PlatformConnection` holds the store's address and credentials (encrypted like
carrier accounts) with its health; :class:`PlatformRecord` maps a platform's own id to the
row it became here, which is what makes every import idempotent; :class:`PlatformWebhookReceipt`
remembers each delivery id a store sent, so a replay changes nothing; :class:`PlatformPush`
is the queue of writes back to the store, so a slow store never holds up tracking.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant


class Platform(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    PRESTASHOP = "prestashop"
    BASELINKER = "baselinker"


class PlatformConnection(Model):
    """One store of a merchant: address, encrypted credentials, health and sync state."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="platform_connections", on_delete=fields.CASCADE
    )
    merchant_id: int
    platform = fields.CharEnumField(Platform, max_length=16)
    #: ``https://example.myshopify.com`` or the WordPress site's address, no trailing slash.
    shop_url = fields.CharField(max_length=300)
    #: Shopify: access_token and app_secret. WooCommerce: consumer_key, consumer_secret,
    #: webhook_secret (chosen by Doorstep when it registers its webhooks). PrestaShop:
    #: api_key (the Webservice key). BaseLinker: api_token.
    credentials_encrypted = fields.TextField()
    enabled = fields.BooleanField(default=True)
    #: Set when the store refused the credentials (401/403): syncing stops until fixed.
    paused_reason: str | None = fields.TextField(null=True)
    #: Writes back to the store, each turned on by the merchant.
    write_tracking = fields.BooleanField(default=True)
    write_returns = fields.BooleanField(default=False)
    #: BaseLinker: the merchant's order status (``getOrderStatusList`` id) an order is
    #: moved to when its parcel is delivered; None writes nothing back.
    delivered_status_id = fields.IntField(null=True)
    #: BaseLinker: the account's order statuses as last read (``[[id, name], …]`` in the
    #: account's order) and when, so the Stores screen's picker does not ask on every
    #: render (:func:`portal.platforms.connections.known_order_statuses`).
    order_statuses: list[list[str]] | None = json_field(null=True)
    order_statuses_read_at = fields.DatetimeField(null=True)
    last_sync_at = fields.DatetimeField(null=True)
    #: The newest ``updated_at`` seen by a complete sync: reconciliation restarts there.
    synced_until = fields.DatetimeField(null=True)
    next_sync_at = fields.DatetimeField(null=True)
    sync_lease_until = fields.DatetimeField(null=True)
    last_error: str | None = fields.TextField(null=True)
    last_error_at = fields.DatetimeField(null=True)
    #: [{"topic": "orders/create", "id": "gid://shopify/WebhookSubscription/1"}, ...]
    webhooks: list[dict[str, Any]] = json_field(default=list)
    #: BaseLinker's event journal (``getJournalList``): the last entry read, whether the
    #: account's journal answers (``on``), was found silent (``off``: the merchant was told
    #: once) or is not known yet (None), and when it was last read.
    journal_log_id = fields.BigIntField(null=True)
    journal = fields.CharField(max_length=8, null=True)
    journal_read_at = fields.DatetimeField(null=True)
    webhooks_forged = fields.IntField(default=0)
    webhooks_replayed = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "platform_connection"
        unique_together = (("merchant", "platform", "shop_url"),)


class RecordKind(StrEnum):
    ORDER = "order"
    PRODUCT = "product"
    #: One tracking number of a fulfilment: external id ``<fulfilment id>/<number>``.
    PARCEL = "parcel"
    #: A line item the store added to an order for an exchange Doorstep wrote back
    #: (Shopify's ``exchangeLineItems``): local id Doorstep's replacement order, which the
    #: parcel shipping that line item belongs to.
    EXCHANGE_LINE = "exchange_line"


class PlatformRecord(Model):
    """A platform id and the row it became here (an order, a product, a shipment)."""

    id = fields.IntField(primary_key=True)
    connection: fields.ForeignKeyRelation[PlatformConnection] = fields.ForeignKeyField(
        "models.PlatformConnection", related_name="records", on_delete=fields.CASCADE
    )
    connection_id: int
    kind = fields.CharEnumField(RecordKind, max_length=16)
    external_id = fields.CharField(max_length=200)
    #: Order id, shipment id, or 0 for a product (products are keyed by ``product_ref``).
    local_id = fields.IntField()
    #: The platform's own ``updated_at``: an older copy never overwrites a newer one.
    remote_updated_at = fields.DatetimeField(null=True)
    #: What the store says that has no column here: an order's cancellation and refunds,
    #: a parcel's fulfilment id and order id (to write tracking back).
    data: dict[str, Any] = json_field(default=dict)

    class Meta:
        table = "platform_record"
        unique_together = (("connection", "kind", "external_id"),)
        indexes = (("kind", "local_id"),)


class PlatformWebhookReceipt(Model):
    """A webhook delivery accepted once: the same delivery id again is a replay."""

    id = fields.BigIntField(primary_key=True)
    connection: fields.ForeignKeyRelation[PlatformConnection] = fields.ForeignKeyField(
        "models.PlatformConnection", related_name="receipts", on_delete=fields.CASCADE
    )
    connection_id: int
    delivery_id = fields.CharField(max_length=200)
    topic = fields.CharField(max_length=64)
    received_at = fields.DatetimeField()

    class Meta:
        table = "platform_webhook_receipt"
        unique_together = (("connection", "delivery_id"),)


class PushState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class PlatformPush(Model):
    """One write back to a store (a tracking status, a return's outcome), sent by a job."""

    id = fields.BigIntField(primary_key=True)
    connection: fields.ForeignKeyRelation[PlatformConnection] = fields.ForeignKeyField(
        "models.PlatformConnection", related_name="pushes", on_delete=fields.CASCADE
    )
    connection_id: int
    #: ``tracking`` or ``return``.
    kind = fields.CharField(max_length=16)
    #: One push per cause: ``<shipment id>:<status>`` or ``<return id>``.
    dedupe_key = fields.CharField(max_length=100)
    payload: dict[str, Any] = json_field(default=dict)
    state = fields.CharEnumField(PushState, default=PushState.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    last_error: str | None = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "platform_push"
        unique_together = (("connection", "kind", "dedupe_key"),)
        indexes = (("state", "next_attempt_at"),)
