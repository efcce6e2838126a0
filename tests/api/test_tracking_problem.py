"""``tracking_problem`` on the shipment payload: why a shipment is not being tracked (no
account, refused credentials, carrier unavailable, expired), the same answer the
workspace's shipment page gives, and a list that costs the same queries however long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from carriers.base import Status
from portal.models import Merchant, Shipment
from portal.settings import Settings
from tests import factories
from tests.tracking.helpers import counting_queries

#: Far enough ahead to still be in the future when this module's tests run late in a long suite.
SOON = datetime.now(UTC) + timedelta(days=2)


async def _problem(api: httpx.AsyncClient, shipment: Shipment) -> Any:
    response = await api.get(f"/api/v1/shipments/{shipment.id}")
    assert response.status_code == 200
    return response.json()["tracking_problem"]


async def _account(shop: Merchant, settings: Settings, carrier: str, **fields: Any) -> None:
    await factories.carrier_account(shop, settings=settings, carrier_key=carrier, **fields)


async def test_each_reason_a_shipment_is_not_tracked(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    await _account(shop, api_settings, "ups")
    await _account(shop, api_settings, "dhl", paused_reason="401 from the carrier")
    await _account(shop, api_settings, "fedex", rate_limited_until=SOON)
    await _account(shop, api_settings, "usps", circuit_open_until=SOON)
    await _account(shop, api_settings, "gls", enabled=False)
    tracked = await factories.shipment(shop, carrier_key="ups")
    assert await _problem(api, tracked) is None
    unknown = await factories.shipment(shop, carrier_key="sandbox")
    assert (await _problem(api, unknown))["code"] == "no_carrier_account"
    disabled = await factories.shipment(shop, carrier_key="gls")
    assert (await _problem(api, disabled))["code"] == "no_carrier_account"
    refused = await factories.shipment(shop, carrier_key="dhl")
    assert (await _problem(api, refused))["code"] == "credentials_refused"
    for carrier in ("fedex", "usps"):
        waiting = await factories.shipment(shop, carrier_key=carrier)
        problem = await _problem(api, waiting)
        assert problem["code"] == "carrier_unavailable"
        assert datetime.fromisoformat(problem["until"]) == SOON
    expired = await factories.shipment(shop, carrier_key="ups", status=Status.EXPIRED)
    assert (await _problem(api, expired))["code"] == "expired"
    delivered = await factories.shipment(shop, carrier_key="sandbox", status=Status.DELIVERED)
    assert await _problem(api, delivered) is None


async def test_another_shops_account_does_not_count(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    other = await factories.merchant()
    await _account(other, api_settings, "ups")
    mine = await factories.shipment(shop, carrier_key="ups")
    assert (await _problem(api, mine))["code"] == "no_carrier_account"


async def test_the_list_loads_the_accounts_once(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    await _account(shop, api_settings, "dhl", paused_reason="401")
    await factories.shipment(shop, carrier_key="dhl", order=await factories.order(shop))
    await api.get("/api/v1/shipments")  # the API key's first use is written once
    with counting_queries() as few:
        response = await api.get("/api/v1/shipments")
    assert response.json()["data"][0]["tracking_problem"]["code"] == "credentials_refused"
    for _ in range(5):
        await factories.shipment(shop, carrier_key="dhl", order=await factories.order(shop))
    with counting_queries() as many:
        response = await api.get("/api/v1/shipments")
    assert len(response.json()["data"]) == 6
    assert few.count > 0 and many.count == few.count
