"""A Greek shop that ships with Geniki Taxydromiki, from an empty database.

*Κατάστημα Ελένη* (Thessaloniki) is made with ``portal merchant create --locale el
--country GR``, ``portal user create`` and ``portal apikey create`` in their own processes
(no demo, no factories); its Geniki account goes through ``/api/v1/carrier-accounts`` (and
its connection test), its order and parcel through ``/api/v1/orders`` and
``/api/v1/shipments``; the worker's sweep polls Geniki; the customer reads the tracking
page in Greek.

Geniki's JobServicesV2 (``https://voucher.taxydromiki.gr/JobServicesV2.asmx``) is faked with
respx at its address, answering ``Authenticate`` and ``TrackAndTrace`` with the SOAP
answers of tests/fixtures/geniki/ (shapes: the service's WSDL and its documentation,
https://voucher.taxydromiki.gr/help/jobservicesapiv2.pdf; SOURCE.md there says where each
fact comes from).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx
from lxml import etree
from starlette.applications import Starlette

from carriers import geniki
from portal.models import Shipment
from portal.tracking.sweep import sweep_until_idle
from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.real_shop.helpers import add_tested_carrier, poll_when_due, sign_up

pytestmark = pytest.mark.slow  # three `portal` processes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "geniki"
GENIKI = "https://voucher.taxydromiki.gr/JobServicesV2.asmx"
ACTION = "http://voucher.taxydromiki.gr/JobServicesV2.asmx"
NS = "{http://voucher.taxydromiki.gr/JobServicesV2.asmx}"
XML = {"Content-Type": "text/xml; charset=utf-8"}
ACCOUNT = {"username": "eleni_api", "password": "κωδικός-1", "application_key": "D8E5-APP-KEY"}
VOUCHER = "4912345678"
KALAMARIA = "ΘΕΣΣΑΛΟΝΙΚΗ - ΚΑΛΑΜΑΡΙΑ"
GREEK_BROWSER = "el-GR,el;q=0.9,en;q=0.8"


class FakeGeniki:
    """JobServicesV2: one key from ``Authenticate``; ``TrackAndTrace`` answers "no such
    voucher" for any number but the parcel's, whose answer is ``journey``'s current step."""

    def __init__(self) -> None:
        self.journey = "shop_pickup.xml"
        self.authentications = 0
        self.traces: list[dict[str, str | None]] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        action = request.headers.get("SOAPAction", "").strip('"')
        if action == f"{ACTION}/Authenticate":
            sent = self._params(request, "Authenticate")
            self.authentications += 1
            refused = sent != {
                "sUsrName": ACCOUNT["username"],
                "sUsrPwd": ACCOUNT["password"],
                "applicationKey": ACCOUNT["application_key"],
            }
            name = "authenticate_refused.xml" if refused else "authenticate.xml"
        elif action == f"{ACTION}/TrackAndTrace":
            sent = self._params(request, "TrackAndTrace")
            self.traces.append(sent)
            name = self.journey if sent["voucherNo"] == VOUCHER else "not_found.xml"
        else:
            return httpx.Response(500, text="unknown SOAPAction")
        return httpx.Response(200, content=(FIXTURES / name).read_bytes(), headers=XML)

    @staticmethod
    def _params(request: httpx.Request, operation: str) -> dict[str, str | None]:
        body = etree.fromstring(request.content).find(f".//{NS}{operation}")
        assert body is not None, request.content
        return {etree.QName(child).localname: child.text for child in body}


async def test_a_greek_shop_tracks_a_geniki_parcel_to_a_shop_and_its_customer_reads_it_in_greek(
    shop_app: Starlette, http: httpx.AsyncClient
) -> None:
    geniki.KEYS.clear()
    settings = shop_app.state.settings
    shop = await sign_up(shop_app, "eleni", "Κατάστημα Ελένη", country="GR", locale="el",
                         time_zone="Europe/Athens")  # fmt: skip

    service = FakeGeniki()
    async with api_client(shop_app, shop.api_key) as api, respx.mock() as mock:
        mock.post(GENIKI).mock(side_effect=service.answer)

        # The shop offers Geniki with its three credentials, and tests the connection.
        offered = {c["key"]: c for c in (await api.get("/api/v1/carriers")).json()["data"]}
        assert list(offered["geniki"]["credential_fields"]) == [
            "username",
            "password",
            "application_key",
        ]
        # The test's "ok" is Result 9 for the sample.
        account = await add_tested_carrier(api, "geniki", "Γενική Ταχυδρομική", ACCOUNT)
        assert account["credentials"] == {
            "username": True,
            "password": True,
            "application_key": True,
        }

        # Its checkout sends an order to Thessaloniki and the parcel's voucher.
        order = await api.post(
            "/api/v1/orders",
            json={
                "number": "EL-1001",
                "currency": "EUR",
                "customer": {"email": "maria@example.test", "name": "Μαρία Παπαδοπούλου",
                             "email_consent": True},
                "shipping_address": {"name": "Μαρία Παπαδοπούλου",
                                     "line1": "Εθνικής Αντιστάσεως 12", "city": "Θεσσαλονίκη",
                                     "postal_code": "551 34", "country": "GR"},
                "items": [{"sku": "KOUPA", "title": "Κούπα", "quantity": 1,
                           "unit_price": "14.00"}],
            },
        )  # fmt: skip
        assert order.status_code == 201, order.text
        parcel = await api.post(
            "/api/v1/shipments",
            json={"tracking_number": VOUCHER, "carrier": "geniki", "order_number": "EL-1001"},
        )
        assert parcel.status_code == 201, parcel.text
        parcel_id = parcel.json()["id"]
        path = f"/api/v1/shipments/{parcel_id}"

        # The worker's sweep asks Geniki: the parcel waits at the Kalamaria shop.
        await sweep_until_idle(settings, client=http)
        shown = (await api.get(path)).json()
        assert shown["status"] == "available_for_pickup", shown
        assert shown["pickup_point"]["point_id"] == KALAMARIA
        assert shown["pickup_point"]["kind"] == "shop"

        # Collected: the next poll finds it delivered.
        service.journey = "delivered.xml"
        await poll_when_due(shop_app, http, parcel_id)
        shown = (await api.get(path)).json()
        assert shown["status"] == "delivered", shown

    # One key for the shop's account, reused by the connection test and every poll, and
    # every question asked in Greek, the shop's language (the customer set none).
    assert service.authentications == 1
    assert {t["authKey"] for t in service.traces} == {"5e0c6a3f-8b1d-4c2e-9f47-0a6d2b9e71c4"}
    assert [t["voucherNo"] for t in service.traces][-2:] == [VOUCHER, VOUCHER]
    assert {t["language"] for t in service.traces} == {"el"}
    stored = await Shipment.get(id=parcel_id)
    assert stored.carrier_key == "geniki"

    # The customer opens the tracking page, in Greek: Geniki's own Greek wording is there.
    async with client_for(shop_app) as browser:
        page = await browser.get(f"/track/{VOUCHER}", headers={"Accept-Language": GREEK_BROWSER})
    assert page.status_code == 200, page.text
    assert 'lang="el"' in page.text
    assert "Παραδόθηκε" in page.text and "Σε διανομή" in page.text
    assert "Γενική Ταχυδρομική" in page.text, "the carrier by its Greek name"
