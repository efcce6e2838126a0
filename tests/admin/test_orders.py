"""Orders: list, search, detail with items and shipments, tenant isolation."""

from __future__ import annotations

import httpx

from tests import factories
from tests.admin.helpers import signed_in_owner


async def test_the_list_searches_the_merchants_orders(client: httpx.AsyncClient, db: str) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    mine = await factories.order(shop, number="#9001")
    await factories.order(shop, number="#9002")
    await factories.order(number="#9001-other")
    page = await client.get("/admin/orders", params={"q": "9001"})
    assert [o.id for o in page.context["orders"]] == [mine.id]


async def test_the_detail_lists_items_and_shipments(client: httpx.AsyncClient, db: str) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    order = await factories.order(shop)
    await factories.order_item(order, sku="TEE-1")
    await factories.shipment(shop, order=order)
    page = await client.get(f"/admin/orders/{order.id}")
    assert [i.sku for i in page.context["items"]] == ["TEE-1"]
    assert len(page.context["shipments"]) == 1


async def test_another_merchants_order_is_not_found(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    theirs = await factories.order()
    assert (await client.get(f"/admin/orders/{theirs.id}")).status_code == 404
    page = await client.get("/admin/orders", params={"q": theirs.number})
    assert page.context["orders"] == []
