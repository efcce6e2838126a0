"""GET /api/v1/returns and /returns/{number}: the shape the shop pays refunds out from,
filters, cursor pages, and another merchant's returns staying invisible."""

from __future__ import annotations

from decimal import Decimal

import httpx

from portal.models import CreditEntry, Merchant, ReturnPolicy, ReturnRequest, Shipment
from portal.models.tracking import Direction
from portal.returns import credit, queue, service
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


async def test_the_parcel_coming_back_is_linked_tracked_and_corrected(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    """The shop's system sends the number the customer got at the drop-off: the parcel
    becomes a return shipment polled now; a corrected number keeps the one parcel."""
    await _review_policy(shop)
    ret = await return_for(shop)
    await service.approve(ret, actor="staff:1", settings=factories.app_settings())
    url = f"/api/v1/returns/{ret.number}/shipment"
    response = await api.put(url, json={"tracking_number": "1Z 999 AA1 0123456784"})
    assert response.status_code == 201
    parcel = response.json()["return_shipment"]
    assert (parcel["tracking_number"], parcel["carrier"], parcel["status"]) == (
        "1Z999AA10123456784",
        "ups",
        "pending",
    )
    shipment = await Shipment.get(tracking_number="1Z999AA10123456784")
    assert shipment.direction is Direction.RETURN and shipment.next_poll_at is not None
    assert (await ReturnRequest.get(id=ret.id)).return_shipment_id == shipment.id

    corrected = await api.put(url, json={"tracking_number": "1234567890", "carrier": "dhl"})
    assert corrected.status_code == 200
    assert corrected.json()["return_shipment"]["carrier"] == "dhl"
    assert await Shipment.filter(direction=Direction.RETURN).count() == 1


async def test_a_parcel_is_refused_with_a_reason(api: httpx.AsyncClient, shop: Merchant) -> None:
    await _review_policy(shop)
    ret = await return_for(shop)
    url = f"/api/v1/returns/{ret.number}/shipment"
    assert (await api.put(url, json={"tracking_number": "1Z999AA10123456784"})).status_code == 409
    await service.approve(ret, actor="staff:1", settings=factories.app_settings())
    unknown = await api.put(url, json={"tracking_number": "ABCDEFGH12"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/carrier"
    assert (
        await api.put(url, json={"tracking_number": "ABCDEFGH12", "carrier": "nope"})
    ).status_code == 422
    assert not await Shipment.filter(direction=Direction.RETURN).exists()
    missing = await api.put(
        "/api/v1/returns/R-NOPE/shipment", json={"tracking_number": "1Z999AA10123456784"}
    )
    assert missing.status_code == 404


async def test_store_credit_is_issued_once_on_resolution(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    """The credit a return grants becomes a ledger entry when it is resolved: shown in the
    return's payload (and so its return.resolved webhook) and the customer's ledger."""
    await _review_policy(shop)
    ret = await return_for(shop, resolution="store_credit")
    settings = factories.app_settings()
    await service.approve(ret, actor="staff:1", settings=settings)
    assert (await api.get(f"/api/v1/returns/{ret.number}")).json()["credit_issued"] is None
    await queue.mark_received(ret, actor="staff:1", issue_refund=True, settings=settings)
    body = (await api.get(f"/api/v1/returns/{ret.number}")).json()
    assert body["state"] == "resolved"
    assert body["credit_issued"] == body["credit_total"] != "0.00"

    customer_id = (await ReturnRequest.get(id=ret.id)).customer_id
    ledger = (await api.get(f"/api/v1/customers/{customer_id}/credit")).json()
    (entry,) = ledger["entries"]
    assert (entry["amount"], entry["currency"], entry["return_number"]) == (
        body["credit_total"],
        "USD",
        ret.number,
    )
    assert ledger["balances"] == {"USD": body["credit_total"]}
    # Issuing again (a replayed listener) writes nothing.
    assert await credit.issue_for_return(await ReturnRequest.get(id=ret.id)) is None
    assert await CreditEntry.filter(return_request_id=ret.id).count() == 1


async def test_another_shops_customer_credit_is_not_found(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    theirs = await factories.customer()
    assert (await api.get(f"/api/v1/customers/{theirs.id}/credit")).status_code == 404
