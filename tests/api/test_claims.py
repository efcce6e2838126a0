"""GET /api/v1/claims, /claims/{number} and POST /claims/{number}/actions/{action}: a shop
whose helpdesk lives elsewhere reads the claim the ``claim.*`` webhooks carry and resolves it
through the workspace's own functions (same checks, same replacement parcel, the customer
told the same way), recorded as ``api:<key id>``; another shop's claims stay out of reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from carriers.base import Reason, Status
from portal.claims import service
from portal.models import (
    ApiKey,
    Claim,
    Customer,
    DomainEvent,
    Merchant,
    Order,
    OrderItem,
    OutboxMessage,
    Shipment,
    WebhookDelivery,
)
from portal.models.claims import ClaimState
from tests import factories
from tests.api.conftest import api_client, make_key

EMAIL = "ola@example.test"
#: DHL Express waybills: nine digits and their value mod 7 as the check digit.
REPLACEMENT = "3404341824"
OTHER = "3404341835"


async def _claim(
    shop: Merchant,
    *,
    order_number: str = "#7001",
    tracking_number: str = "3404341776",
    status: Status = Status.DELIVERED,
    kind: str = "damaged",
) -> Claim:
    """A customer's claim about a parcel of two lamps, one of them reported."""
    buyer = await Customer.get_or_none(merchant=shop, email=EMAIL) or await factories.customer(
        shop, email=EMAIL, name="Ola", locale="pl"
    )
    order = await factories.order(shop, customer=buyer, email=EMAIL, number=order_number,
                                  currency="PLN", ship_name="Ola", ship_city="Kraków")  # fmt: skip
    lamp = await factories.order_item(
        order, sku="LAMP", title="Lamp", quantity=2, unit_price=Decimal("120.00")
    )
    parcel = await factories.shipment(
        shop, order=order, status=status, reason=Reason.LOST if status is Status.EXCEPTION
        else None, carrier_key="dhl", tracking_number=tracking_number,
        shipped_at=datetime.now(UTC) - timedelta(days=3),
    )  # fmt: skip
    return await service.submit(
        parcel,
        kind=kind,
        description="The lamp's shade is cracked.",
        quantities={lamp.id: 1},
        photo_paths=[],
        not_received_statement=False,
        locale="pl",
        settings=factories.app_settings(),
    )


