"""Shopify refuses any query whose requested cost is over 1,000 points (MAX_COST_EXCEEDED).
Every query Doorstep sends stays under it by the documented rules; what a nested page
leaves out (line items, fulfilments, variants) is read by a follow-up, never dropped; and a
refusal halves the page and asks again. Rules:
https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits (see
tests/fixtures/shopify/SOURCE.md)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.models import Order, OrderItem, ProductVariant, Shipment
from portal.platforms import shopify_queries as shopify
from portal.platforms.backfill import sync_connection
from portal.platforms.base import PlatformError
from portal.platforms.shopify import ShopifyClient
from portal.platforms.shopify_cost import MAX_QUERY_COST, requested_cost
from portal.platforms.transport import Transport
from tests.platforms.fakes import (
    SHOP,
    SHOPIFY_GRAPHQL,
    SHOPIFY_TOKEN,
    FakeShopify,
    fixture,
    shopify_order,
)
from tests.platforms.test_shopify import app, connected  # noqa: F401 - the app fixture

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

#: Every query the client sends, with the variables it sends them with.
SENT = {
    "orders page": (shopify.ORDERS_QUERY, {"first": shopify.ORDERS_PAGE}),
    "products page": (shopify.PRODUCTS_QUERY, {"first": shopify.PRODUCTS_PAGE}),
    "an order's line items": (shopify.ORDER_LINE_ITEMS_QUERY, {"first": shopify.FOLLOW_UP_PAGE}),
    "an order's fulfilments": (shopify.ORDER_FULFILMENTS_QUERY, {}),
    "a product's variants": (shopify.PRODUCT_VARIANTS_QUERY, {"first": shopify.FOLLOW_UP_PAGE}),
    "shop": (shopify.SHOP_QUERY, {}),
    "webhook": (shopify.WEBHOOK_CREATE, {}),
    "fulfilment event": (shopify.EVENT_CREATE, {}),
    "refund": (shopify.REFUND_CREATE, {}),
    "a return's order": (shopify.RETURN_CONTEXT_QUERY, {}),
    "variants by SKU": (shopify.VARIANTS_BY_SKU_QUERY, {}),
    "return": (shopify.RETURN_CREATE, {}),
}


def test_costs_follow_the_documented_rules() -> None:
    # An object costs 1, scalars 0.
    assert requested_cost("query { shop { name myshopifyDomain } }") == 1
    # A connection: 2 plus its first argument times one node.
    assert requested_cost("query { products(first: 10) { edges { node { title } } } }") == 12
    # A mutation costs 10.
    assert requested_cost("mutation { refundCreate(input: $i) { refund { id } } }") == 11
    # Nested connections multiply, from a variable too.
    nested = (
        "query Q($n: Int!) {"
        " orders(first: $n) { nodes { lineItems(first: 100) { nodes { id } } } } }"
    )
    assert requested_cost(nested, {"n": 100}) == 2 + 100 * (1 + 2 + 100 * 1)


def test_the_old_page_sizes_would_have_been_refused() -> None:
    old = shopify.ORDERS_QUERY.replace(
        f"lineItems(first: {shopify.LINE_ITEMS_PAGE})", "lineItems(first: 100)"
    )
    assert requested_cost(old, {"first": 100}) > MAX_QUERY_COST


@pytest.mark.parametrize("name", SENT)
def test_every_query_we_send_costs_at_most_1000_points(name: str) -> None:
    query, variables = SENT[name]
    assert requested_cost(query, variables) <= MAX_QUERY_COST


def big_order(items: int, fulfilments: int) -> dict[str, Any]:
    """The documented order node with many line items and fulfilments, each fulfilment
    with one tracking number (Fulfillment.trackingInfo as fixtures/shopify/SOURCE.md)."""
    node = shopify_order(0, BASE)
    template = node["lineItems"]["nodes"][0]
    node["lineItems"] = {
        "nodes": [
            {**template, "id": f"gid://shopify/LineItem/{9_000_000 + i}", "sku": f"SKU-{i}"}
            for i in range(items)
        ]
    }
    node["fulfillments"] = [
        {
            "id": f"gid://shopify/Fulfillment/{255_858_000 + i}",
            "status": "SUCCESS",
            "trackingInfo": [{"company": "DHL Express", "number": f"00340434161094{i:06d}"}],
        }
        for i in range(fulfilments)
    ]
    return node


def big_product(variants: int) -> dict[str, Any]:
    node = copy.deepcopy(fixture("shopify", "products_page.json"))["data"]["products"]
    node = node["edges"][0]["node"]
    template = node["variants"]["nodes"][0]
    node["variants"] = {
        "nodes": [
            {
                **template,
                "id": f"gid://shopify/ProductVariant/{808_951_000 + i}",
                "sku": f"IPOD-{i}",
                "selectedOptions": [{"name": "Color", "value": f"Colour {i}"}],
            }
            for i in range(variants)
        ]
    }
    return node


@pytest.fixture
async def client() -> AsyncIterator[ShopifyClient]:
    async def no_wait(seconds: float) -> None:
        return None

    async with httpx.AsyncClient() as http:
        yield ShopifyClient(SHOP, {"access_token": SHOPIFY_TOKEN}, Transport(http, sleep=no_wait))


def asked(store: FakeShopify) -> list[tuple[str, Any]]:
    return [(name, variables.get("after")) for name, _cost, variables in store.asked]


async def test_an_order_longer_than_its_nested_pages_is_read_whole(client: ShopifyClient) -> None:
    store = FakeShopify(orders=[big_order(300, 3)] + [shopify_order(n, BASE) for n in range(1, 5)])
    with respx.mock:
        respx.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        page = await client.orders(None, None)

    whole = page.records[0]
    assert [item.sku for item in whole.items] == [f"SKU-{i}" for i in range(300)]
    assert [p.tracking_number for p in whole.parcels] == [
        f"00340434161094{i:06d}" for i in range(3)
    ]
    assert [len(o.items) for o in page.records[1:]] == [1, 1, 1, 1]
    # 6 line items came with the page, then 250 and 44 by cursor; the fulfilments again
    # because the page held as many as it asked for. The short orders needed nothing.
    assert asked(store) == [
        ("Orders", None),
        ("OrderLineItems", "6"),
        ("OrderLineItems", "256"),
        ("OrderFulfillments", None),
    ]
    assert all(cost <= MAX_QUERY_COST for _name, cost, _vars in store.asked)


async def test_a_product_with_more_variants_than_its_page_is_read_whole(
    client: ShopifyClient,
) -> None:
    store = FakeShopify(products=[big_product(30)])
    with respx.mock:
        respx.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        page = await client.products(None)

    assert [v.sku for v in page.records[0].variants] == [f"IPOD-{i}" for i in range(30)]
    assert asked(store) == [("Products", None), ("ProductVariants", "20")]


async def test_a_page_refused_as_too_costly_is_asked_again_at_half_the_size(
    client: ShopifyClient,
) -> None:
    store = FakeShopify(orders=[shopify_order(n, BASE) for n in range(30)], max_cost=500)
    with respx.mock:
        respx.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        first = await client.orders(None, None)
        second = await client.orders(first.next, None)

    sizes = [(cost, variables["first"]) for _name, cost, variables in store.asked]
    # 942 points refused (MAX_COST_EXCEEDED), 472 answered; the next page starts at 10.
    assert sizes == [(982, 20), (492, 10), (492, 10)]
    assert (len(first.records), len(second.records)) == (10, 10)
    assert client.page_sizes["orders"] == 10


async def test_a_query_too_costly_even_for_one_order_fails_with_shopifys_reason(
    client: ShopifyClient,
) -> None:
    store = FakeShopify(orders=[shopify_order(0, BASE)], max_cost=5)
    with respx.mock:
        respx.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        with pytest.raises(PlatformError, match="MAX_COST_EXCEEDED"):
            await client.orders(None, None)

    assert [variables["first"] for _n, _c, variables in store.asked] == [20, 10, 5, 2, 1]


async def test_a_backfill_stores_every_line_item_parcel_and_variant(
    app: Starlette,  # noqa: F811
) -> None:
    store = FakeShopify(
        orders=[big_order(30, 3)] + [shopify_order(n, BASE) for n in range(1, 45)],
        products=[big_product(30)],
    )
    with respx.mock(assert_all_called=False) as mock:
        mock.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        connection = await connected(app)
        async with httpx.AsyncClient() as http:
            report = await sync_connection(connection, app.state.settings, http, full=True)

    assert report.problems == []
    big = await Order.get(number="#1000")
    assert await OrderItem.filter(order_id=big.id).count() == 30
    assert await Shipment.filter(order_id=big.id).count() == 3
    assert await Order.all().count() == 45
    assert await ProductVariant.filter(sku__startswith="IPOD-").count() == 30
    assert max(cost for _name, cost, _vars in store.asked) <= MAX_QUERY_COST


async def test_an_order_with_more_fulfilments_than_even_the_second_read_is_logged(
    client: ShopifyClient, caplog: pytest.LogCaptureFixture
) -> None:
    store = FakeShopify(orders=[big_order(1, 60)])
    with respx.mock:
        respx.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        page = await client.orders(None, None)

    # Fulfilments are a list without cursors: 50 are read, and the cut is said, not hidden.
    assert len(page.records[0].parcels) == 50
    assert "may have more than 50 fulfilments" in caplog.text
