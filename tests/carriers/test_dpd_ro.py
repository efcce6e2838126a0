"""DPD Romania adapter, faked at the HTTP layer with respx; payloads in tests/fixtures/dpd_ro.

DPD Romania runs Speedy's platform (https://api.dpd.ro/web-api.html is the document
https://api.speedy.bg/web-api.html is), so the shared client's behaviour (batches of ten,
codes, the office lookup's failures) is tested in ``test_speedy.py``; this file keeps what
is DPD Romania's own: its base URL, languages, time zone, tracking page and DPDBox lockers.
Rate limits, 5xx, unknown numbers and refused credentials are rows of ``test_contract.py``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from carriers import detection, registry
from carriers.base import NumberHint, PickupKind, Status
from carriers.dpd_ro import DPDRomaniaAdapter
from carriers.speedy import SpeedyAdapter, codes
from carriers.speedy.client import SpeedyPlatformAdapter
from tests.carriers.helpers import load_fixture, utc

BASE = "https://api.dpd.ro/v1"
CREDENTIALS = {"username": "200123", "password": "s3cret"}
DELIVERED, WAITING = "80123456780", "80123456781"


def fixture(name: str) -> Any:
    return load_fixture("dpd_ro", name)


def sent(route: respx.Route, call: int = 0) -> dict[str, Any]:
    return json.loads(route.calls[call].request.content)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> DPDRomaniaAdapter:
    return DPDRomaniaAdapter(CREDENTIALS, client=client)


async def test_a_delivered_journey_is_read_from_dpd_romania_s_api(adapter, respx_mock):
    route = respx_mock.post(f"{BASE}/track").respond(200, json=fixture("delivered.json"))

    (result,) = await adapter.track([DELIVERED])

    assert sent(route) == {
        "userName": "200123",
        "password": "s3cret",
        "language": "RO",
        "parcels": [{"id": DELIVERED}],
    }
    assert [e.carrier_code for e in result.events] == ["148", "39", "2", "1", "12", "-14"]
    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 11, 24, 11, 37, 9), "+0200 is Bucharest in winter"
    assert result.signed_by == "Andrei Popescu"
    assert result.carrier_url == ("https://tracking.dpd.ro/?language=ro&shipmentNumber=80123456780")


async def test_numbers_are_asked_in_romanian_or_english(adapter, respx_mock):
    route = respx_mock.post(f"{BASE}/track").respond(200, json={"parcels": []})
    hints = {
        "80000000001": NumberHint(language="en"),
        "80000000002": NumberHint(language="ro"),
        "80000000003": NumberHint(language="bg"),  # not DPD Romania's: its own language
    }

    await adapter.track(list(hints), hints)

    asked = {sent(route, i)["language"]: sent(route, i)["parcels"] for i in range(2)}
    assert asked == {
        "EN": [{"id": "80000000001"}],
        "RO": [{"id": "80000000002"}, {"id": "80000000003"}],
    }


async def test_a_time_without_offset_is_read_in_romania(adapter, respx_mock):
    doc = fixture("delivered.json")
    doc["parcels"][0]["operations"][-1]["dateTime"] = "2026-11-24T13:37:09"
    respx_mock.post(f"{BASE}/track").respond(200, json=doc)

    (result,) = await adapter.track([DELIVERED])

    assert result.delivered_at == utc(2026, 11, 24, 11, 37, 9), "EET is UTC+2"


async def test_an_office_without_a_country_is_in_romania(adapter, respx_mock):
    office = fixture("office.json")
    del office["office"]["address"]["countryId"]
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("dpdbox_pickup.json"))
    respx_mock.post(f"{BASE}/shipment/info").respond(200, json=fixture("shipment_info.json"))
    respx_mock.post(f"{BASE}/location/office/1208").respond(200, json=office)

    (result,) = await adapter.track([WAITING])

    assert result.pickup_point is not None and result.pickup_point.country == "RO"


async def test_a_parcel_waiting_in_a_dpdbox_gets_the_locker_s_details(adapter, respx_mock):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("dpdbox_pickup.json"))
    info = respx_mock.post(f"{BASE}/shipment/info").respond(200, json=fixture("shipment_info.json"))
    office = respx_mock.post(f"{BASE}/location/office/1208").respond(
        200, json=fixture("dpdbox_office.json")
    )

    (result,) = await adapter.track([WAITING])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert [e.carrier_code for e in result.events][-2:] == ["134", "1134"]
    assert sent(info)["shipmentIds"] == [WAITING] and sent(office)["language"] == "RO"
    point = result.pickup_point
    assert point is not None
    assert (point.point_id, point.kind, point.name) == (
        "1208", PickupKind.LOCKER, "DPDBOX CLUJ-NAPOCA IULIUS MALL",
    )  # fmt: skip
    assert (point.street, point.postal_code, point.country) == (
        "str. ALEXANDRU VAIDA VOEVOD nr. 53B", "400644", "RO",
    )  # fmt: skip
    assert (point.latitude, point.longitude) == (46.772563, 23.627541)
    assert point.opening_hours == "Mon–Fri 00:00–23:59, Sat 00:00–23:59"


async def test_a_dpd_office_is_a_counter(adapter, respx_mock):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("dpdbox_pickup.json"))
    shipments = fixture("shipment_info.json")
    shipments["shipments"][0]["recipient"]["pickupOfficeId"] = 930
    respx_mock.post(f"{BASE}/shipment/info").respond(200, json=shipments)
    respx_mock.post(f"{BASE}/location/office/930").respond(200, json=fixture("office.json"))

    (result,) = await adapter.track([WAITING])

    assert result.pickup_point is not None
    assert result.pickup_point.kind is PickupKind.DEPOT
    assert result.pickup_point.name == "DPD CLUJ-NAPOCA - MARASTI"
    assert result.pickup_point.opening_hours == "Mon–Fri 09:00–19:00, Sat 09:00–14:00"


async def test_without_the_office_lookup_the_dpdbox_named_in_the_track_answer_is_a_locker(
    adapter, respx_mock
):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("dpdbox_pickup.json"))
    respx_mock.post(f"{BASE}/shipment/info").respond(200, json={"shipments": []})

    (result,) = await adapter.track([WAITING])

    assert result.pickup_point is not None
    assert result.pickup_point.kind is PickupKind.LOCKER
    assert result.pickup_point.name == "DPDBOX CLUJ-NAPOCA IULIUS MALL"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Livrare nereușită - destinatar absent", Status.FAILED_ATTEMPT),
        ("Colet returnat la expeditor", Status.RETURNED_TO_SENDER),
        ("Coletul a fost livrat", Status.DELIVERED),
        ("Refuzat de destinatar", Status.EXCEPTION),
        ("Ceva nou", Status.IN_TRANSIT),
    ],
)
def test_an_unknown_code_in_romanian_is_read_from_its_words(words, expected):
    assert codes.classify("999", (), words)[0] is expected


def test_dpd_romania_and_speedy_share_one_client_and_differ_in_their_metadata():
    adapter = registry.get("dpd_ro")
    assert adapter is DPDRomaniaAdapter
    assert issubclass(adapter, SpeedyPlatformAdapter) and issubclass(
        SpeedyAdapter, SpeedyPlatformAdapter
    )
    assert adapter.track is SpeedyAdapter.track
    assert (adapter.display_name, adapter.default_base_url) == (
        "DPD Romania", "https://api.dpd.ro/v1",
    )  # fmt: skip
    assert adapter.answer_languages == {"ro", "en"} and adapter.batch_size == 10
    assert adapter.credential_fields == SpeedyAdapter.credential_fields


def test_dpd_romania_shares_the_numbers_dpd_numbers_look_like():
    registry.reload()
    eleven = dict(detection.detect("80123456780"))
    fourteen = dict(detection.detect("09240012345678"))
    assert eleven.get("dpd_ro") == eleven.get("speedy") == 0.3
    assert fourteen.get("dpd_ro") == fourteen.get("dpd_pl") == 0.2, "an account decides"
