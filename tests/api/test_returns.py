"""GET /api/v1/returns and /returns/{number}: the shape the shop pays refunds out from,
filters, cursor pages, and another merchant's returns staying invisible."""

from __future__ import annotations

from decimal import Decimal

import httpx

from portal.models import Merchant, ReturnPolicy, ReturnRequest
from portal.returns import queue, service
from tests import factories
from tests.admin.returns_helpers import return_for


async def _review_policy(shop: Merchant) -> None:
    await ReturnPolicy.create(
        merchant=shop, auto_approve_rules={"enabled": False}, return_shipping_fee=Decimal("5")
    )


async def test_one_return_with_its_items_and_amounts(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    await _review_policy(shop)
    shirt = await factories.variant(shop, sku="TEE-L")
    ret = await return_for(shop, quantity=2, variant=shirt, reason="too_large")
    await service.approve(ret, actor="staff:1", settings=factories.app_settings())
    await queue.mark_received(
        ret, actor="staff:1", issue_refund=True, settings=factories.app_settings()
    )
    response = await api.get(f"/api/v1/returns/{ret.number}")
    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["state"], body["currency"]) == (ret.number, "resolved", "USD")
    assert (body["refund_total"], body["credit_total"], body["fees_total"]) == (
        "55.00",
        "0.00",
        "5.00",
    )
    (item,) = body["items"]
    assert (item["sku"], item["quantity"], item["amount"], item["reason"]) == (
        "TEE-L",
        2,
        "60.00",
        "too_large",
    )
    assert body["resolved_at"] is not None


async def test_the_list_filters_and_pages(api: httpx.AsyncClient, shop: Merchant) -> None:
    await _review_policy(shop)
    made = [await return_for(shop) for _ in range(3)]
    await service.reject(made[0], actor="staff:1", note="no", settings=factories.app_settings())
    rejected = await api.get("/api/v1/returns", params={"state": "rejected"})
    assert [r["number"] for r in rejected.json()["data"]] == [made[0].number]
    first = await api.get("/api/v1/returns", params={"limit": 2})
    page = first.json()
    assert [r["number"] for r in page["data"]] == [made[2].number, made[1].number]
    second = await api.get("/api/v1/returns", params={"limit": 2, "cursor": page["next_cursor"]})
    assert [r["number"] for r in second.json()["data"]] == [made[0].number]
    assert second.json()["next_cursor"] is None
    order = await (await ReturnRequest.get(id=made[1].id)).order
    by_order = await api.get("/api/v1/returns", params={"order_number": order.number})
    assert [r["number"] for r in by_order.json()["data"]] == [made[1].number]


async def test_another_merchants_return_is_not_found(api: httpx.AsyncClient, db: str) -> None:
    other = await factories.merchant()
    await _review_policy(other)
    theirs = await return_for(other)
    assert (await api.get(f"/api/v1/returns/{theirs.number}")).status_code == 404
    assert (await api.get("/api/v1/returns")).json()["data"] == []


async def test_a_bad_state_filter_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/returns", params={"state": "lost"})
    assert response.status_code == 422
