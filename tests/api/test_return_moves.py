"""POST /api/v1/returns and /returns/{number}/actions/{action}: a return started by the
shop goes through the customer pages' policy and path, and each queue move goes through
the workspace's functions (same states, stock, webhooks), recorded as ``api:<key id>``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from portal.models import (
    ApiKey,
    Merchant,
    Order,
    ProductVariant,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
    ReturnTransition,
    WebhookDelivery,
)
from portal.settings import Settings
from portal.webhooks_out import admin
from tests import factories
from tests.admin.returns_helpers import return_for
from tests.returns.helpers import delivered_order


async def _order(shop: Merchant, **item: Any) -> tuple[Order, int]:
    order = await delivered_order(shop)
    variant = await factories.variant(shop, sku=f"TEE-{order.id}", stock=5)
    item.setdefault("quantity", 2)
    row = await factories.order_item(
        order, variant=variant, sku=variant.sku, unit_price=Decimal("30.00"), **item
    )
    return order, row.id


def _body(order: Order, item_id: int, **line: Any) -> dict[str, Any]:
    return {
        "order_number": order.number,
        "items": [{"order_item_id": item_id, "quantity": 1, "resolution": "refund", **line}],
    }


async def _reviewed(shop: Merchant) -> None:
    await ReturnPolicy.create(merchant=shop, auto_approve_rules={"enabled": False})


async def _create(api: httpx.AsyncClient, shop: Merchant) -> str:
    order, item_id = await _order(shop)
    response = await api.post("/api/v1/returns", json=_body(order, item_id))
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


async def _act(api: httpx.AsyncClient, number: str, action: str, **body: Any) -> httpx.Response:
    return await api.post(f"/api/v1/returns/{number}/actions/{action}", json=body)


async def test_a_return_auto_approved_by_the_policy(api: httpx.AsyncClient, shop: Merchant) -> None:
    await ReturnPolicy.create(merchant=shop, auto_approve_rules={"max_value": "1000"})
    order, item_id = await _order(shop)
    await ReturnReason.create(merchant=shop, code="too_small", labels={"en": "Too small"})
    body = _body(order, item_id, reason="too_small", comment="tight")
    body["items"][0].pop("order_item_id")
    body["items"][0]["sku"] = f"TEE-{order.id}"
    response = await api.post("/api/v1/returns", json={**body, "note": "by phone"})
    assert response.status_code == 201, response.text
    got = response.json()
    assert got["state"] == "awaiting_shipment"
    assert response.headers["location"] == f"/api/v1/returns/{got['number']}"
    (item,) = got["items"]
    assert (item["quantity"], item["reason"], item["comment"]) == (1, "too_small", "tight")
    assert got["customer_note"] == "by phone"
    ret = await ReturnRequest.get(number=got["number"])
    key = await ApiKey.get(merchant=shop)
    first = await ReturnTransition.filter(return_request=ret).order_by("id").first()
    assert first is not None and first.actor == f"api:{key.id}"


async def test_a_return_needing_review(api: httpx.AsyncClient, shop: Merchant) -> None:
    await _reviewed(shop)
    number = await _create(api, shop)
    assert (await ReturnRequest.get(number=number)).state == "needs_review"


async def test_refused_items_come_back_with_reasons(api: httpx.AsyncClient, shop: Merchant) -> None:
    await ReturnPolicy.create(merchant=shop, window_days=1)
    order, item_id = await _order(shop)
    final = await factories.order_item(order, sku="SALE-1", final_sale=True, quantity=1)
    body = _body(order, item_id)
    body["items"].append({"sku": "SALE-1", "quantity": 1, "resolution": "refund"})
    body["items"].append({"sku": "NOPE", "quantity": 1, "resolution": "refund"})
    response = await api.post("/api/v1/returns", json=body)
    assert response.status_code == 422
    assert [(e["pointer"], e["detail"].split(":")[0]) for e in response.json()["errors"]] == [
        ("/items/2/sku", "unknown_item")
    ]
    body["items"].pop()
    response = await api.post("/api/v1/returns", json=body)
    assert response.status_code == 422
    refused = {e["pointer"]: e["detail"].split(":")[0] for e in response.json()["errors"]}
    assert refused == {"/items/0": "window_closed", "/items/1": "final_sale"}
    assert not await ReturnRequest.filter(order_id=order.id).exists()
    assert final.id


async def test_staff_override_the_policy_but_not_the_quantity(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    await ReturnPolicy.create(merchant=shop, window_days=1, auto_approve_rules={"enabled": False})
    order, item_id = await _order(shop)
    too_many = _body(order, item_id, quantity=3)
    too_many["override_policy"] = True
    response = await api.post("/api/v1/returns", json=too_many)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/items/0/quantity"
    ok = _body(order, item_id, quantity=2)
    ok["override_policy"] = True
    response = await api.post("/api/v1/returns", json=ok)
    assert response.status_code == 201, response.text
    again = await api.post("/api/v1/returns", json={**ok, "items": [{**ok["items"][0]}]})
    assert again.status_code == 422
    assert again.json()["errors"][0]["detail"].startswith("fully_returned")


async def test_a_retried_creation_makes_one_return(api: httpx.AsyncClient, shop: Merchant) -> None:
    await _reviewed(shop)
    order, item_id = await _order(shop)
    headers = {"Idempotency-Key": "ret-1"}
    first = await api.post("/api/v1/returns", json=_body(order, item_id), headers=headers)
    second = await api.post("/api/v1/returns", json=_body(order, item_id), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json()["number"] == second.json()["number"]
    assert await ReturnRequest.filter(order_id=order.id).count() == 1
    assert (await ReturnRequest.get(order_id=order.id)).submission_key is not None


async def test_every_move_through_the_queue(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    await _reviewed(shop)
    endpoint, _ = await admin.create_endpoint(
        api_settings, merchant_id=shop.id, url="https://x.test/h", topics_=["return.*"]
    )
    number = await _create(api, shop)
    approved = await _act(api, number, "approve", note="fine")
    assert (approved.status_code, approved.json()["state"]) == (200, "awaiting_shipment")
    received = await _act(api, number, "receive", settle_now=False)
    assert received.json()["state"] == "received"
    items = received.json()["items"]
    variant = await ProductVariant.get(sku=items[0]["sku"])
    verdicts = [{"id": i["id"], "condition": "as_new", "restock": True} for i in items]
    inspected = await _act(api, number, "inspect", items=verdicts)
    assert inspected.status_code == 200, inspected.text
    assert inspected.json()["items"][0]["condition"] == "as_new"
    assert (await ProductVariant.get(id=variant.id)).stock == variant.stock + 1
    resolved = await _act(api, number, "resolve")
    assert resolved.json()["state"] == "resolved"
    closed = await _act(api, number, "close")
    assert closed.json()["state"] == "closed"
    topics = [d.topic for d in await WebhookDelivery.filter(endpoint=endpoint).order_by("id")]
    assert topics == [
        "return.requested",
        "return.needs_review",
        "return.approved",
        "return.awaiting_shipment",
        "return.received",
        "return.inspected",
        "return.resolved",
        "return.closed",
    ]
    key = await ApiKey.get(merchant=shop)
    actors = await ReturnTransition.filter(
        return_request__number=number, to_state__in=["approved", "received", "closed"]
    ).values_list("actor", flat=True)
    assert set(actors) == {f"api:{key.id}"}


async def test_reject_needs_a_message_and_tells_it(api: httpx.AsyncClient, shop: Merchant) -> None:
    await _reviewed(shop)
    number = await _create(api, shop)
    assert (await _act(api, number, "reject")).status_code == 422
    assert (await _act(api, number, "reject", message="   ")).status_code == 422
    rejected = await _act(api, number, "reject", message="Worn and washed.")
    assert rejected.status_code == 200
    assert (rejected.json()["state"], rejected.json()["merchant_note"]) == (
        "rejected",
        "Worn and washed.",
    )


async def test_receive_settling_now_and_cancel(api: httpx.AsyncClient, shop: Merchant) -> None:
    await _reviewed(shop)
    settled = await _create(api, shop)
    await _act(api, settled, "approve")
    received = await _act(api, settled, "receive", settle_now=True)
    assert received.json()["state"] == "resolved"
    cancelled = await _create(api, shop)
    response = await _act(api, cancelled, "cancel", note="customer called")
    assert response.json()["state"] == "cancelled"


async def test_a_refused_move_changes_nothing(api: httpx.AsyncClient, shop: Merchant) -> None:
    await _reviewed(shop)
    number = await _create(api, shop)
    before = await ReturnRequest.get(number=number)
    moves = await ReturnTransition.filter(return_request=before).count()
    response = await _act(api, number, "close")
    assert response.status_code == 409
    assert response.json()["state"] == "needs_review"
    after = await ReturnRequest.get(number=number)
    assert (after.state, after.updated_at) == (before.state, before.updated_at)
    assert await ReturnTransition.filter(return_request=before).count() == moves


async def test_an_incomplete_inspection_is_refused(api: httpx.AsyncClient, shop: Merchant) -> None:
    await _reviewed(shop)
    number = await _create(api, shop)
    await _act(api, number, "approve")
    await _act(api, number, "receive")
    response = await _act(api, number, "inspect", items=[])
    assert response.status_code == 422
    assert response.json()["errors"][0]["detail"].startswith("missing")
    assert (await ReturnRequest.get(number=number)).state == "received"


async def test_another_shops_return_is_not_found(api: httpx.AsyncClient, db: str) -> None:
    other = await factories.merchant()
    await _reviewed(other)
    order, item_id = await _order(other)
    assert (await api.post("/api/v1/returns", json=_body(order, item_id))).status_code == 404
    theirs = await return_for(other)
    assert (await _act(api, theirs.number, "approve")).status_code == 404
    assert (await ReturnRequest.get(id=theirs.id)).state == "needs_review"


async def test_an_exchange_by_sku_and_an_approval_out_of_stock(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    """The swap is named by SKU; when its stock is gone before approval, approving answers
    409 and the return stays under review."""
    await _reviewed(shop)
    order, item_id = await _order(shop)
    swap = await factories.variant(shop, sku="TEE-XL", stock=1)
    body = _body(order, item_id, resolution="exchange", exchange_sku="TEE-XL")
    response = await api.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["items"][0]["exchange"]["sku"] == "TEE-XL"
    number = response.json()["number"]
    await ProductVariant.filter(id=swap.id).update(stock=0)
    refused = await _act(api, number, "approve")
    assert refused.status_code == 409
    assert (await ReturnRequest.get(number=number)).state == "needs_review"
    unknown = _body(order, item_id, resolution="exchange", exchange_sku="NOPE")
    response = await api.post("/api/v1/returns", json=unknown)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/items/0/exchange_sku"


async def test_a_reason_for_a_category_is_taken_whatever_its_case(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    """The shop's reason is for "tees", its order line says "Tees": the same category."""
    await ReturnPolicy.create(merchant=shop, auto_approve_rules={"max_value": "1000"})
    await ReturnReason.create(
        merchant=shop, code="faded", labels={"en": "Faded"}, categories=["tees"]
    )
    await ReturnReason.create(
        merchant=shop, code="dead", labels={"en": "Won't charge"}, categories=["Chargers"]
    )
    order, item_id = await _order(shop, category="Tees")
    refused = await api.post("/api/v1/returns", json=_body(order, item_id, reason="dead"))
    assert refused.status_code == 422
    assert [(e["pointer"], e["detail"].split(":")[0]) for e in refused.json()["errors"]] == [
        ("/items/0/reason", "reason_category")
    ]
    taken = await api.post("/api/v1/returns", json=_body(order, item_id, reason="faded"))
    assert taken.status_code == 201, taken.text
    assert taken.json()["items"][0]["reason"] == "faded"
