"""A Romanian shop whose store says "DPD", from an empty database to a parcel in a DPDBox.

*Magazin Ana* (tests/real_shop/magazin_ana.py) is made as in test_romanian_shop.py, with
``portal merchant create --locale ro --country RO``, ``portal user create`` and ``portal
apikey create``; its DPD Romania
account is added and tested through ``/api/v1/carrier-accounts``; its WooCommerce store is
connected with ``portal connect woocommerce`` and imported by the worker's ``sync-stores``
job. The order's Shipment Tracking item names its provider "DPD", which in a Romanian shop
is DPD Romania (not DPD Polska, the name's default elsewhere). The worker polls DPD
Romania's ``/track``, finds the parcel waiting in a DPDBox locker and looks the locker up;
the customer's e-mail and the tracking page name it.

What is faked, and where its shapes come from:

- WooCommerce's REST API v3 as :class:`tests.platforms.fakes.FakeWoo`
  (https://woocommerce.github.io/woocommerce-rest-api-docs/; the Shipment Tracking
  extension's ``_wc_shipment_tracking_items``, https://woocommerce.com/document/shipment-tracking/).
- DPD Romania's web API, https://api.dpd.ro/web-api.html (base ``https://api.dpd.ro/v1``):
  ``POST /track``, ``POST /shipment/info`` and ``POST /location/office/{id}``, answered
  with the operations, shipment and ``APT`` office of tests/fixtures/dpd_ro (see its
  SOURCE.md), stamped when the test adds them.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.cli import connect_store
from portal.models import Shipment
from portal.platforms.backfill import sync_job
from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.platforms.fakes import WOO_KEY, WOO_SECRET, FakeWoo
from tests.real_shop.helpers import (
    add_tested_carrier,
    parcel_behind,
    plain_text,
    tracking_link_in,
    worker_pass,
)
from tests.real_shop.magazin_ana import STORE, ioana_order, sign_up_romanian, tee_product

pytestmark = pytest.mark.slow  # three `portal` processes, a store import and two polls

DPD = "https://api.dpd.ro/v1"
DPD_USER, DPD_PASSWORD = "200123", "parola-dpd"
AWB = "80123456781"
DPDBOX = "DPDBOX CLUJ-NAPOCA IULIUS MALL"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dpd_ro"
BUCHAREST = timezone(timedelta(hours=2))


def dpd_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def dpd_operation(code: int) -> dict[str, Any]:
    """The operation ``code`` of the documented DPDBox journey (dpdbox_pickup.json)."""
    operations = dpd_fixture("dpdbox_pickup.json")["parcels"][0]["operations"]
    return next(dict(op) for op in operations if op["operationCode"] == code)


@dataclass
class FakeDpdRo:
    """DPD Romania's ``/track``, ``/shipment/info`` and ``/location/office/{id}``."""

    operations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)

    def scan(self, awb: str, operation: dict[str, Any]) -> None:
        stamp = datetime.now(BUCHAREST).replace(microsecond=0)
        known = self.operations.setdefault(awb, [])
        if known:
            stamp = max(stamp, datetime.fromisoformat(known[-1]["dateTime"]) + timedelta(seconds=1))
        known.append({**operation, "dateTime": stamp.strftime("%Y-%m-%dT%H:%M:%S%z")})

    def _login(self, request: httpx.Request) -> dict[str, Any]:
        body = json.loads(request.content)
        assert (body["userName"], body["password"]) == (DPD_USER, DPD_PASSWORD)
        self.languages.append(body["language"])
        return body

    def track(self, request: httpx.Request) -> httpx.Response:
        body = self._login(request)
        parcels = []
        for asked in body["parcels"]:
            found = self.operations.get(asked["id"])
            if found:
                parcels.append({"parcelId": asked["id"], "operations": found})
            else:
                unknown = copy.deepcopy(dpd_fixture("not_found.json")["parcels"][0])
                parcels.append({**unknown, "parcelId": asked["id"]})
        return httpx.Response(200, json={"parcels": parcels})

    def shipment_info(self, request: httpx.Request) -> httpx.Response:
        body = self._login(request)
        assert body["shipmentIds"] == [AWB]
        return httpx.Response(200, json=dpd_fixture("shipment_info.json"))

    def office(self, request: httpx.Request) -> httpx.Response:
        self._login(request)
        assert request.url.path.endswith("/location/office/1208")
        return httpx.Response(200, json=dpd_fixture("dpdbox_office.json"))


