"""The stores and the carrier, faked at HTTP in their documented shapes (respx side effects).

Payloads come from tests/fixtures/<platform>/ (see SOURCE.md there); the fakes only
multiply them into many orders and record what Doorstep sent.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from portal.platforms import signatures

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


def _cost(available: float = 1990.0) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": 252,
            "actualQueryCost": 52,
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
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    order_pages: int = 0

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
            return httpx.Response(200, json=fixture("shopify", "products_page.json"))
        if "orders(" in query:
            return self._orders(variables)
        if "fulfillmentEventCreate" in query:
            self.events.append(variables["fulfillmentEvent"])
            return httpx.Response(200, json=fixture("shopify", "fulfillment_event_create.json"))
        raise AssertionError(f"unexpected query {query[:60]}")

    def _orders(self, variables: dict[str, Any]) -> httpx.Response:
        self.order_pages += 1
        start = int(variables["after"]) if variables.get("after") else 0
        page = self.orders[start : start + int(variables["first"])]
        end = start + len(page)
        return httpx.Response(
            200,
            json={
                "data": {
                    "orders": {
                        "edges": [
                            {"cursor": str(start + i + 1), "node": n} for i, n in enumerate(page)
                        ],
                        "pageInfo": {"hasNextPage": end < len(self.orders), "endCursor": str(end)},
                    }
                },
                "extensions": _cost(),
            },
        )


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
