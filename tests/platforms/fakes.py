"""The stores and the carrier, faked at HTTP in their documented shapes (respx side effects),
and the step every store's tests start from: ``portal connect`` run for a merchant with a
DHL account (:func:`connect_by_cli`).

Payloads come from tests/fixtures/<platform>/ (see SOURCE.md there); the fakes only
multiply them into many orders and record what Doorstep sent.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
import respx

from portal.cli import connect_store
from portal.models import PlatformConnection
from portal.platforms import signatures
from portal.platforms.shopify_cost import MAX_QUERY_COST, requested_cost
from portal.settings import Settings
from tests import factories
from tests.conftest import make_settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SHOP = "https://snowdevil.myshopify.com"
SHOPIFY_GRAPHQL = f"{SHOP}/admin/api/2025-01/graphql.json"
SHOPIFY_TOKEN = "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"
SHOPIFY_SECRET = "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"
WOO = "https://shop.example.com"
WOO_KEY = "ck_2b3a4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b"
WOO_SECRET = "cs_9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e"
DHL_TRACK_URL = "https://api-eu.dhl.com/track/shipments"
DHL_API_KEY = "dhl-platforms-api-key"
DHL_NUMBER = "00340434161094015902"


def fixture(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text(encoding="utf-8"))


# --- connecting a store as the operator does ----------------------------------------------


def store_settings(tmp_path: Path, database_url: str) -> Settings:
    """The portal's settings for a store's tests: its public address is where the store's
    webhooks are registered."""
    return make_settings(
        tmp_path, database_url=database_url, public_base_url="https://doorstep.example.com"
    )


@contextlib.asynccontextmanager
async def outside(
    host: str, answer: Callable[[httpx.Request], httpx.Response]
) -> AsyncIterator[httpx.AsyncClient]:
    """The store at ``host`` and DHL's tracking API behind respx; the worker's HTTP client."""
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host=host).mock(side_effect=answer)
        mock.get(DHL_TRACK_URL).mock(side_effect=dhl_delivered)
        async with httpx.AsyncClient() as client:
            yield client


def connect_args(platform: str, **values: Any) -> argparse.Namespace:
    """``portal connect <platform>`` as its parser hands it over, for merchant ``acme``
    unless ``values`` says otherwise."""
    return argparse.Namespace(**{"platform": platform, "merchant": "acme", **values})


async def connect_by_cli(
    settings: Settings, http: httpx.AsyncClient, args: argparse.Namespace, said: list[str]
) -> PlatformConnection:
    """Merchant ``acme`` with a DHL account, then ``portal connect`` with ``args``, whose
    first lines of output must be ``said``; the connection it made."""
    merchant = await factories.merchant(slug="acme")
    await factories.carrier_account(
        merchant, carrier_key="dhl", credentials={"api_key": DHL_API_KEY}, settings=settings
    )
    lines = await connect_store(args, settings, http)
    assert lines[: len(said)] == said
    return await PlatformConnection.get()


def shopify_order(n: int, base: datetime) -> dict[str, Any]:
    """The documented order node as the n-th order of a store."""
    node = copy.deepcopy(fixture("shopify", "order_node.json"))
    node["id"] = f"gid://shopify/Order/{1_000_000 + n}"
    node["name"] = f"#{1000 + n}"
    node["email"] = node["customer"]["email"] = f"buyer{n % 97}@mail.example.com"
    node["customer"]["id"] = f"gid://shopify/Customer/{5_000 + n % 97}"
    node["customer"]["phone"] = f"+1613612{n % 97:04d}"
    stamp = (base + timedelta(minutes=n)).isoformat().replace("+00:00", "Z")
    node["createdAt"] = node["updatedAt"] = stamp
    node["lineItems"]["nodes"][0]["id"] = f"gid://shopify/LineItem/{7_000_000 + n}"
    return node


def _cost(available: float = 1990.0, requested: int = 252) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": min(52, requested),
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": available,
                "restoreRate": 100.0,
            },
        }
    }


@dataclass
class FakeShopify:
    """``POST /admin/api/2025-01/graphql.json`` answering the queries Doorstep sends."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    token: str = SHOPIFY_TOKEN
    #: Answers to give before the real one, in order (a 429, a THROTTLED body …).
    faults: list[httpx.Response] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    #: ``refundCreate`` inputs received, as sent.
    refunds: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    order_pages: int = 0
    #: An orders cursor answered 401, as if the token were revoked mid-backfill.
    refuse_after: str | None = None
    #: An orders cursor answered 503 at every attempt, as a store down mid-backfill
    #: (https://shopify.dev/docs/api/usage/response-codes: 503 Service Unavailable).
    down_at: str | None = None
    #: Products served instead of fixtures/shopify/products_page.json (full nodes).
    products: list[dict[str, Any]] | None = None
    #: Shopify's single-query limit on the requested cost, enforced as documented.
    max_cost: int = MAX_QUERY_COST
    #: (query's operation name, requested cost, variables) of every query answered.
    asked: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    #: ``returnCreate`` inputs received, as sent.
    returns: list[dict[str, Any]] = field(default_factory=list)
    #: ``userErrors`` to answer the next ``returnCreate`` with (then taken away).
    return_errors: list[dict[str, Any]] = field(default_factory=list)
    #: Answers to give a refundCreate or returnCreate instead of the real one (a 503 …);
    #: when ``made_then_lost`` the store makes it all the same, as when an answer is lost.
    mutation_faults: list[httpx.Response] = field(default_factory=list)
    made_then_lost: bool = False
    #: Faults for ``fulfillmentEventCreate`` (a 502, or an exception such as
    #: ``httpx.ReadTimeout`` raised as the network would); when ``event_made_then_lost``
    #: the store makes the event all the same, as when only the answer is lost.
    event_faults: list[httpx.Response | Exception] = field(default_factory=list)
    event_made_then_lost: bool = False
    #: Per order GID, what ``ReturnContext`` reads of it: ``transactions``, ``fulfillments``
    #: (with ``fulfillmentLineItems``), and the ``refunds`` and ``returns`` made so far.
    order_context: dict[str, dict[str, Any]] = field(default_factory=dict)

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            return httpx.Response(
                401, json={"errors": "[API] Invalid API key or access token (unrecognized login "
                           "or wrong password)"}
            )  # fmt: skip
        body = json.loads(request.content)
        query, variables = body["query"], body.get("variables") or {}
        if "orders(" in query and self.faults:
            return self.faults.pop(0)
        cost = requested_cost(query, variables)
        operation = re.search(r"(?:query|mutation)\s*(\w*)", query)
        self.asked.append((operation.group(1) if operation else "", cost, variables))
        if cost > self.max_cost:
            return httpx.Response(200, json=_too_costly(cost, self.max_cost))
        if "ReturnContext" in query:
            return self._return_context(variables, cost)
        if "suggestedRefund(" in query:
            return self._suggested_refund(variables, cost)
        if "order(id:" in query:
            return self._one_order(query, variables, cost)
        if "productVariants(" in query:
            return self._variants_by_sku(variables, cost)
        if "returnCreate" in query:
            return self._return_create(variables)
        if "product(id:" in query:
            return self._one_product(variables, cost)
        if "shop {" in query:
            return httpx.Response(200, json=fixture("shopify", "shop.json"))
        if "webhookSubscriptionCreate" in query:
            self.subscriptions.append(variables)
            answer = fixture("shopify", "webhook_subscription_create.json")
            created = answer["data"]["webhookSubscriptionCreate"]["webhookSubscription"]
            created["topic"] = variables["topic"]
            created["id"] = f"gid://shopify/WebhookSubscription/{len(self.subscriptions)}"
            return httpx.Response(200, json=answer)
        if "products(" in query:
            if self.products is None:
                return httpx.Response(200, json=fixture("shopify", "products_page.json"))
            return self._products(query, variables, cost)
        if "orders(" in query:
            return self._orders(variables, query, cost)
        if "fulfillment(id:" in query:
            return self._fulfilment_events(variables, cost)
        if "fulfillmentEventCreate" in query:
            return self._event_create(variables)
        if "refundCreate" in query:
            lost = self._mutation_fault()
            if lost is not None and not self.made_then_lost:
                return lost
            self.refunds.append(variables["input"])
            answer = fixture("shopify", "refund_create.json")
            made = answer["data"]["refundCreate"]["refund"]
            made["id"] = f"gid://shopify/Refund/{929361463 + len(self.refunds)}"
            context = self.context(variables["input"]["orderId"])
            context["refunds"].append({"id": made["id"], "note": variables["input"]["note"]})
            return lost or httpx.Response(200, json=answer)
        raise AssertionError(f"unexpected query {query[:60]}")

    def _event_create(self, variables: dict[str, Any]) -> httpx.Response:
        """``fulfillmentEventCreate``: the event made, its id in the answer
        (https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/fulfillmentEventCreate)."""
        fault = self.event_faults.pop(0) if self.event_faults else None
        if fault is not None and not self.event_made_then_lost:
            if isinstance(fault, Exception):
                raise fault
            return fault
        self.events.append(variables["fulfillmentEvent"])
        answer = fixture("shopify", "fulfillment_event_create.json")
        made = answer["data"]["fulfillmentEventCreate"]["fulfillmentEvent"]
        made["id"] = f"gid://shopify/FulfillmentEvent/{944956394 + len(self.events)}"
        made["status"] = variables["fulfillmentEvent"]["status"]
        if isinstance(fault, Exception):
            raise fault
        return fault or httpx.Response(200, json=answer)

    def _fulfilment_events(self, variables: dict[str, Any], cost: int) -> httpx.Response:
        """``fulfillment(id:) { events { nodes { id status happenedAt } } }``, newest first
        (Fulfillment.events, FulfillmentEvent in
        https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Fulfillment); Shopify
        writes ``happenedAt`` in UTC to the second ("2026-11-21T10:32:00Z")."""
        nodes = [
            {
                "id": f"gid://shopify/FulfillmentEvent/{944956395 + n}",
                "status": event["status"],
                "happenedAt": datetime.fromisoformat(event["happenedAt"])
                .astimezone(UTC)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            for n, event in enumerate(self.events)
            if event["fulfillmentId"] == variables["id"]
        ]
        nodes.sort(key=lambda node: node["happenedAt"], reverse=True)
        return httpx.Response(
            200,
            json={"data": {"fulfillment": {"events": {"nodes": nodes}}},
                  "extensions": _cost(requested=cost)},
        )  # fmt: skip

    def _mutation_fault(self) -> httpx.Response | None:
        if not self.mutation_faults:
            return None
        return self.mutation_faults.pop(0)

    def context(self, order_gid: str) -> dict[str, Any]:
        """What ``ReturnContext`` answers for an order (created empty when not set)."""
        context = self.order_context.setdefault(order_gid, {})
        for key in ("transactions", "fulfillments", "refunds"):
            context.setdefault(key, [])
        context.setdefault("returns", {"nodes": []})
        context.setdefault("currencyCode", "USD")
        context.setdefault("presentmentCurrencyCode", context["currencyCode"])
        return context

    def _return_context(self, variables: dict[str, Any], cost: int) -> httpx.Response:
        """``order(id:)`` as ReturnContext asks for it (shapes: Order.transactions,
        Order.refunds, Order.returns, Fulfillment.fulfillmentLineItems in
        https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order)."""
        return httpx.Response(
            200,
            json={"data": {"order": copy.deepcopy(self.context(variables["id"]))},
                  "extensions": _cost(requested=cost)},
        )  # fmt: skip

    def _suggested_refund(self, variables: dict[str, Any], cost: int) -> httpx.Response:
        """``Order.suggestedRefund(refundLineItems:)`` as SuggestedRefund documents it
        (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/SuggestedRefund,
        https://shopify.dev/docs/api/admin-graphql/2025-01/objects/SuggestedOrderTransaction):
        the lines' prices in the shop's currency and, at the context's
        ``presentment_rate``, the customer's, split over the order's successful sales and
        captures (their ``presentmentMoney``) in order; an order's context may instead
        hold the whole ``suggestedRefund`` to answer."""
        context = self.context(variables["id"])
        if "suggestedRefund" in context:
            suggestion = copy.deepcopy(context["suggestedRefund"])
        else:
            shop, paid = context["currencyCode"], context["presentmentCurrencyCode"]
            rate = Decimal(str(context.get("presentment_rate", "1")))
            prices = {
                item["id"]: Decimal(item["originalUnitPriceSet"]["shopMoney"]["amount"])
                for item in self._order(variables["id"])["lineItems"]["nodes"]
            }
            in_shop = sum(
                (prices[line["lineItemId"]] * line["quantity"]
                 for line in variables.get("refundLineItems") or []),
                Decimal("0"),
            )  # fmt: skip
            in_paid = (in_shop * rate).quantize(Decimal("0.01"))
            left, transactions = in_paid, []
            for t in context["transactions"]:
                if t["kind"] not in ("SALE", "CAPTURE") or t["status"] != "SUCCESS":
                    continue
                room = Decimal(t["amountSet"]["presentmentMoney"]["amount"])
                take = min(room, left)
                left -= take
                transactions.append(
                    {"gateway": t["gateway"], "kind": "SUGGESTED_REFUND",
                     "amountSet": {"presentmentMoney": {"amount": str(take),
                                                        "currencyCode": paid}},
                     "maximumRefundableSet": {"presentmentMoney": {"amount": str(room),
                                                                   "currencyCode": paid}},
                     "parentTransaction": {"id": t["id"]}}
                )  # fmt: skip
            suggestion = {
                "amountSet": {
                    "shopMoney": {"amount": str(in_shop), "currencyCode": shop},
                    "presentmentMoney": {"amount": str(in_paid), "currencyCode": paid},
                },
                "suggestedTransactions": transactions,
            }
        return httpx.Response(
            200,
            json={"data": {"order": {"suggestedRefund": suggestion}},
                  "extensions": _cost(requested=cost)},
        )  # fmt: skip

    def _variants_by_sku(self, variables: dict[str, Any], cost: int) -> httpx.Response:
        """``productVariants(query: "sku:…")`` over the store's products
        (https://shopify.dev/docs/api/admin-graphql/2025-01/queries/productVariants)."""
        sku = re.fullmatch(r'sku:"(.*)"', variables["query"])
        assert sku, variables
        products = self.products
        if products is None:
            products = [
                e["node"]
                for e in fixture("shopify", "products_page.json")["data"]["products"]["edges"]
            ]
        nodes = [
            {"id": v["id"], "sku": v["sku"]}
            for p in products
            for v in p["variants"]["nodes"]
            if v.get("sku") == sku.group(1)
        ]
        return httpx.Response(
            200,
            json={"data": {"productVariants": {"nodes": nodes}},
                  "extensions": _cost(requested=cost)},
        )  # fmt: skip

    def _return_create(self, variables: dict[str, Any]) -> httpx.Response:
        """``returnCreate`` as documented: the return made, or ``userErrors`` and no return
        (https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/returnCreate)."""
        lost = self._mutation_fault()
        if lost is not None and not self.made_then_lost:
            return lost
        self.returns.append(variables["returnInput"])
        if self.return_errors:
            answer = fixture("shopify", "return_create_user_errors.json")
            answer["data"]["returnCreate"]["userErrors"] = [self.return_errors.pop(0)]
            return httpx.Response(200, json=answer)
        answer = fixture("shopify", "return_create.json")
        made = answer["data"]["returnCreate"]["return"]
        made["id"] = f"gid://shopify/Return/{945000 + len(self.returns)}"
        # Each new variant becomes a line item of the order (ExchangeLineItem.lineItem:
        # https://shopify.dev/docs/api/admin-graphql/2025-01/objects/ExchangeLineItem).
        made["exchangeLineItems"] = {"nodes": [
            {"lineItem": {"id": f"gid://shopify/LineItem/{7_100_000 + 10 * len(self.returns) + i}"}}
            for i, _wanted in enumerate(variables["returnInput"].get("exchangeLineItems") or [])
        ]}  # fmt: skip
        notes = [
            {"returnReasonNote": line.get("returnReasonNote", "")}
            for line in variables["returnInput"]["returnLineItems"][:1]
        ]
        context = self.context(variables["returnInput"]["orderId"])
        context["returns"]["nodes"].append(
            {"id": made["id"], "returnLineItems": {"nodes": notes},
             "exchangeLineItems": copy.deepcopy(made["exchangeLineItems"])}
        )  # fmt: skip
        return lost or httpx.Response(200, json=answer)

    def _order(self, gid: str) -> dict[str, Any]:
        return next(o for o in self.orders if o["id"] == gid)

    def _one_order(self, query: str, variables: dict[str, Any], cost: int) -> httpx.Response:
        """``order(id:)``: the rest of its line items, or its fulfilments again."""
        order = self._order(variables["id"])
        if "lineItems(" in query:
            items = order["lineItems"]["nodes"]
            node = {"lineItems": _connection(items, variables["first"], variables.get("after"))}
        else:
            node = {"fulfillments": _fulfilments(order, query)}
        return httpx.Response(
            200, json={"data": {"order": node}, "extensions": _cost(requested=cost)}
        )

    def _one_product(self, variables: dict[str, Any], cost: int) -> httpx.Response:
        product = next(p for p in self.products or [] if p["id"] == variables["id"])
        variants = _connection(
            product["variants"]["nodes"], variables["first"], variables.get("after")
        )
        return httpx.Response(
            200,
            json={"data": {"product": {"variants": variants}}, "extensions": _cost(requested=cost)},
        )

    def _products(self, query: str, variables: dict[str, Any], cost: int) -> httpx.Response:
        products = self.products or []
        start = int(variables["after"]) if variables.get("after") else 0
        page = products[start : start + int(variables["first"])]
        end = start + len(page)
        first = _first(query, "variants")
        edges = [
            {
                "cursor": str(start + i + 1),
                "node": {**p, "variants": _connection(p["variants"]["nodes"], first, None)},
            }
            for i, p in enumerate(page)
        ]
        return httpx.Response(
            200,
            json={
                "data": {
                    "products": {
                        "edges": edges,
                        "pageInfo": {"hasNextPage": end < len(products), "endCursor": str(end)},
                    }
                },
                "extensions": _cost(requested=cost),
            },
        )

    def _orders(
        self, variables: dict[str, Any], query: str = "", cost: int = 252
    ) -> httpx.Response:
        self.order_pages += 1
        if self.refuse_after is not None and variables.get("after") == self.refuse_after:
            return httpx.Response(401, json={"errors": "[API] Invalid API key or access token"})
        if self.down_at is not None and variables.get("after") == self.down_at:
            return httpx.Response(503, json={"errors": "Service Unavailable"})
        start = int(variables["after"]) if variables.get("after") else 0
        page = self.orders[start : start + int(variables["first"])]
        end = start + len(page)
        return httpx.Response(
            200,
            json={
                "data": {
                    "orders": {
                        "edges": [
                            {"cursor": str(start + i + 1), "node": _as_asked(n, query)}
                            for i, n in enumerate(page)
                        ],
                        "pageInfo": {"hasNextPage": end < len(self.orders), "endCursor": str(end)},
                    }
                },
                "extensions": _cost(requested=cost),
            },
        )


def _first(query: str, name: str) -> int:
    """The literal ``first`` a query gives a nested field (``lineItems(first: 8)``)."""
    found = re.search(name + r"\(first: (\d+)", query)
    assert found, f"{name} without a literal first"
    return int(found.group(1))


def _connection(nodes: list[Any], first: int, after: str | None) -> dict[str, Any]:
    """A connection's page as Shopify answers it (offsets stand in for opaque cursors)."""
    start = int(after) if after else 0
    page = nodes[start : start + first]
    end = start + len(page)
    return {
        "nodes": page,
        "pageInfo": {"hasNextPage": end < len(nodes), "endCursor": str(end) if page else None},
    }


def _fulfilments(order: dict[str, Any], query: str) -> list[dict[str, Any]]:
    """``fulfillments(first:)`` and each one's ``trackingInfo(first:)``: lists, cut short."""
    tracking = _first(query, "trackingInfo")
    return [
        {**f, "trackingInfo": (f.get("trackingInfo") or [])[:tracking]}
        for f in (order.get("fulfillments") or [])[: _first(query, "fulfillments")]
    ]


def _as_asked(order: dict[str, Any], query: str) -> dict[str, Any]:
    """A stored order cut to the nested limits the orders query asked for."""
    if "lineItems(first:" not in query:
        return order
    items = order["lineItems"]["nodes"]
    return {
        **order,
        "lineItems": _connection(items, _first(query, "lineItems"), None),
        "fulfillments": _fulfilments(order, query),
    }


def _too_costly(cost: int, limit: int) -> dict[str, Any]:
    """Shopify's refusal of a query over the single-query limit (MAX_COST_EXCEEDED)."""
    body: dict[str, Any] = fixture("shopify", "max_cost_exceeded.json")
    error = body["errors"][0]
    error["message"] = error["message"].replace("1802", str(cost)).replace("(1000)", f"({limit})")
    error["extensions"].update(cost=cost, maxCost=limit)
    return body


def shopify_delivery(
    topic: str, body: dict[str, Any], webhook_id: str, *, secret: str = SHOPIFY_SECRET
) -> tuple[dict[str, str], bytes]:
    """Headers and raw body as Shopify posts a webhook."""
    raw = json.dumps(body).encode()
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signatures.sign(secret, raw),
        "X-Shopify-Shop-Domain": "snowdevil.myshopify.com",
        "X-Shopify-API-Version": "2025-01",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }, raw


