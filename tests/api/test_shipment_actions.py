"""PATCH /shipments/{id} corrects a number or carrier; POST /shipments/{id}/refresh asks now.

The carrier is DHL, faked at the HTTP layer with its documented tracking response
(https://developer.dhl.com/api-reference/shipment-tracking, tests/fixtures/dhl/).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import respx

from carriers.base import Status
from portal.models import (
    Channel,
    Merchant,
    MessageState,
    OutboxMessage,
    Shipment,
    TrackingEvent,
)
from portal.settings import Settings
from tests import factories
from tests.api.conftest import api_client, make_key

DHL = "https://api-eu.dhl.com/track/shipments"
DELIVERED = json.loads(Path("tests/fixtures/dhl/delivered.json").read_text())
ATTEMPT = json.loads(Path("tests/fixtures/dhl/attempt.json").read_text())
WRONG = "1234567890"  # DHL Express, mod 7
RIGHT = "00340434161094015902"


async def dhl_account(shop: Merchant, settings: Settings) -> None:
    await factories.carrier_account(
        shop, carrier_key="dhl", settings=settings, credentials={"api_key": "k"}
    )


async def wrong_shipment(shop: Merchant) -> Shipment:
    """A shipment registered with a wrong number that already has history and a message."""
    shipment = await factories.shipment(
        shop,
        carrier_key="dhl",
        tracking_number=WRONG,
        status=Status.IN_TRANSIT,
        shipped_at=datetime(2026, 11, 1, tzinfo=UTC),
        last_event_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    await TrackingEvent.create(
        shipment=shipment,
        occurred_at=datetime(2026, 11, 2, tzinfo=UTC),
        status=Status.IN_TRANSIT,
        dedupe_key="x",
    )
    await OutboxMessage.create(
        merchant=shop,
        shipment=shipment,
        channel=Channel.EMAIL,
        recipient="ann@example.test",
        trigger="out_for_delivery",
        unique_key=f"shipment:{shipment.id}:out_for_delivery:email",
        scheduled_for=datetime(2026, 11, 3, tzinfo=UTC),
    )
    return shipment


async def test_a_corrected_number_drops_the_wrong_history_and_is_polled_now(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    await dhl_account(shop, api_settings)
    shipment = await wrong_shipment(shop)
    with respx.mock() as carrier:
        route = carrier.get(DHL).respond(json=DELIVERED)
        response = await api.patch(
            f"/api/v1/shipments/{shipment.id}", json={"tracking_number": RIGHT, "carrier": "dhl"}
        )
    assert response.status_code == 200
    body = response.json()
    assert body["tracking_number"] == RIGHT and body["carrier"] == "dhl"
    assert body["status"] == "delivered"
    assert route.call_count == 1
    assert route.calls.last.request.url.params["trackingNumber"] == RIGHT
    assert not await TrackingEvent.filter(shipment_id=shipment.id, dedupe_key="x").exists()
    message = await OutboxMessage.get(shipment_id=shipment.id)
    assert message.state is MessageState.CANCELLED


async def test_a_corrected_carrier_is_pinned(api: httpx.AsyncClient, shop: Merchant) -> None:
    shipment = await wrong_shipment(shop)
    response = await api.patch(f"/api/v1/shipments/{shipment.id}", json={"carrier": "sandbox"})
    assert response.status_code == 200
    assert response.json()["carrier"] == "sandbox"
    assert response.json()["carrier_pinned"] is True
    assert response.json()["status"] == "pending"
    assert await TrackingEvent.filter(shipment_id=shipment.id).count() == 0


async def test_corrections_that_cannot_be_made_change_nothing(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    shipment = await wrong_shipment(shop)
    await factories.shipment(shop, carrier_key="dhl", tracking_number=RIGHT)
    url = f"/api/v1/shipments/{shipment.id}"
    duplicate = {"tracking_number": RIGHT, "carrier": "dhl"}
    assert (await api.patch(url, json=duplicate)).status_code == 409
    assert (await api.patch(url, json={"tracking_number": "??"})).status_code == 422
    assert (await api.patch(url, json={"carrier": "nope"})).status_code == 422
    assert (await api.patch(url, json={})).status_code == 422
    stored = await Shipment.get(id=shipment.id)
    assert (stored.tracking_number, stored.status) == (WRONG, Status.IN_TRANSIT)
    assert await TrackingEvent.filter(shipment_id=shipment.id).count() == 1


async def test_a_refresh_asks_the_carrier_once_a_minute_at_most(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    await dhl_account(shop, api_settings)
    shipment = await factories.shipment(shop, carrier_key="dhl", tracking_number=RIGHT)
    url = f"/api/v1/shipments/{shipment.id}/refresh"
    with respx.mock() as carrier:
        route = carrier.get(DHL).respond(json=ATTEMPT)
        first = await api.post(url)
        again = await api.post(url)
    assert first.status_code == 200
    assert first.json()["status"] == "failed_attempt"
    assert again.status_code == 429
    assert 1 <= int(again.headers["retry-after"]) <= 61
    assert route.call_count == 1


async def test_a_refresh_without_a_carrier_account_says_so(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    shipment = await factories.shipment(shop, carrier_key="dhl", tracking_number=RIGHT)
    response = await api.post(f"/api/v1/shipments/{shipment.id}/refresh")
    assert response.status_code == 409
    assert "Carrier accounts" in response.json()["detail"]


async def test_another_shops_shipment_is_not_found(api_app: object, shop: Merchant) -> None:
    shipment = await wrong_shipment(shop)
    other = await factories.merchant()
    async with api_client(api_app, await make_key(other)) as theirs:  # type: ignore[arg-type]
        assert (
            await theirs.patch(f"/api/v1/shipments/{shipment.id}", json={"carrier": "sandbox"})
        ).status_code == 404
        assert (await theirs.post(f"/api/v1/shipments/{shipment.id}/refresh")).status_code == 404
    assert (await Shipment.get(id=shipment.id)).carrier_key == "dhl"


async def test_a_corrected_number_sent_with_an_account_keeps_the_carrier_and_uses_the_account(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    await dhl_account(shop, api_settings)
    express = await factories.carrier_account(
        shop, carrier_key="dhl", settings=api_settings, credentials={"api_key": "express"}
    )
    shipment = await wrong_shipment(shop)
    assert not shipment.carrier_pinned
    with respx.mock() as carrier:
        route = carrier.get(DHL).respond(json=DELIVERED)
        response = await api.patch(
            f"/api/v1/shipments/{shipment.id}",
            json={"tracking_number": RIGHT, "carrier_account_id": express.id},
        )
    assert response.status_code == 200, response.text
    got = response.json()
    assert (got["tracking_number"], got["carrier"], got["carrier_pinned"]) == (RIGHT, "dhl", True)
    assert got["carrier_account_id"] == express.id
    assert [c.request.headers["DHL-API-Key"] for c in route.calls] == ["express"]
    assert not await TrackingEvent.filter(shipment_id=shipment.id, dedupe_key="x").exists()
