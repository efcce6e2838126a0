"""WooCommerce through REST API keys (``/wp-json/wc/v3``, HTTP Basic over HTTPS).

HTTP here, pure parsing in the ``parse_*`` functions. Listings are paged with ``page`` and
``per_page``; the next page is the ``Link: <…>; rel="next"`` address when the site sends
one, otherwise the page number while it is below ``X-WP-TotalPages``. Parcels come from
the Shipment Tracking extension (the ``_wc_shipment_tracking_items`` order meta, and its
own REST API for writing back); WooCommerce itself has no fulfilments.
Shapes: https://woocommerce.github.io/woocommerce-rest-api-docs/ (see
tests/fixtures/woocommerce/SOURCE.md).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from portal.platforms.base import (
    Page,
    PlatformError,
    ShopAddress,
    ShopCustomer,
    ShopItem,
    ShopOrder,
    ShopParcel,
    ShopProduct,
    ShopVariant,
)
from portal.platforms.transport import Transport

CREDENTIAL_FIELDS = ("consumer_key", "consumer_secret")
#: Webhook topics Doorstep creates (refunds and cancellations arrive as order.updated).
TOPICS = ("order.created", "order.updated", "product.created", "product.updated")
SIGNATURE_HEADER = "X-WC-Webhook-Signature"
DELIVERY_HEADER = "X-WC-Webhook-Delivery-ID"
TOPIC_HEADER = "X-WC-Webhook-Topic"
TRACKING_META = "_wc_shipment_tracking_items"


def _time(value: str | None) -> datetime | None:
    """WooCommerce's ``*_gmt`` fields: ISO 8601 without an offset, in UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _money(value: Any) -> Decimal:
    try:
        return abs(Decimal(str(value or "0")))
    except ArithmeticError:
        return Decimal("0")


def _meta(record: dict[str, Any], key: str) -> Any:
    for meta in record.get("meta_data") or []:
        if meta.get("key") == key:
            return meta.get("value")
    return None


def parse_parcels(order: dict[str, Any]) -> list[ShopParcel] | None:
    """The Shipment Tracking extension's items on the order; None when it has none."""
    items = _meta(order, TRACKING_META)
    if not isinstance(items, list):
        return None
    return [
        ShopParcel(
            str(item.get("tracking_id") or item["tracking_number"]),
            str(item["tracking_number"]),
            item.get("tracking_provider") or item.get("custom_tracking_provider") or None,
        )
        for item in items
        if item.get("tracking_number")
    ]


def _item_options(item: dict[str, Any]) -> dict[str, str]:
    """A line item's variation attributes (its visible meta; ``_`` keys are internal)."""
    return {
        str(m.get("display_key") or m["key"]): str(m.get("display_value") or m["value"])
        for m in item.get("meta_data") or []
        if not str(m.get("key", "_")).startswith("_") and isinstance(m.get("value"), str)
    }


def parse_order(body: dict[str, Any]) -> ShopOrder:
    billing = body.get("billing") or {}
    shipping = body.get("shipping") or {}
    name = " ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p)
    email = (billing.get("email") or "").lower()
    status = body.get("status") or ""
    return ShopOrder(
        external_id=str(body["id"]),
        number=str(body.get("number") or body["id"]),
        email=email,
        currency=body.get("currency") or "USD",
        placed_at=_time(body.get("date_created_gmt")) or datetime.now(UTC),
        updated_at=_time(body.get("date_modified_gmt")),
        customer=ShopCustomer(
            external_id=str(body["customer_id"]) if body.get("customer_id") else None,
            email=email or None,
            phone=billing.get("phone") or None,
            name=name,
        )
        if email or billing.get("phone")
        else None,
        address=ShopAddress(
            name=" ".join(p for p in (shipping.get("first_name"), shipping.get("last_name")) if p),
            line1=shipping.get("address_1") or "",
            line2=shipping.get("address_2") or "",
            city=shipping.get("city") or "",
            region=shipping.get("state") or "",
            postal_code=shipping.get("postcode") or "",
            country=shipping.get("country") or "",
        ),
        items=[
            ShopItem(
                external_id=str(item["id"]),
                sku=item.get("sku") or f"woo-{item.get('variation_id') or item.get('product_id')}",
                title=item.get("name") or "",
                quantity=int(item.get("quantity") or 1),
                unit_price=_money(item.get("price")),
                options={
                    str(m.get("display_key") or m["key"]): str(m.get("display_value") or m["value"])
                    for m in item.get("meta_data") or []
                    if not str(m.get("key", "_")).startswith("_")
                    and isinstance(m.get("value"), str)
                },
            )
            for item in body.get("line_items") or []
        ],
        parcels=parse_parcels(body),
        cancelled_at=(_time(body.get("date_modified_gmt")) if status == "cancelled" else None),
        financial_status=status,
        refunded=sum((_money(r.get("total")) for r in body.get("refunds") or []), Decimal("0")),
        shipping_total=_money(body.get("shipping_total")) + _money(body.get("shipping_tax")),
    )


def _variant(record: dict[str, Any], fallback_sku: str) -> ShopVariant:
    stock = record.get("stock_quantity")
    return ShopVariant(
        external_id=str(record["id"]),
        sku=record.get("sku") or fallback_sku,
        price=_money(record.get("price")),
        stock=int(stock) if stock is not None else None,
        options={
            str(a.get("name")): str(a.get("option"))
            for a in record.get("attributes") or []
            if a.get("option")
        },
    )


