"""GET /api/v1/shipments/{id}/events: the carrier's scans, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from carriers.base import Reason, Status
from portal.models import Merchant, TrackingEvent
from tests import factories


async def test_it_lists_a_shipments_events_oldest_first(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    shipment = await factories.shipment(shop)
    for day, status, reason in (
        (3, Status.EXCEPTION, Reason.WEATHER_DELAY),
        (1, Status.IN_TRANSIT, None),
    ):
        await TrackingEvent.create(
            shipment=shipment,
            occurred_at=datetime(2026, 11, day, 9, tzinfo=UTC),
            status=status,
            reason=reason,
            carrier_code=f"C{day}",
            description="scan",
            city="Poznań",
            dedupe_key=f"k{day}",
        )
    response = await api.get(f"/api/v1/shipments/{shipment.id}/events")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [e["carrier_code"] for e in data] == ["C1", "C3"]
    assert data[1]["reason"] == "weather_delay"
    assert data[0]["location"]["city"] == "Poznań"


async def test_a_shipment_without_events_has_an_empty_list(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    shipment = await factories.shipment(shop)
    assert (await api.get(f"/api/v1/shipments/{shipment.id}/events")).json() == {"data": []}
