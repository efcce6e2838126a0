"""POST/GET /api/v1/shipments: detection, pinning, order links, filters, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from carriers import registry
from carriers.base import CarrierAdapter, PickupKind, PickupPoint, Status
from carriers.detection import detect, mod10
from portal.api.shipments import choose_carrier
from portal.core import pickup
from portal.models import Direction, Merchant, Shipment
from tests import factories

UPS = "1ZCIETST0111111114"


def ambiguous_number() -> str:
    """A 20-digit number that is valid for USPS and FedEx with close confidence."""
    for n in range(10**18, 10**18 + 1000):
        payload = str(n)[:19].rjust(19, "0")
        number = payload + str(mod10("91" + payload))
        found = detect(number)
        if len(found) == 2 and found[0][1] - found[1][1] < 0.25:
            return number
    raise AssertionError("no ambiguous number found")


async def test_it_registers_a_shipment_with_the_detected_carrier(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/shipments", json={"tracking_number": "1Z CIETST 0111111114"})
    assert response.status_code == 201
    body = response.json()
    assert (body["carrier"], body["tracking_number"]) == ("ups", UPS)
    assert body["carrier_pinned"] is False and body["status"] == "pending"
    assert response.headers["location"] == f"/api/v1/shipments/{body['id']}"
    stored = await Shipment.get(id=body["id"])
    assert stored.next_poll_at is not None, "a new shipment is polled at once"


async def test_a_given_carrier_is_pinned(api: httpx.AsyncClient) -> None:
    number = ambiguous_number()
    response = await api.post(
        "/api/v1/shipments",
        json={"tracking_number": number, "carrier": "fedex", "direction": "return"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["carrier"], body["carrier_pinned"], body["direction"]) == ("fedex", True, "return")


async def test_an_ambiguous_number_lists_the_candidates(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/shipments", json={"tracking_number": ambiguous_number()})
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Carrier ambiguous"
    assert [c["carrier"] for c in body["candidates"]] == ["usps", "fedex"]
    assert await Shipment.all().count() == 0


async def test_an_unrecognised_number_needs_a_carrier(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/shipments", json={"tracking_number": "ABCDEFG123"})
    assert response.status_code == 422
    assert response.json()["candidates"] == []
    assert response.json()["errors"][0]["pointer"] == "/carrier"


def test_a_clear_leader_is_chosen() -> None:
    assert choose_carrier(UPS) == "ups"


DPD_PARCEL = "09240012345678"  # 14 digits: DPD Polska's and DPD Romania's format


async def test_of_dpds_alike_the_shop_s_account_else_its_country_s_is_chosen(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    unsure = await api.post("/api/v1/shipments", json={"tracking_number": DPD_PARCEL})
    assert unsure.status_code == 422, "no account, no country: the merchant chooses"
    assert {c["carrier"] for c in unsure.json()["candidates"]} >= {"dpd_pl", "dpd_ro"}

    await Merchant.filter(id=shop.id).update(country="RO")
    made = await api.post("/api/v1/shipments", json={"tracking_number": DPD_PARCEL})
    assert made.status_code == 201, made.text
    assert made.json()["carrier"] == "dpd_ro"

    await factories.carrier_account(shop, carrier_key="dpd_pl", name="DPD Polska")
    other = await api.post("/api/v1/shipments", json={"tracking_number": "09240012345679"})
    assert other.json()["carrier"] == "dpd_pl", "an account wins over the country"


async def test_an_unknown_carrier_or_implausible_number_is_a_field_error(
    api: httpx.AsyncClient,
) -> None:
    unknown = await api.post("/api/v1/shipments", json={"tracking_number": UPS, "carrier": "owl"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "/carrier"
    junk = await api.post("/api/v1/shipments", json={"tracking_number": "12"})
    assert junk.json()["errors"][0]["pointer"] == "/tracking_number"


async def test_it_links_the_merchants_order(api: httpx.AsyncClient, shop: Merchant) -> None:
    await factories.order(shop, number="O-7")
    response = await api.post(
        "/api/v1/shipments", json={"tracking_number": UPS, "order_number": "O-7"}
    )
    assert response.json()["order_number"] == "O-7"
    theirs = await factories.order(await factories.merchant(), number="O-8")
    response = await api.post(
        "/api/v1/shipments", json={"tracking_number": "SBX1234567", "carrier": "sandbox",
                                   "order_number": theirs.number},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "/order_number", "detail": "no order with this number"}
    ]


async def test_it_reads_a_shipment(api: httpx.AsyncClient, shop: Merchant) -> None:
    shipment = await factories.shipment(shop, status=Status.IN_TRANSIT)
    response = await api.get(f"/api/v1/shipments/{shipment.id}")
    assert response.status_code == 200
    assert response.json()["status"] == "in_transit"


async def test_another_merchants_shipment_is_not_found(api: httpx.AsyncClient) -> None:
    theirs = await factories.shipment(await factories.merchant())
    assert (await api.get(f"/api/v1/shipments/{theirs.id}")).status_code == 404
    assert (await api.get(f"/api/v1/shipments/{theirs.id}/events")).status_code == 404
    listed = await api.get("/api/v1/shipments", params={"tracking_number": theirs.tracking_number})
    assert listed.json()["data"] == []


async def test_the_list_filters(api: httpx.AsyncClient, shop: Merchant) -> None:
    order = await factories.order(shop, number="F-1")
    a = await factories.shipment(shop, status=Status.DELIVERED, carrier_key="ups", order=order)
    b = await factories.shipment(shop, status=Status.IN_TRANSIT, direction=Direction.RETURN)
    await Shipment.filter(id=a.id).update(updated_at=datetime.now(UTC) - timedelta(days=2))

    async def ids(**params: str) -> list[int]:
        response = await api.get("/api/v1/shipments", params=params)
        assert response.status_code == 200
        return [s["id"] for s in response.json()["data"]]

    assert await ids() == [b.id, a.id]
    assert await ids(status="delivered") == [a.id]
    assert await ids(carrier="ups") == [a.id]
    assert await ids(order_number="F-1") == [a.id]
    assert await ids(tracking_number=b.tracking_number.lower()) == [b.id]
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert await ids(updated_since=since) == [b.id]
    bad = await api.get("/api/v1/shipments", params={"status": "lost-in-space"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["parameter"] == "status"


async def test_a_postal_number_without_its_post_asks_for_the_carrier(
    api: httpx.AsyncClient,
) -> None:
    """An S10 number names the post that issued it; with no adapter for that post nobody
    is guessed (USPS used to be, for every country), so the merchant is asked."""
    response = await api.post("/api/v1/shipments", json={"tracking_number": "LX123456785FR"})
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Carrier not detected"
    assert body["candidates"] == []
    assert "FR" in body["detail"] and "send `carrier`" in body["detail"]
    assert body["errors"][0]["pointer"] == "/carrier"


class _PocztaPolskaStandIn(CarrierAdapter):
    """Only what detection reads, for when the real Poczta Polska adapter is not installed."""

    key = "poczta_polska"
    display_name = "Poczta Polska (stand-in)"
    postal_countries = frozenset({"PL"})


@pytest.fixture
def poczta_polska() -> Iterator[None]:
    registry.reload()
    if "poczta_polska" not in registry.available():
        registry.register(_PocztaPolskaStandIn)
    yield
    registry.reload()


async def test_a_polish_postal_number_goes_to_poczta_polska(
    api: httpx.AsyncClient, poczta_polska: None
) -> None:
    response = await api.post("/api/v1/shipments", json={"tracking_number": "RR 123456785 PL"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["carrier"], body["tracking_number"]) == ("poczta_polska", "RR123456785PL")
    assert body["carrier_pinned"] is False


async def test_a_shipment_carries_its_pickup_point_without_the_code(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    deadline = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    locker = PickupPoint(
        "KRA01M",
        PickupKind.LOCKER,
        name="Paczkomat KRA01M",
        city="Kraków",
        latitude=50.0625,
        longitude=19.9396,
        pickup_deadline=deadline,
        pickup_code="482913",
    )
    shipment = await factories.shipment(shop, status=Status.AVAILABLE_FOR_PICKUP)
    await Shipment.filter(id=shipment.id).update(
        pickup_point=pickup.to_json(locker), pickup_deadline=deadline
    )
    body = (await api.get(f"/api/v1/shipments/{shipment.id}")).json()
    point = body["pickup_point"]
    assert (point["point_id"], point["kind"], point["city"]) == ("KRA01M", "locker", "Kraków")
    assert point["pickup_deadline"] == "2026-11-22T19:00:00+00:00"
    assert "pickup_code" not in point and "482913" not in str(body)
    other = await factories.shipment(shop)
    assert (await api.get(f"/api/v1/shipments/{other.id}")).json()["pickup_point"] is None