def dhl_delivered(request: httpx.Request) -> httpx.Response:
    """DHL's Unified Tracking answer for the delivered parcel (fixtures/dhl/delivered.json)."""
    assert request.headers["DHL-API-Key"] == DHL_API_KEY
    return httpx.Response(200, json=fixture("dhl", "delivered.json"))


def woo_time(moment: datetime) -> str:
    """WooCommerce's ``*_gmt`` fields: UTC without an offset."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def woo_order(n: int, base: datetime) -> dict[str, Any]:
    """The documented order as the n-th order of a store (no tracking yet)."""
    order = copy.deepcopy(fixture("woocommerce", "order.json"))
    order["id"] = 10_000 + n
    order["number"] = str(10_000 + n)
    order["billing"]["email"] = f"buyer{n % 89}@example.com"
    stamp = (base + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S")
    order["date_created_gmt"] = order["date_modified_gmt"] = stamp
    order["meta_data"] = []
    for i, item in enumerate(order["line_items"]):
        item["id"] = 100_000 + n * 10 + i
    return order


@dataclass
class FakeWoo:
    """``/wp-json/wc/v3`` orders, products and their variations, webhooks, notes and
    refunds; the Shipment Tracking API. What Doorstep wrote is recorded (``hooks``,
    ``notes``, ``trackings``, ``refunds``) for the tests to read."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    variations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    key: str = WOO_KEY
    hooks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    trackings: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    faults: list[httpx.Response] = field(default_factory=list)

    def _authorised(self, request: httpx.Request) -> bool:
        """HTTP Basic with the consumer key and secret, as the documentation's HTTPS auth."""
        token = base64.b64encode(f"{self.key}:{WOO_SECRET}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {token}"

    def answer(self, request: httpx.Request) -> httpx.Response:
        if not self._authorised(request):
            return httpx.Response(
                401,
                json={"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list "
                      "resources.", "data": {"status": 401}},
            )  # fmt: skip
        path = request.url.path
        if path == "/wp-json/wc/v3/orders" and request.method == "GET":
            if self.faults:
                return self.faults.pop(0)
            return self._orders(request)
        if path == "/wp-json/wc/v3/products":
            return self._page(request, self.products)
        found = re.fullmatch(r"/wp-json/wc/v3/products/(\d+)/variations", path)
        if found and request.method == "GET" and int(found.group(1)) in self.variations:
            return self._page(request, self.variations[int(found.group(1))])
        if path == "/wp-json/wc/v3/webhooks":
            sent = json.loads(request.content)
            self.hooks.append(sent)
            made = {**fixture("woocommerce", "webhook_create.json"), "id": 142 + len(self.hooks)}
            made.update(topic=sent["topic"], delivery_url=sent["delivery_url"])
            return httpx.Response(201, json=made)
        if path.endswith("/notes"):
            self.notes.append({"order": path.split("/")[-2], **json.loads(request.content)})
            return httpx.Response(201, json=fixture("woocommerce", "order_note_create.json"))
        if path.endswith("/refunds"):
            self.refunds.append({"order": path.split("/")[-2], **json.loads(request.content)})
            return httpx.Response(201, json=fixture("woocommerce", "refund_create.json"))
        if path.endswith("/shipment-trackings"):
            self.trackings.append(json.loads(request.content))
            return httpx.Response(201, json=fixture("woocommerce", "shipment_tracking_create.json"))
        raise AssertionError(f"unexpected {request.method} {path}")

    def _orders(self, request: httpx.Request) -> httpx.Response:
        self.pages.append(int(request.url.params.get("page", "1")))
        return self._page(request, self.orders)

    @staticmethod
    def _page(request: httpx.Request, records: list[dict[str, Any]]) -> httpx.Response:
        """One page of a listing, with the pagination headers the documentation shows
        (``X-WP-Total``, ``X-WP-TotalPages`` and ``Link``)."""
        per_page = int(request.url.params.get("per_page", "10"))
        page = int(request.url.params.get("page", "1"))
        chunk = records[(page - 1) * per_page : page * per_page]
        total_pages = -(-len(records) // per_page)
        base = f"{request.url.scheme}://{request.url.host}{request.url.path}?per_page={per_page}"
        links = [f'<{base}&page={page - 1}>; rel="prev"'] if page > 1 else []
        if page < total_pages:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
        headers = {"X-WP-Total": str(len(records)), "X-WP-TotalPages": str(total_pages)}
        if links:
            headers["Link"] = ", ".join(links)
        return httpx.Response(200, json=chunk, headers=headers)


def woo_delivery(
    topic: str, body: dict[str, Any], delivery_id: str, secret: str
) -> tuple[dict[str, str], bytes]:
    """Headers and raw body as WooCommerce posts a webhook."""
    raw = json.dumps(body).encode()
    resource, event = topic.split(".")
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": f"{WOO}/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": signatures.sign(secret, raw),
        "X-WC-Webhook-ID": "143",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }, raw


PRESTA = "https://sklep.example.pl"
PRESTA_KEY = "UCCLLQ9N2ARSHWCXLT74KUKSSK34BFKX"
#: Local time of the fake shop (its ``PS_TIMEZONE``): PrestaShop dates carry no offset.
PRESTA_ZONE = ZoneInfo("Europe/Warsaw")
REALM = (
    "Welcome to PrestaShop Webservice, please enter the authentication key as the login. "
    "No password required."
)


def presta_time(moment: datetime) -> str:
    return moment.astimezone(PRESTA_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def _only(records: list[dict[str, Any]], display: str) -> list[dict[str, Any]]:
    """``display=[a,b]`` keeps those fields; ``full`` all of them."""
    if display == "full":
        return records
    names = display.strip("[]").split(",")
    return [{k: r[k] for k in names if k in r} for r in records]


@dataclass
class FakePresta:
    """``/api/<resource>`` of a PrestaShop 8 Webservice, JSON output, in the shapes of
    tests/fixtures/prestashop/; orders multiplied from the documented one."""

    key: str = PRESTA_KEY
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    addresses: dict[int, dict[str, Any]] = field(default_factory=dict)
    order_carriers: dict[int, dict[str, Any]] = field(default_factory=dict)
    histories: list[dict[str, Any]] = field(default_factory=list)
    faults: list[httpx.Response] = field(default_factory=list)
    #: ``limit`` and ``filter[date_upd]`` of every orders listing read.
    order_reads: list[tuple[str, str | None]] = field(default_factory=list)
    #: Bodies Doorstep wrote, as (method, path, {field: value}).
    writes: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    @classmethod
    def with_orders(cls, count: int, base: datetime) -> FakePresta:
        store = cls()
        customer = fixture("prestashop", "customers.json")["customers"][0]
        address = fixture("prestashop", "addresses.json")["addresses"][0]
        order = fixture("prestashop", "orders.json")["orders"][0]
        carrier = fixture("prestashop", "order_carriers.json")["order_carriers"][0]
        for n in range(50):
            store.customers[100 + n] = {
                **copy.deepcopy(customer),
                "id": 100 + n,
                "email": f"klient{n}@example.pl",
            }
            store.addresses[500 + n] = {
                **copy.deepcopy(address),
                "id": 500 + n,
                "id_customer": str(100 + n),
            }
        for n in range(count):
            made = copy.deepcopy(order)
            made.update(
                id=1000 + n,
                reference=f"XKB{n:06d}",
                id_customer=str(100 + n % 50),
                id_address_delivery=str(500 + n % 50),
                date_add=presta_time(base + timedelta(minutes=n)),
                date_upd=presta_time(base + timedelta(minutes=n)),
            )
            for i, row in enumerate(made["associations"]["order_rows"]):
                row["id"] = str(10_000 + n * 10 + i)
            store.orders[1000 + n] = made
            store.order_carriers[2000 + n] = {
                **copy.deepcopy(carrier),
                "id": 2000 + n,
                "id_order": str(1000 + n),
            }
        return store

    def _authorised(self, request: httpx.Request) -> bool:
        """The key as HTTP Basic username, no password (the documentation's header)."""
        token = base64.b64encode(f"{self.key}:".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {token}"

    def answer(self, request: httpx.Request) -> httpx.Response:
        if not self._authorised(request):
            return httpx.Response(
                401,
                headers={"WWW-Authenticate": f'Basic realm="{REALM}"'},
                json={"errors": [{"code": 17, "message": "Authentication key is empty"}]},
            )
        assert request.url.params.get("output_format") == "JSON", request.url
        parts = request.url.path.removeprefix("/api/").split("/")
        resource, single = parts[0], (int(parts[1]) if len(parts) > 1 else None)
        if request.method in ("POST", "PUT"):
            return self._write(request, resource, single)
        if resource == "orders" and single is None and self.faults:
            return self.faults.pop(0)
        if single is not None:
            record = self._table(resource)[single]
            return httpx.Response(200, json={resource.rstrip("s"): record})
        return self._listing(request, resource)

    def _table(self, resource: str) -> dict[int, dict[str, Any]]:
        tables: dict[str, dict[int, dict[str, Any]]] = {
            "orders": self.orders,
            "customers": self.customers,
            "addresses": self.addresses,
            "order_carriers": self.order_carriers,
            "order_histories": {h["id"]: h for h in self.histories},
        }
        if resource in tables:
            return tables[resource]
        return {r["id"]: r for r in fixture("prestashop", f"{resource}.json")[resource]}

    def _listing(self, request: httpx.Request, resource: str) -> httpx.Response:
        params = request.url.params
        records = sorted(self._table(resource).values(), key=lambda r: r["id"])
        for name, value in params.items():
            if not name.startswith("filter["):
                continue
            key = name[7:-1]
            if "," in value:  # [from,to]: an interval, the end exclusive (dates need date=1)
                assert params.get("date") == "1" or not key.startswith("date"), "date=1 missing"
                low, high = value.strip("[]").split(",")
                records = [r for r in records if low <= str(r[key]) < high]
            else:
                wanted = set(value.strip("[]").split("|"))
                records = [r for r in records if str(r[key]) in wanted]
        if resource == "orders":
            self.order_reads.append((params.get("limit", ""), params.get("filter[date_upd]")))
        if "limit" in params:
            offset, _, count = params["limit"].rpartition(",")
            start = int(offset or 0)
            records = records[start : start + int(count)]
        if not records:
            return httpx.Response(200, json=[])  # PrestaShop's empty JSON listing
        chosen = _only(copy.deepcopy(records), params.get("display", "[id]"))
        return httpx.Response(200, json={resource: chosen})

    def _write(self, request: httpx.Request, resource: str, single: int | None) -> httpx.Response:
        assert request.headers["Content-Type"].startswith("text/xml")
        root = ElementTree.fromstring(request.content)
        assert root.tag == "prestashop"
        (record,) = list(root)
        fields = {child.tag: child.text or "" for child in record}
        self.writes.append((request.method, request.url.path, fields))
        if resource == "order_histories" and request.method == "POST":
            made = {
                **fixture("prestashop", "order_history_create.json")["order_history"],
                **fields,
                "id": 100 + len(self.histories),
            }
            self.histories.append(made)
            self.orders[int(fields["id_order"])]["current_state"] = fields["id_order_state"]
            return httpx.Response(201, json={"order_history": made})
        if resource == "order_carriers" and request.method == "PUT" and single is not None:
            self.order_carriers[single].update({k: v for k, v in fields.items() if k != "id"})
            return httpx.Response(200, json={"order_carrier": self.order_carriers[single]})
        raise AssertionError(f"unexpected {request.method} {request.url.path}")