async def _act(
    api: httpx.AsyncClient, number: str, action: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return await api.post(f"/api/v1/claims/{number}/actions/{action}", json=body, headers=headers)


async def test_a_claim_reads_as_the_claim_webhooks_carry_it(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    hooked = await api.post(
        "/api/v1/webhook-endpoints",
        json={"url": "https://helpdesk.shop.test/doorstep", "topics": ["claim.*"]},
    )
    assert hooked.status_code == 201, hooked.text
    claim = await _claim(shop)

    response = await api.get(f"/api/v1/claims/{claim.number}")

    assert response.status_code == 200, response.text
    body = response.json()
    delivery = await WebhookDelivery.get(topic="claim.submitted")
    assert delivery.payload["data"]["claim"] == body
    assert (body["number"], body["kind"], body["state"]) == (claim.number, "damaged", "submitted")
    assert (body["order_number"], body["currency"], body["declared_value"]) == (
        "#7001",
        "PLN",
        "120.00",
    )
    assert body["items"] == [
        {"sku": "LAMP", "title": "Lamp", "quantity": 1, "unit_value": "120.00"}
    ]
    assert body["parcel"]["tracking_number"] == "3404341776"
    assert body["recipient"]["city"] == "Kraków"
    listed = (await api.get("/api/v1/claims")).json()
    assert listed == {"data": [body], "next_cursor": None}


async def test_the_list_filters_and_pages(api: httpx.AsyncClient, shop: Merchant) -> None:
    settings = factories.app_settings()
    first = await _claim(shop, order_number="#1", tracking_number="3404341780")
    lost = await _claim(shop, order_number="#2", tracking_number="3404341791",
                        status=Status.EXCEPTION, kind="lost")  # fmt: skip
    third = await _claim(shop, order_number="#3", tracking_number="3404341802")
    await service.reject(first, "Delivered, signed by you.", actor="staff:1", settings=settings)

    async def numbers(**params: Any) -> list[str]:
        response = await api.get("/api/v1/claims", params=params)
        assert response.status_code == 200, response.text
        return [c["number"] for c in response.json()["data"]]

    assert await numbers() == [third.number, lost.number, first.number]
    listed = (await api.get("/api/v1/claims")).json()["data"]
    one_by_one = [(await api.get(f"/api/v1/claims/{c['number']}")).json() for c in listed]
    assert listed == one_by_one, "a list item is the claim as read alone"
    assert await numbers(state="rejected") == [first.number]
    assert await numbers(open="true") == [third.number, lost.number]
    assert await numbers(open="false") == [first.number]
    assert await numbers(kind="lost") == [lost.number]
    assert await numbers(order_number="#3") == [third.number]
    assert await numbers(tracking_number="3404341791") == [lost.number]
    await first.refresh_from_db()
    assert await numbers(updated_since=first.updated_at.isoformat()) == [first.number]
    future = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert await numbers(created_after=future) == []
    assert await numbers(created_before=future) == [third.number, lost.number, first.number]

    page = (await api.get("/api/v1/claims", params={"limit": 2})).json()
    assert [c["number"] for c in page["data"]] == [third.number, lost.number]
    rest = (await api.get("/api/v1/claims", params={"cursor": page["next_cursor"]})).json()
    assert [c["number"] for c in rest["data"]] == [first.number]
    assert rest["next_cursor"] is None


async def test_a_cursor_from_another_list_or_a_bad_filter_is_refused(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    for _ in range(2):
        await factories.order(shop)
    orders = (await api.get("/api/v1/orders", params={"limit": 1})).json()
    borrowed = await api.get("/api/v1/claims", params={"cursor": orders["next_cursor"]})
    assert borrowed.status_code == 422
    assert borrowed.json()["errors"][0]["parameter"] == "cursor"
    unknown = await api.get("/api/v1/claims", params={"state": "lost"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["parameter"] == "state"


async def test_a_reship_makes_a_replacement_order_and_a_tracked_parcel(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    claim = await _claim(shop)
    reviewed = await _act(api, claim.number, "review", {})
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["state"] == "in_review"

    body = {"tracking_number": REPLACEMENT, "carrier": "dhl"}
    done = await _act(api, claim.number, "reship", body, **{"Idempotency-Key": "claim-1"})

    assert done.status_code == 200, done.text
    resolution = done.json()["resolution"]
    assert (resolution["replacement_tracking_number"], resolution["replacement_carrier"]) == (
        REPLACEMENT,
        "dhl",
    )
    assert done.json()["state"] == "reshipped" and done.json()["resolved_at"]
    parcels = (await api.get("/api/v1/shipments", params={"tracking_number": REPLACEMENT})).json()
    (parcel,) = parcels["data"]
    assert parcel["order_number"] == f"#7001-{claim.number}"
    replacement = await Shipment.get(id=parcel["id"])
    assert replacement.next_poll_at is not None, "polled like any other parcel"
    order = await Order.get(id=replacement.order_id)
    lines = await OrderItem.filter(order_id=order.id).values_list("sku", "quantity", "unit_price")
    assert lines == [("LAMP", 1, Decimal("0.00"))]
    key = await ApiKey.get(merchant=shop)
    await claim.refresh_from_db()
    assert claim.resolved_by == f"api:{key.id}"
    told = await OutboxMessage.filter(trigger__startswith="claim_").order_by("id")
    assert [m.trigger for m in told] == ["claim_submitted", "claim_in_review", "claim_reshipped"]
    assert told[-1].recipient == EMAIL and REPLACEMENT in told[-1].body_text

    replayed = await _act(api, claim.number, "reship", body, **{"Idempotency-Key": "claim-1"})
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == done.json()
    again = await _act(api, claim.number, "reship", {"tracking_number": OTHER, "carrier": "dhl"})
    assert again.status_code == 409
    assert again.json()["state"] == "reshipped"
    refund = await _act(api, claim.number, "refund", {"amount": "10.00"})
    assert refund.status_code == 409, "a resolved claim is not resolved twice"
    assert await Shipment.filter(tracking_number=OTHER).count() == 0
    assert await OutboxMessage.filter(trigger__startswith="claim_").count() == 3


async def test_a_reship_refused_for_its_number_changes_nothing(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    claim = await _claim(shop)
    await factories.shipment(shop, carrier_key="dhl", tracking_number=OTHER)

    async def refused(body: dict[str, Any]) -> tuple[int, list[str]]:
        response = await _act(api, claim.number, "reship", body)
        errors = response.json().get("errors", [])
        return response.status_code, [e["pointer"] for e in errors]

    assert await refused({}) == (422, ["/tracking_number"])
    assert await refused({"tracking_number": "12"}) == (422, ["/tracking_number"])
    assert await refused({"tracking_number": REPLACEMENT, "carrier": "pigeon"}) == (
        422,
        ["/carrier"],
    )
    assert await refused({"tracking_number": REPLACEMENT}) == (422, ["/carrier"]), "dhl or acs?"
    assert await refused({"tracking_number": OTHER, "carrier": "dhl"}) == (409, [])
    await claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED and claim.replacement_shipment_id is None
    assert await Order.filter(number__contains=claim.number).count() == 0


async def test_a_refund_needs_an_amount_above_zero_in_cents(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    claim = await _claim(shop)
    for amount in ("0", "0.00", "12.345", "-5", "1e3", ""):
        response = await _act(api, claim.number, "refund", {"amount": amount})
        assert response.status_code == 422, amount
        assert [e["pointer"] for e in response.json()["errors"]] == ["/amount"], amount
    number = await _act(api, claim.number, "refund", {"amount": 12})
    assert number.status_code == 422, "a decimal string, as every amount in the API"

    done = await _act(api, claim.number, "refund", {"amount": "119.9"})

    assert done.status_code == 200, done.text
    assert done.json()["resolution"]["refund_amount"] == "119.90"
    await claim.refresh_from_db()
    assert claim.refund_amount == Decimal("119.90")
    told = await OutboxMessage.get(trigger="claim_refunded")
    assert "119,90" in told.body_text, "in the customer's language (pl)"
    rejected = await _act(api, claim.number, "reject", {"reason": "Too late"})
    assert (rejected.status_code, rejected.json()["state"]) == (409, "refunded")


async def test_a_refund_above_what_the_order_cost_is_refused_on_amount(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    claim = await _claim(shop)
    await Order.filter(id=claim.order_id).update(shipping_total=Decimal("15.00"))

    above = await _act(api, claim.number, "refund", {"amount": "255.01"})

    assert above.status_code == 422, above.text
    [error] = above.json()["errors"]
    assert error["pointer"] == "/amount"
    assert "at most 255.00 PLN" in error["detail"], "two lamps at 120.00 and 15.00 delivery"
    await claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED
    assert (await _act(api, claim.number, "refund", {"amount": "255.00"})).status_code == 200


async def test_a_rejection_tells_the_customer_why(api: httpx.AsyncClient, shop: Merchant) -> None:
    claim = await _claim(shop)
    blank = await _act(api, claim.number, "reject", {"reason": "   "})
    assert blank.status_code == 422
    assert [e["pointer"] for e in blank.json()["errors"]] == ["/reason"]

    done = await _act(api, claim.number, "reject", {"reason": "  Signed for by you at 9:12. "})

    assert done.status_code == 200, done.text
    assert done.json()["resolution"]["rejection_reason"] == "Signed for by you at 9:12."
    told = await OutboxMessage.get(trigger="claim_rejected")
    assert "Signed for by you at 9:12." in told.body_text
    change = await DomainEvent.get(kind="claim.rejected")
    assert change.payload["actor"].startswith("api:")


async def test_a_review_comes_once(api: httpx.AsyncClient, shop: Merchant) -> None:
    claim = await _claim(shop)
    assert (await _act(api, claim.number, "review", {})).status_code == 200
    again = await _act(api, claim.number, "review", {})
    assert (again.status_code, again.json()["state"]) == (409, "in_review")
    extra = await _act(api, claim.number, "review", {"note": "hi"})
    assert extra.status_code == 422 and extra.json()["errors"][0]["pointer"] == "/note"


async def test_another_shops_claims_are_out_of_reach(
    api_app: Any, api: httpx.AsyncClient, shop: Merchant
) -> None:
    claim = await _claim(shop)
    stranger = await factories.merchant()
    async with api_client(api_app, await make_key(stranger)) as theirs:
        assert (await theirs.get("/api/v1/claims")).json()["data"] == []
        assert (await theirs.get(f"/api/v1/claims/{claim.number}")).status_code == 404
        for action, body in (("review", {}), ("reject", {"reason": "No"})):
            response = await _act(theirs, claim.number, action, body)
            assert response.status_code == 404, action
    await claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED
    assert (await api.get("/api/v1/claims/C-NOPE42")).status_code == 404
