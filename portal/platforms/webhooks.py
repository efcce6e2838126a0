"""Store webhooks: ``POST /webhooks/platforms/{connection}``, verified, deduplicated, applied.

A delivery counts only when its signature is the base64 HMAC-SHA256 of the raw body with
the connection's secret (Shopify: the app's secret in ``X-Shopify-Hmac-Sha256``;
WooCommerce: the secret Doorstep gave the webhook, in ``X-WC-Webhook-Signature``).
A forged one is answered 401 and counted; a delivery id seen before
(``X-Shopify-Webhook-Id``, ``X-WC-Webhook-Delivery-ID``) is a replay: answered 200, so the
store stops retrying, counted, and nothing is applied. The receipt and what the body
changes are written in one transaction, so a crash half-way lets the store's retry in.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from portal.crypto import DecryptionError
from portal.models import Platform, PlatformConnection, PlatformWebhookReceipt
from portal.platforms import shopify, signatures, woocommerce
from portal.platforms.base import PlatformError, ShopProduct
from portal.platforms.connections import client_for, credentials_of
from portal.platforms.sync import (
    SyncReport,
    Target,
    apply_order_parcels,
    apply_orders,
    apply_products,
    apply_refund,
)
from portal.settings import Settings
from portal.tracking import accounts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: int
    result: str
    report: SyncReport | None = None


def _secret(connection: PlatformConnection, credentials: dict[str, str]) -> str:
    if connection.platform == Platform.SHOPIFY:
        return credentials.get("app_secret", "")
    return credentials.get("webhook_secret", "")


def _headers(platform: Platform) -> tuple[str, str, str]:
    if platform == Platform.SHOPIFY:
        return shopify.SIGNATURE_HEADER, shopify.DELIVERY_HEADER, shopify.TOPIC_HEADER
    return woocommerce.SIGNATURE_HEADER, woocommerce.DELIVERY_HEADER, woocommerce.TOPIC_HEADER


async def handle(
    connection_id: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    settings: Settings,
    http: httpx.AsyncClient | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Verify, deduplicate and apply one delivery."""
    now = now or datetime.now(UTC)
    connection = await PlatformConnection.get_or_none(id=connection_id)
    if connection is None:
        return Outcome(404, "unknown_connection")
    platform = Platform(connection.platform)
    if platform in (Platform.PRESTASHOP, Platform.BASELINKER):
        return Outcome(404, "no_webhooks")  # neither sends any: nothing to trust
    signature_header, delivery_header, topic_header = _headers(platform)
    topic = headers.get(topic_header, "")
    if platform is Platform.WOOCOMMERCE and not topic and body.startswith(b"webhook_id="):
        return Outcome(200, "ping")  # WooCommerce checks the address when a hook is created
    try:
        credentials = credentials_of(settings, connection)
    except DecryptionError:
        return Outcome(503, "unavailable")
    if not signatures.verify(_secret(connection, credentials), body, headers.get(signature_header)):
        await PlatformConnection.filter(id=connection.id).update(
            webhooks_forged=F("webhooks_forged") + 1
        )
        log.warning("store %s: webhook with a bad signature refused", connection.id)
        return Outcome(401, "forged")
    delivery_id = headers.get(delivery_header, "").strip()
    if not delivery_id:
        return Outcome(400, "no_delivery_id")
    try:
        data = json.loads(body)
    except ValueError:
        return Outcome(400, "malformed")
    if not isinstance(data, dict):
        return Outcome(400, "malformed")
    if not connection.enabled or connection.paused_reason:
        return Outcome(503, "paused")
    product = None
    if topic in ("product.created", "product.updated"):
        # A variable product's variations are not in the body: read them first, outside
        # the transaction.
        product = await _woo_product(connection, settings, http, data)
    try:
        async with in_transaction() as conn:
            if (
                await PlatformWebhookReceipt.filter(
                    connection_id=connection.id, delivery_id=delivery_id[:200]
                )
                .using_db(conn)
                .exists()
            ):
                raise _Replay
            await PlatformWebhookReceipt.create(
                connection_id=connection.id,
                delivery_id=delivery_id[:200],
                topic=topic[:64],
                received_at=now,
                using_db=conn,
            )
            target = Target(connection, accounts.offered(settings), now, conn)
            report = await _apply(target, platform, topic, data, product)
    except (_Replay, IntegrityError):
        await PlatformConnection.filter(id=connection.id).update(
            webhooks_replayed=F("webhooks_replayed") + 1
        )
        return Outcome(200, "duplicate")
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("store %s: %s webhook not understood: %s", connection.id, topic, exc)
        return Outcome(400, "malformed")
    return Outcome(200, "applied" if report is not None else "ignored", report)


class _Replay(Exception):
    pass


async def _woo_product(
    connection: PlatformConnection,
    settings: Settings,
    http: httpx.AsyncClient | None,
    data: dict[str, Any],
) -> ShopProduct | None:
    if data.get("type") != "variable" or http is None:
        return woocommerce.parse_product(data, [])
    client = client_for(connection, settings, http)
    if not isinstance(client, woocommerce.WooCommerceClient):  # pragma: no cover
        return None
    try:
        return await client.product(data)
    except PlatformError:
        return None  # reconciliation reads it again


async def _apply(
    target: Target,
    platform: Platform,
    topic: str,
    data: dict[str, Any],
    product: ShopProduct | None,
) -> SyncReport | None:
    """What a topic changes; None for a topic Doorstep does not use."""
    if platform is Platform.SHOPIFY:
        if topic in ("orders/create", "orders/updated", "orders/cancelled"):
            return await apply_orders(target, [shopify.parse_order_webhook(data)])
        if topic in ("fulfillments/create", "fulfillments/update"):
            order_id, parcels = shopify.parse_fulfillment_webhook(data)
            applied = await apply_order_parcels(target, order_id, parcels)
            return applied or SyncReport(problems=[f"order {order_id} not synced yet"])
        if topic == "refunds/create":
            order_id, refund_id, amount = shopify.parse_refund_webhook(data)
            await apply_refund(target, order_id, refund_id, amount)
            return SyncReport()
        if topic in ("products/create", "products/update"):
            return await apply_products(target, [shopify.parse_product_webhook(data)])
        return None
    if topic in ("order.created", "order.updated"):
        return await apply_orders(target, [woocommerce.parse_order(data)])
    if topic in ("product.created", "product.updated") and product is not None:
        return await apply_products(target, [product])
    return None


async def platform_webhook(request: Request) -> Response:
    """Starlette endpoint for ``POST /webhooks/platforms/{connection:int}``."""
    settings: Settings = request.app.state.settings
    http = getattr(request.app.state, "http_client", None)
    outcome = await handle(
        int(request.path_params["connection"]),
        request.headers,
        await request.body(),
        settings=settings,
        http=http if isinstance(http, httpx.AsyncClient) else None,
    )
    return JSONResponse({"status": outcome.result}, status_code=outcome.status)
