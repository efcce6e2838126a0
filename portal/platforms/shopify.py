"""Shopify through a custom app's Admin API access token (GraphQL Admin API).

HTTP here, pure parsing in the ``parse_*`` functions (GraphQL nodes for backfill and
reconciliation, the REST-shaped JSON Shopify posts to webhooks). Pages follow
``pageInfo.endCursor``; every answer's ``extensions.cost.throttleStatus`` paces the next
call, and a ``THROTTLED`` error waits until the bucket holds the query's cost again.
The queries (portal/platforms/shopify_queries.py) are sized under Shopify's 1,000-point
single-query limit; what their nested pages leave out of an order or product is read by
follow-ups, and a ``MAX_COST_EXCEEDED`` refusal halves the page and asks again
(https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).
Shapes: https://shopify.dev/docs/api/admin-graphql (see tests/fixtures/shopify/SOURCE.md).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import orjson

from portal import i18n
from portal.platforms import shopify_returns, shopify_tracking
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
from portal.platforms.shopify_queries import (
    ALL_FULFILMENTS,
    ALL_TRACKING,
    FOLLOW_UP_PAGE,
    FULFILMENTS_PAGE,
    ORDER_FULFILMENTS_QUERY,
    ORDER_LINE_ITEMS_QUERY,
    ORDERS_PAGE,
    ORDERS_QUERY,
    PRODUCT_VARIANTS_QUERY,
    PRODUCTS_PAGE,
    PRODUCTS_QUERY,
    SHOP_QUERY,
    TRACKING_PAGE,
    WEBHOOK_CREATE,
)
from portal.platforms.shopify_values import money as _money
from portal.platforms.shopify_values import numeric_id
from portal.platforms.shopify_values import shop_money as _shop_money
from portal.platforms.transport import RetryLater, Transport

log = logging.getLogger(__name__)

API_VERSION = "2025-01"
CREDENTIAL_FIELDS = ("access_token", "app_secret")
#: Scopes the custom app needs (docs/platforms.md).
SCOPES = (
    "read_orders",
    "read_customers",
    "read_products",
    "read_inventory",
    "read_fulfillments",
    "write_fulfillments",
    "write_orders",
    "read_returns",
    "write_returns",
)
#: Webhook topics Doorstep subscribes to: X-Shopify-Topic name -> GraphQL enum.
TOPICS = {
    "orders/create": "ORDERS_CREATE",
    "orders/updated": "ORDERS_UPDATED",
    "orders/cancelled": "ORDERS_CANCELLED",
    "fulfillments/create": "FULFILLMENTS_CREATE",
    "fulfillments/update": "FULFILLMENTS_UPDATE",
    "refunds/create": "REFUNDS_CREATE",
    "products/create": "PRODUCTS_CREATE",
    "products/update": "PRODUCTS_UPDATE",
}
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
DELIVERY_HEADER = "X-Shopify-Webhook-Id"
TOPIC_HEADER = "X-Shopify-Topic"


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _state(customer: dict[str, Any], field: str, key: str) -> str | None:
    value = (customer.get(field) or {}).get(key)
    return str(value) if value else None


def _email_consent(state: str | None) -> bool | None:
    """E-mail here is about the customer's own parcels, which Shopify's marketing consent
    does not govern: a subscription grants it, an unsubscription from marketing does not
    withdraw it (docs/platforms.md)."""
    return True if (state or "").upper() == "SUBSCRIBED" else None


def _consent(state: str | None) -> bool | None:
    """Marketing consent as ours: subscribed grants, unsubscribed withdraws, else unknown."""
    state = (state or "").upper()
    if state == "SUBSCRIBED":
        return True
    if state == "UNSUBSCRIBED":
        return False
    return None


def _address(address: dict[str, Any], *, country_key: str) -> ShopAddress:
    """A shipping address: the GraphQL API and the webhooks name the fields alike, except
    the country code (``countryCodeV2`` / ``country_code``)."""
    return ShopAddress(
        name=address.get("name") or "",
        line1=address.get("address1") or "",
        line2=address.get("address2") or "",
        city=address.get("city") or "",
        region=address.get("province") or "",
        postal_code=address.get("zip") or "",
        country=address.get(country_key) or "",
    )


def _locale(value: Any) -> str | None:
    """The storefront language the customer ordered in ("pl-PL", "uk": the GraphQL
    ``Order.customerLocale``, the webhooks' ``customer_locale``) as a shipped language, or
    None (any other: the shop's applies). It only fills a customer's empty language."""
    return i18n.supported(value if isinstance(value, str) else None)


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


# ---- pure parsing: GraphQL nodes ---------------------------------------------------------


def parse_order_node(node: dict[str, Any]) -> ShopOrder:
    customer = node.get("customer")
    address = node.get("shippingAddress") or {}
    parcels = [
        ShopParcel(
            numeric_id(f["id"]),
            info["number"],
            info.get("company"),
            tuple(
                numeric_id(line["lineItem"]["id"])
                for line in (f.get("fulfillmentLineItems") or {}).get("nodes") or []
                if line.get("lineItem")
            ),
        )
        for f in node.get("fulfillments") or []
        for info in f.get("trackingInfo") or []
        if info.get("number")
    ]
    return ShopOrder(
        external_id=numeric_id(node["id"]),
        number=node["name"],
        email=(node.get("email") or "").lower(),
        currency=node.get("currencyCode") or "USD",
        placed_at=_time(node["createdAt"]) or datetime.min,
        updated_at=_time(node.get("updatedAt")),
        customer=ShopCustomer(
            external_id=numeric_id(customer["id"]),
            email=(customer.get("email") or None),
            phone=customer.get("phone") or address.get("phone") or None,
            name=_name(customer.get("firstName"), customer.get("lastName")),
            email_consent=_email_consent(
                (customer.get("emailMarketingConsent") or {}).get("marketingState")
            ),
            sms_consent=_consent((customer.get("smsMarketingConsent") or {}).get("marketingState")),
        )
        if customer
        else None,
        address=_address(address, country_key="countryCodeV2"),
        items=[
            ShopItem(
                external_id=numeric_id(item["id"]),
                sku=item.get("sku") or f"shopify-{numeric_id(item['id'])}",
                title=item.get("title") or "",
                quantity=int(item.get("quantity") or 1),
                unit_price=_shop_money(item.get("originalUnitPriceSet")),
                options={"variant": item["variantTitle"]} if item.get("variantTitle") else {},
            )
            for item in (node.get("lineItems") or {}).get("nodes") or []
        ],
        parcels=parcels,
        cancelled_at=_time(node.get("cancelledAt")),
        financial_status=node.get("displayFinancialStatus") or "",
        refunded=_money(
            ((node.get("totalRefundedSet") or {}).get("shopMoney") or {}).get("amount")
        ),
        shipping_total=_shop_money(node.get("totalShippingPriceSet")),
        locale=_locale(node.get("customerLocale")),
    )


def parse_product_node(node: dict[str, Any]) -> ShopProduct:
    return ShopProduct(
        external_id=numeric_id(node["id"]),
        ref=node.get("handle") or numeric_id(node["id"]),
        title=node.get("title") or "",
        updated_at=_time(node.get("updatedAt")),
        variants=[
            ShopVariant(
                external_id=numeric_id(v["id"]),
                sku=v.get("sku") or f"shopify-{numeric_id(v['id'])}",
                price=_money(v.get("price")),
                stock=v.get("inventoryQuantity"),
                options={o["name"]: o["value"] for o in v.get("selectedOptions") or []},
            )
            for v in (node.get("variants") or {}).get("nodes") or []
        ],
    )


# ---- pure parsing: webhook bodies (REST-shaped) ----------------------------------------


def _webhook_parcels(fulfilment: dict[str, Any]) -> list[ShopParcel]:
    numbers = fulfilment.get("tracking_numbers") or (
        [fulfilment["tracking_number"]] if fulfilment.get("tracking_number") else []
    )
    # ``line_items`` are the order's line items the fulfilment ships, by their own ``id``
    # (https://shopify.dev/docs/api/admin-rest/2025-01/resources/fulfillment).
    shipped = tuple(
        numeric_id(line["id"]) for line in fulfilment.get("line_items") or [] if line.get("id")
    )
    return [
        ShopParcel(
            numeric_id(fulfilment["id"]), str(n), fulfilment.get("tracking_company"), shipped
        )
        for n in numbers
        if n
    ]


def parse_order_webhook(body: dict[str, Any]) -> ShopOrder:
    customer = body.get("customer")
    address = body.get("shipping_address") or {}
    refunded = sum(
        (
            _money(t.get("amount"))
            for r in body.get("refunds") or []
            for t in r.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status", "success") == "success"
        ),
        Decimal("0"),
    )
    return ShopOrder(
        external_id=numeric_id(body["id"]),
        number=body.get("name") or str(body.get("order_number") or body["id"]),
        email=(body.get("email") or body.get("contact_email") or "").lower(),
        currency=body.get("currency") or "USD",
        placed_at=_time(body.get("created_at")) or datetime.min,
        updated_at=_time(body.get("updated_at")),
        customer=ShopCustomer(
            external_id=numeric_id(customer["id"]),
            email=customer.get("email") or None,
            phone=customer.get("phone") or body.get("phone") or address.get("phone") or None,
            name=_name(customer.get("first_name"), customer.get("last_name")),
            email_consent=_email_consent(
                (customer.get("email_marketing_consent") or {}).get("state")
            ),
            sms_consent=_consent((customer.get("sms_marketing_consent") or {}).get("state")),
        )
        if customer
        else None,
        address=_address(address, country_key="country_code"),
        items=[
            ShopItem(
                external_id=numeric_id(item["id"]),
                sku=item.get("sku") or f"shopify-{numeric_id(item['id'])}",
                title=item.get("title") or item.get("name") or "",
                quantity=int(item.get("quantity") or 1),
                unit_price=_money(item.get("price")),
                options={"variant": item["variant_title"]} if item.get("variant_title") else {},
            )
            for item in body.get("line_items") or []
        ],
        parcels=[p for f in body.get("fulfillments") or [] for p in _webhook_parcels(f)],
        cancelled_at=_time(body.get("cancelled_at")),
        financial_status=(body.get("financial_status") or "").upper(),
        refunded=refunded,
        shipping_total=_money(
            ((body.get("total_shipping_price_set") or {}).get("shop_money") or {}).get("amount")
        ),
        locale=_locale(body.get("customer_locale")),
    )


def parse_fulfillment_webhook(body: dict[str, Any]) -> tuple[str, list[ShopParcel]]:
    """(order id, the fulfilment's parcels) from ``fulfillments/create`` or ``/update``."""
    return numeric_id(body["order_id"]), _webhook_parcels(body)


def parse_refund_webhook(body: dict[str, Any]) -> tuple[str, str, Decimal]:
    """(order id, refund id, amount refunded) from ``refunds/create``."""
    amount = sum(
        (
            _money(t.get("amount"))
            for t in body.get("transactions") or []
            if t.get("kind") == "refund"
        ),
        Decimal("0"),
    )
    return numeric_id(body["order_id"]), numeric_id(body["id"]), amount


def parse_product_webhook(body: dict[str, Any]) -> ShopProduct:
    options = [o.get("name") or f"option{i + 1}" for i, o in enumerate(body.get("options") or [])]
    return ShopProduct(
        external_id=numeric_id(body["id"]),
        ref=body.get("handle") or numeric_id(body["id"]),
        title=body.get("title") or "",
        updated_at=_time(body.get("updated_at")),
        variants=[
            ShopVariant(
                external_id=numeric_id(v["id"]),
                sku=v.get("sku") or f"shopify-{numeric_id(v['id'])}",
                price=_money(v.get("price")),
                stock=v.get("inventory_quantity"),
                options={
                    name: v[f"option{i + 1}"]
                    for i, name in enumerate(options)
                    if v.get(f"option{i + 1}") and v[f"option{i + 1}"] != "Default Title"
                },
            )
            for v in body.get("variants") or []
        ],
    )


# ---- HTTP ------------------------------------------------------------------------------


def throttle_wait(body: dict[str, Any]) -> float:
    """Seconds until the bucket holds this query's cost again (0 when it does)."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    requested = float(cost.get("requestedQueryCost") or 0)
    available = float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 0)
    if not status or rate <= 0 or available >= requested:
        return 0.0
    return (requested - available) / rate


def _body(response: httpx.Response) -> dict[str, Any]:
    """The decoded answer; a 200 can still be a throttle (errors[].extensions.code
    THROTTLED), raised as a retry. Decoded once: a page of orders is the backfill's
    largest single cost after the writes, and decoded by orjson, which builds the same
    objects as ``response.json()`` in ≈ 15 % less time (Shopify answers in UTF-8)."""
    try:
        body = orjson.loads(response.content)
    except ValueError:  # orjson.JSONDecodeError is one
        raise PlatformError("Shopify answered with something that is not JSON.") from None
    if not isinstance(body, dict):
        raise PlatformError("Shopify's answer has no data.")
    errors = body.get("errors")
    if not errors:
        return body
    if isinstance(errors, list) and any(
        (e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors
    ):
        raise RetryLater(
            "Shopify throttled the query", max(throttle_wait(body), 1.0), throttled=True
        )
    costly = [
        e
        for e in (errors if isinstance(errors, list) else [])
        if isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "MAX_COST_EXCEEDED"
    ]
    if costly:
        reason = str(costly[0].get("message") or "").split("\n", 1)[0]
        raise CostExceeded(f"Shopify refused the query as too costly (MAX_COST_EXCEEDED): {reason}")
    raise PlatformError(f"Shopify refused the query: {json.dumps(errors)[:300]}")


class CostExceeded(PlatformError):
    """The query's requested cost is over Shopify's single-query limit (MAX_COST_EXCEEDED):
    asking again for fewer rows at once can pass, waiting cannot."""


class ShopifyClient:
    """One store's GraphQL Admin API, paced by its cost bucket."""

    platform = "shopify"

    def __init__(self, shop_url: str, credentials: dict[str, str], transport: Transport) -> None:
        self.url = f"{shop_url}/admin/api/{API_VERSION}/graphql.json"
        self.credentials = credentials
        self.transport = transport
        self._pause = 0.0
        #: Outer page sizes, halved for good when Shopify says a page costs too much.
        self.page_sizes = {"orders": ORDERS_PAGE, "products": PRODUCTS_PAGE}

    async def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, retry_faults: bool = True
    ) -> dict[str, Any]:
        """The ``data`` of one query; waits first when the last answer left the bucket short.
        ``retry_faults=False`` for a mutation that makes something (Transport.request)."""
        if self._pause > 0:
            await self.transport.pause(self._pause)
            self._pause = 0.0
        decoded: list[dict[str, Any]] = []
        await self.transport.request(
            "POST",
            self.url,
            check=lambda response: decoded.append(_body(response)),
            retry_faults=retry_faults,
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": self.credentials.get("access_token", "")},
        )
        body = decoded[-1]
        self._pause = throttle_wait(body)
        data = body.get("data")
        if not isinstance(data, dict):
            raise PlatformError("Shopify's answer has no data.")
        return data

    async def check(self) -> str:
        """The shop's name: proves the token works."""
        shop = (await self.graphql(SHOP_QUERY)).get("shop") or {}
        return str(shop.get("name") or shop.get("myshopifyDomain") or "")

    async def _shrinking(
        self, query: str, variables: dict[str, Any], kind: str | None = None
    ) -> dict[str, Any]:
        """``query`` with ``variables["first"]`` halved until Shopify accepts its cost."""
        while True:
            try:
                return await self.graphql(query, variables)
            except CostExceeded:
                if variables["first"] <= 1:
                    raise
                variables = {**variables, "first": max(1, variables["first"] // 2)}
                if kind is not None:
                    self.page_sizes[kind] = variables["first"]

    async def orders(
        self, cursor: str | None, since: datetime | None, page_size: int = ORDERS_PAGE
    ) -> Page[ShopOrder]:
        query = f"updated_at:>='{since.isoformat()}'" if since else None
        first = min(page_size, self.page_sizes["orders"])
        data = await self._shrinking(
            ORDERS_QUERY, {"first": first, "after": cursor, "query": query}, "orders"
        )
        orders = data["orders"]
        info = orders.get("pageInfo") or {}
        nodes = [e["node"] for e in orders.get("edges") or []]
        for node in nodes:
            await self._complete_order(node)
        return Page(
            [parse_order_node(node) for node in nodes],
            info.get("endCursor") if info.get("hasNextPage") else None,
        )

    async def _complete_order(self, node: dict[str, Any]) -> None:
        """Reads what the page's nested limits left out of one order, in place: the rest of
        its line items by cursor, and its fulfilments again when the page held as many as
        it asked for (``fulfillments`` and ``trackingInfo`` are lists, without cursors)."""
        items = node.get("lineItems") or {}
        info = items.get("pageInfo") or {}
        while info.get("hasNextPage"):
            variables = {"id": node["id"], "first": FOLLOW_UP_PAGE, "after": info["endCursor"]}
            data = await self._shrinking(ORDER_LINE_ITEMS_QUERY, variables)
            more = (data.get("order") or {}).get("lineItems") or {}
            items.setdefault("nodes", []).extend(more.get("nodes") or [])
            info = more.get("pageInfo") or {}
        fulfilments = node.get("fulfillments") or []
        if len(fulfilments) < FULFILMENTS_PAGE and all(
            len(f.get("trackingInfo") or []) < TRACKING_PAGE for f in fulfilments
        ):
            return
        data = await self.graphql(ORDER_FULFILMENTS_QUERY, {"id": node["id"]})
        node["fulfillments"] = fulfilments = (data.get("order") or {}).get("fulfillments") or []
        if len(fulfilments) >= ALL_FULFILMENTS or any(
            len(f.get("trackingInfo") or []) >= ALL_TRACKING for f in fulfilments
        ):
            log.warning(
                "Shopify order %s may have more than %d fulfilments or %d tracking numbers "
                "in one; only those were read",
                node["id"], ALL_FULFILMENTS, ALL_TRACKING,
            )  # fmt: skip

    async def products(
        self, cursor: str | None, page_size: int = PRODUCTS_PAGE
    ) -> Page[ShopProduct]:
        first = min(page_size, self.page_sizes["products"])
        data = await self._shrinking(PRODUCTS_QUERY, {"first": first, "after": cursor}, "products")
        products = data["products"]
        info = products.get("pageInfo") or {}
        nodes = [e["node"] for e in products.get("edges") or []]
        for node in nodes:
            variants = node.get("variants") or {}
            more_info = variants.get("pageInfo") or {}
            while more_info.get("hasNextPage"):
                variables = {
                    "id": node["id"], "first": FOLLOW_UP_PAGE, "after": more_info["endCursor"]
                }  # fmt: skip
                data = await self._shrinking(PRODUCT_VARIANTS_QUERY, variables)
                more = (data.get("product") or {}).get("variants") or {}
                variants.setdefault("nodes", []).extend(more.get("nodes") or [])
                more_info = more.get("pageInfo") or {}
        return Page(
            [parse_product_node(node) for node in nodes],
            info.get("endCursor") if info.get("hasNextPage") else None,
        )

    async def register_webhooks(self, callback_url: str) -> list[dict[str, Any]]:
        registered = []
        for topic, enum in TOPICS.items():
            data = await self.graphql(
                WEBHOOK_CREATE,
                {
                    "topic": enum,
                    "webhookSubscription": {"callbackUrl": callback_url, "format": "JSON"},
                },
            )
            result = data["webhookSubscriptionCreate"]
            if result.get("userErrors"):
                message = "; ".join(e.get("message", "") for e in result["userErrors"])
                # An address already subscribed is fine: a reconnect registers again.
                if "already been taken" in message:
                    registered.append({"topic": topic, "id": None})
                    continue
                raise PlatformError(f"Shopify refused the {topic} webhook: {message}")
            registered.append({"topic": topic, "id": result["webhookSubscription"]["id"]})
        return registered

    async def write_tracking(self, payload: dict[str, Any]) -> None:
        """A fulfilment event, so the store's order status page moves with the parcel;
        made once (portal/platforms/shopify_tracking.py)."""
        await shopify_tracking.write_tracking(self, payload)

    async def write_return(self, payload: dict[str, Any]) -> None:
        """The return's refund (refundCreate, paid back through the order's payment) and
        its exchange (returnCreate), each once (portal/platforms/shopify_returns.py)."""
        await shopify_returns.write_return(self, payload)