def parse_product(body: dict[str, Any], variations: list[dict[str, Any]]) -> ShopProduct:
    """A product with its variations (a simple product is its own single variant)."""
    ref = body.get("sku") or body.get("slug") or f"woo-{body['id']}"
    variants = [_variant(v, f"woo-{v['id']}") for v in variations] or [
        _variant(body, f"woo-{body['id']}")
    ]
    return ShopProduct(
        external_id=str(body["id"]),
        ref=ref,
        title=body.get("name") or "",
        updated_at=_time(body.get("date_modified_gmt")),
        variants=variants,
    )


def next_page(response: httpx.Response, page: int) -> str | None:
    """The next page's address from ``Link``, else its number from ``X-WP-TotalPages``."""
    link = response.links.get("next", {}).get("url")
    if link:
        return str(link)
    try:
        total = int(response.headers.get("X-WP-TotalPages", "0"))
    except ValueError:
        total = 0
    return str(page + 1) if page < total else None


class WooCommerceClient:
    platform = "woocommerce"

    def __init__(self, shop_url: str, credentials: dict[str, str], transport: Transport) -> None:
        self.site = shop_url
        self.base = f"{shop_url}/wp-json/wc/v3"
        self.credentials = credentials
        self.transport = transport
        self.auth = httpx.BasicAuth(
            credentials.get("consumer_key", ""), credentials.get("consumer_secret", "")
        )

    async def _get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        return await self.transport.request("GET", url, params=params, auth=self.auth)

    async def _page(
        self, path: str, cursor: str | None, params: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], str | None]:
        if cursor and cursor.startswith("http"):
            response = await self._get(cursor)
            page = int(httpx.URL(cursor).params.get("page", "1"))
        else:
            page = int(cursor or 1)
            response = await self._get(f"{self.base}/{path}", {**params, "page": page})
        records = response.json()
        if not isinstance(records, list):
            raise PlatformError("WooCommerce answered a listing with something else.")
        return records, next_page(response, page)

    async def check(self) -> str:
        response = await self._get(f"{self.base}/orders", {"per_page": 1})
        return f"{response.headers.get('X-WP-Total', '?')} orders"

    async def orders(
        self, cursor: str | None, since: datetime | None, page_size: int = 100
    ) -> Page[ShopOrder]:
        params: dict[str, Any] = {"per_page": page_size, "orderby": "modified", "order": "asc"}
        if since is not None:
            params["modified_after"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            params["dates_are_gmt"] = "true"
        records, following = await self._page("orders", cursor, params)
        return Page([parse_order(r) for r in records], following)

    async def products(self, cursor: str | None, page_size: int = 50) -> Page[ShopProduct]:
        records, following = await self._page("products", cursor, {"per_page": page_size})
        return Page([await self.product(r) for r in records], following)

    async def product(self, record: dict[str, Any]) -> ShopProduct:
        """A product record with its variations fetched when it is a variable product."""
        variations: list[dict[str, Any]] = []
        if record.get("type") == "variable":
            cursor: str | None = None
            while True:
                batch, cursor = await self._page(
                    f"products/{record['id']}/variations", cursor, {"per_page": 100}
                )
                variations += batch
                if cursor is None:
                    break
        return parse_product(record, variations)

    async def register_webhooks(self, callback_url: str) -> list[dict[str, Any]]:
        secret = self.credentials.get("webhook_secret") or secrets.token_urlsafe(32)
        self.credentials["webhook_secret"] = secret
        registered = []
        for topic in TOPICS:
            response = await self.transport.request(
                "POST",
                f"{self.base}/webhooks",
                auth=self.auth,
                json={
                    "name": f"Doorstep {topic}",
                    "topic": topic,
                    "delivery_url": callback_url,
                    "secret": secret,
                    "status": "active",
                },
            )
            registered.append({"topic": topic, "id": response.json().get("id")})
        return registered

    async def write_tracking(self, payload: dict[str, Any]) -> None:
        """An order note, and the parcel in the Shipment Tracking extension when it is
        installed and the parcel did not come from it."""
        order = payload["order_id"]
        await self.transport.request(
            "POST",
            f"{self.base}/orders/{order}/notes",
            auth=self.auth,
            json={"note": payload["message"], "customer_note": False},
        )
        if payload.get("from_store"):
            return
        try:
            await self.transport.request(
                "POST",
                f"{self.site}/wp-json/wc-shipment-tracking/v3/orders/{order}/shipment-trackings",
                auth=self.auth,
                json={
                    "tracking_provider": payload.get("carrier_name") or payload["carrier_key"],
                    "tracking_number": payload["tracking_number"],
                    "date_shipped": payload["occurred_at"][:10],
                },
            )
        except PlatformError as exc:
            if "HTTP 404" not in str(exc):  # the extension is not installed: the note stays
                raise

    async def write_return(self, payload: dict[str, Any]) -> None:
        """A refund of the returned items with their stock put back."""
        await self.transport.request(
            "POST",
            f"{self.base}/orders/{payload['order_id']}/refunds",
            auth=self.auth,
            json={
                "amount": payload["amount"],
                "reason": payload.get("note") or "Return resolved in Doorstep",
                "api_refund": False,
                "api_restock": True,
                "line_items": [
                    {
                        "id": int(item["line_item_id"]),
                        "quantity": item["quantity"],
                        "refund_total": item["amount"],
                    }
                    for item in payload["items"]
                ],
            },
        )