@dataclass
class World:
    store: FakeWoo
    dpd: FakeDpdRo


@pytest.fixture
def world() -> Iterator[World]:
    product, variations = tee_product()
    outside = World(FakeWoo(products=[product], variations={794: variations}), FakeDpdRo())
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="magazin-ana.test").mock(side_effect=outside.store.answer)
        mock.post(f"{DPD}/track").mock(side_effect=outside.dpd.track)
        mock.post(f"{DPD}/shipment/info").mock(side_effect=outside.dpd.shipment_info)
        mock.post(url__startswith=f"{DPD}/location/office/").mock(side_effect=outside.dpd.office)
        yield outside


def dpd_order(placed: datetime) -> dict[str, Any]:
    """Retrieve an order: Ioana's tees, but her Shipment Tracking item says "DPD"."""
    order = ioana_order(placed)
    order["meta_data"][0]["value"][0].update(tracking_provider="DPD", tracking_number=AWB)
    return order


async def test_a_romanian_shop_s_dpd_parcel_is_tracked_by_dpd_romania_to_a_dpdbox(
    shop_app: Starlette, world: World, smtp_sink: SmtpSink
) -> None:
    settings = shop_app.state.settings
    shop = await sign_up_romanian(shop_app)

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as customer,
        httpx.AsyncClient(timeout=15.0) as http,
    ):
        # docs/api.md, "Carrier accounts": DPD Romania takes an API user name and password.
        carriers = (await api.get("/api/v1/carriers")).json()["data"]
        dpd = next(c for c in carriers if c["key"] == "dpd_ro")
        assert dpd["name"] == "DPD Romania", dpd
        assert set(dpd["credential_fields"]) == {"username", "password"}
        await add_tested_carrier(
            api, "dpd_ro", "DPD Romania", {"username": DPD_USER, "password": DPD_PASSWORD}
        )

        # docs/platforms.md, "WooCommerce: REST API keys": connect, and the worker imports.
        args = argparse.Namespace(platform="woocommerce", merchant="magazin-ana", url=STORE,
                                  key=WOO_KEY, secret=WOO_SECRET, no_webhooks=True)  # fmt: skip
        await connect_store(args, settings, http)
        connected = (await api.get("/api/v1/stores")).json()["data"]
        world.store.orders.append(dpd_order(datetime.now(UTC) - timedelta(hours=3)))
        assert (await api.post(f"/api/v1/stores/{connected[0]['id']}/sync")).status_code == 200
        while await sync_job(settings, http):
            pass
        parcel = await Shipment.get(tracking_number=AWB)
        assert parcel.carrier_key == "dpd_ro", "a Romanian shop's DPD is DPD Romania"

        # DPD Romania: picked up, then in the DPDBox; the worker polls and looks it up.
        for code in (148, 39, 1, 134, 1134):
            world.dpd.scan(AWB, dpd_operation(code))
        await worker_pass(shop_app, http)
        parcel = await Shipment.get(tracking_number=AWB)
        assert parcel.status == "available_for_pickup", parcel.status
        assert set(world.dpd.languages) == {"RO"}, "a Romanian customer is asked in Romanian"

        shipment = (await api.get(f"/api/v1/shipments/{parcel.id}")).json()
        point = shipment["pickup_point"]
        assert (point["point_id"], point["kind"], point["name"]) == ("1208", "locker", DPDBOX)
        assert (point["postal_code"], point["country"]) == ("400644", "RO"), point
        assert shipment["carrier_url"] == (
            f"https://tracking.dpd.ro/?language=ro&shipmentNumber={AWB}"
        )

        # The e-mail names the DPDBox; its link opens the tracking page with the locker.
        mails = [m for m in smtp_sink.messages if "ioana.popescu" in str(m["To"])]
        assert mails and DPDBOX in mails[-1]["Subject"], [m["Subject"] for m in mails]
        link = tracking_link_in(plain_text(mails[-1]))
        assert parcel_behind(shop_app, link) == parcel.id
        page = await customer.get(f"{link}?lang=ro")
        assert page.status_code == 200
        assert DPDBOX in page.text and "ALEXANDRU VAIDA VOEVOD" in page.text
        assert re.search(r"DPD Romania", page.text), "the carrier's name on the page"
