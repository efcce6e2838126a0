"""Speedy adapter, faked at the HTTP layer with respx; payloads in tests/fixtures/speedy.

Rate limits, 5xx and timeouts, unusable bodies, unknown numbers and refused credentials are
rows of ``test_contract.py``; this file keeps what only Speedy does: its operation and
exception codes, batches of ten asked per language, and the pickup office lookup.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings

from carriers import detection, registry
from carriers.base import (
    AuthError,
    BadResponse,
    DeliveryWindow,
    NumberHint,
    PickupKind,
    PickupPoint,
    Reason,
    Status,
)
from carriers.speedy import SpeedyAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://api.speedy.bg/v1"
CREDENTIALS = {"username": "999123", "password": "s3cret"}
DELIVERED, WAITING, RETURNED = "61234567890", "61234567891", "61234567892"


def fixture(name: str) -> Any:
    return load_fixture("speedy", name)


def sent(route: respx.Route, call: int = 0) -> dict[str, Any]:
    return json.loads(route.calls[call].request.content)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> SpeedyAdapter:
    return SpeedyAdapter(CREDENTIALS, client=client)


async def track(adapter: SpeedyAdapter, respx_mock: respx.MockRouter, name: str, number: str):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture(name))
    respx_mock.post(f"{BASE}/shipment/info").respond(200, json={"shipments": []})
    (result,) = await adapter.track([number])
    return result


# --- journeys ---


async def test_a_delivered_journey_reads_every_operation(adapter, respx_mock):
    result = await track(adapter, respx_mock, "delivered.json", DELIVERED)

    assert [e.carrier_code for e in result.events] == ["148", "39", "2", "1", "175", "12", "-14"]
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED, Status.IN_TRANSIT, Status.IN_TRANSIT, Status.IN_TRANSIT,
        Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.DELIVERED,
    ]  # fmt: skip
    assert result.status is Status.DELIVERED and result.reason is None
    assert result.delivered_at == utc(2026, 11, 24, 9, 26, 9), "+0200 read as Sofia time"
    assert result.signed_by == "Maria Ivanova"
    assert result.events[1].city == "PLOVDIV"
    assert result.estimated_delivery is None, "no estimate once delivered"
    assert result.carrier_url == (
        "https://www.speedy.bg/bg/track-shipment?shipmentNumber=61234567890"
    )


async def test_the_predict_window_is_the_estimate_while_on_the_way(adapter, respx_mock):
    doc = fixture("delivered.json")
    doc["parcels"][0]["operations"] = doc["parcels"][0]["operations"][:-1]  # not delivered yet
    respx_mock.post(f"{BASE}/track").respond(200, json=doc)

    (result,) = await adapter.track([DELIVERED])

    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.estimated_delivery == DeliveryWindow(
        utc(2026, 11, 24, 9, 0), utc(2026, 11, 24, 10, 0)
    )


async def test_a_cancelled_predict_promises_nothing(adapter, respx_mock):
    doc = fixture("delivered.json")
    operations = doc["parcels"][0]["operations"][:-1]
    operations[4]["additionalInfo"]["predict"]["canceled"] = True
    doc["parcels"][0]["operations"] = operations
    respx_mock.post(f"{BASE}/track").respond(200, json=doc)

    (result,) = await adapter.track([DELIVERED])

    assert result.estimated_delivery is None


async def test_operations_out_of_order_come_back_oldest_first(adapter, respx_mock):
    result = await track(adapter, respx_mock, "returned.json", RETURNED)

    times = [e.occurred_at for e in result.events]
    assert times == sorted(times)
    assert [e.carrier_code for e in result.events] == ["11", "44", "111", "124"]


async def test_a_parcel_not_collected_goes_back_to_the_sender(adapter, respx_mock):
    result = await track(adapter, respx_mock, "returned.json", RETURNED)

    attempt = result.events[1]
    assert (attempt.status, attempt.reason) == (
        Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE,
    ), "44 with exception 1003 (does not answer the phone)"  # fmt: skip
    assert attempt.description == "Unsuccessful Delivery (Does not answer the phone)"
    on_the_way_back = result.events[2]
    assert (on_the_way_back.status, on_the_way_back.reason) == (
        Status.EXCEPTION, Reason.NOT_COLLECTED,
    ), "111 with exception 1004 (in office - not claimed)"  # fmt: skip
    assert result.status is Status.RETURNED_TO_SENDER
    assert result.reason is Reason.NOT_COLLECTED
    assert result.delivered_at is None and result.signed_by is None


# --- pickup offices and APT lockers ---


async def test_a_parcel_waiting_at_an_office_gets_the_office_details(adapter, respx_mock):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("office_pickup.json"))
    info = respx_mock.post(f"{BASE}/shipment/info").respond(200, json=fixture("shipment_info.json"))
    office = respx_mock.post(f"{BASE}/location/office/77").respond(200, json=fixture("office.json"))

    (result,) = await adapter.track([WAITING])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert sent(info)["shipmentIds"] == [WAITING]
    assert sent(office)["userName"] == "999123" and sent(office)["language"] == "BG"
    point = result.pickup_point
    assert point is not None
    assert (point.point_id, point.kind, point.name) == ("77", PickupKind.DEPOT, "СОФИЯ - ЛОЗЕНЕЦ")
    assert (point.street, point.city, point.postal_code, point.country) == (
        "ул. ЗЛАТОВРЪХ No 12", "гр. СОФИЯ [1164]", "1164", "BG",
    )  # fmt: skip
    assert (point.latitude, point.longitude) == (42.677153, 23.320178), "y is latitude, x longitude"
    assert point.opening_hours == "Mon–Fri 09:00–19:00, Sat 10:00–14:00"


async def test_an_apt_office_is_a_locker(adapter, respx_mock):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("office_pickup.json"))
    shipments = fixture("shipment_info.json")
    shipments["shipments"][0]["recipient"]["pickupOfficeId"] = 4512
    respx_mock.post(f"{BASE}/shipment/info").respond(200, json=shipments)
    respx_mock.post(f"{BASE}/location/office/4512").respond(200, json=fixture("apt_office.json"))

    (result,) = await adapter.track([WAITING])

    assert result.pickup_point is not None
    assert result.pickup_point.kind is PickupKind.LOCKER
    assert result.pickup_point.point_id == "4512"


async def test_without_office_details_the_place_named_by_the_track_answer_stays(
    adapter, respx_mock
):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("office_pickup.json"))
    respx_mock.post(f"{BASE}/shipment/info").respond(200, text="<html>oops</html>")

    (result,) = await adapter.track([WAITING])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point is not None
    assert (result.pickup_point.point_id, result.pickup_point.name) == (
        "СОФИЯ - ЛОЗЕНЕЦ", "СОФИЯ - ЛОЗЕНЕЦ",
    )  # fmt: skip
    assert result.pickup_point.kind is PickupKind.DEPOT


async def test_an_office_lookup_refused_for_credentials_is_still_an_auth_error(adapter, respx_mock):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("office_pickup.json"))
    respx_mock.post(f"{BASE}/shipment/info").respond(200, json=fixture("auth_error.json"))

    with pytest.raises(AuthError):
        await adapter.track([WAITING])


async def test_no_office_lookup_for_parcels_on_the_move(adapter, respx_mock):
    info = respx_mock.post(f"{BASE}/shipment/info")
    await track(adapter, respx_mock, "delivered.json", DELIVERED)

    assert not info.called


# --- the request: credentials, language, batches ---


async def test_the_request_carries_credentials_and_the_parcels(adapter, respx_mock):
    route = respx_mock.post(f"{BASE}/track").respond(200, json=fixture("delivered.json"))

    await adapter.track([" 61234567890 "])

    body = sent(route)
    assert body == {
        "userName": "999123",
        "password": "s3cret",
        "language": "BG",
        "parcels": [{"id": "61234567890"}],
    }


async def test_numbers_are_asked_in_the_customers_language_one_call_per_language(
    adapter, respx_mock
):
    route = respx_mock.post(f"{BASE}/track").respond(200, json={"parcels": []})
    numbers = ["61000000001", "61000000002", "61000000003", "61000000004"]
    hints = {
        "61000000001": NumberHint(language="en"),
        "61000000002": NumberHint(language="bg"),
        "61000000003": NumberHint(language="uk"),  # Speedy has no Ukrainian: its default
    }

    results = await adapter.track(numbers, hints)

    assert [r.number for r in results] == numbers
    asked = {sent(route, i)["language"]: sent(route, i)["parcels"] for i in range(2)}
    assert asked == {
        "EN": [{"id": "61000000001"}],
        "BG": [{"id": "61000000002"}, {"id": "61000000003"}, {"id": "61000000004"}],
    }


async def test_more_than_ten_numbers_are_split_into_calls_of_ten(adapter, respx_mock):
    route = respx_mock.post(f"{BASE}/track").respond(200, json={"parcels": []})
    numbers = [f"6100000{i:04d}" for i in range(23)]

    results = await adapter.track(numbers)

    assert route.call_count == 3
    assert sorted(len(sent(route, i)["parcels"]) for i in range(3)) == [3, 10, 10]
    assert [r.number for r in results] == numbers and all(r.not_found for r in results)


async def test_a_batch_answers_each_number_found_or_not(adapter, respx_mock):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("batch.json"))

    failed, unknown, missing = await adapter.track(["61234567893", "61234567894", "61234567895"])

    assert (failed.status, failed.reason) == (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)
    assert unknown.not_found and unknown.events == []
    assert missing.not_found, "a number Speedy left out of its answer"


# --- faults ---


async def test_a_whole_call_error_other_than_credentials_is_a_bad_response(adapter, respx_mock):
    respx_mock.post(f"{BASE}/track").respond(200, json=fixture("general_error.json"))

    with pytest.raises(BadResponse) as caught:
        await adapter.track([DELIVERED])
    assert "General error" in str(caught.value)


async def test_an_operation_with_a_bad_date_is_a_bad_response(adapter, respx_mock):
    doc = fixture("delivered.json")
    doc["parcels"][0]["operations"][0]["dateTime"] = "yesterday"
    respx_mock.post(f"{BASE}/track").respond(200, json=doc)

    with pytest.raises(BadResponse):
        await adapter.track([DELIVERED])


# --- the code tables ---


def test_every_documented_operation_code_maps_into_the_vocabulary():
    documented = {
        "1", "2", "11", "12", "-14", "21", "38", "39", "44", "69", "111", "112", "114", "115",
        "116", "121", "123", "124", "125", "127", "128", "129", "134", "144", "148", "164",
        "169", "175", "176", "181", "190", "195", "217", "1134",
    }  # fmt: skip
    assert set(codes.CODES) == documented
    for status, reason in codes.CODES.values():
        assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))


def test_every_documented_exception_code_is_accounted_for():
    documented = {
        "11", "12", "14", "15", "16", "17", "19", "20", "22", "25", "27", "29", "32", "35",
        "37", "41", "42", "46", "49", "61", "66", "67", "80", "81", "84", "1002", "1003",
        "1004", "1005", "1006", "1007", "1008", "1018", "1019", "1020", "9014", "9015",
        "9016", "9017", "9020",
    }  # fmt: skip
    assert set(codes.EXCEPTION_REASONS) | codes.NEUTRAL_EXCEPTIONS == documented
    assert not set(codes.EXCEPTION_REASONS) & codes.NEUTRAL_EXCEPTIONS


@pytest.mark.parametrize(
    ("code", "words", "expected"),
    [
        ("999", "Доставена", (Status.DELIVERED, None)),
        ("999", "Refused by the recipient", (Status.EXCEPTION, Reason.REFUSED)),
        ("999", "Something new", (Status.IN_TRANSIT, None)),
        ("12", "Delivered", (Status.OUT_FOR_DELIVERY, None)),
    ],
)
def test_an_unknown_code_is_read_from_its_words_and_a_known_one_from_the_table(
    code, words, expected
):
    assert codes.classify(code, (), words) == expected


def test_a_reason_from_an_exception_code_refines_only_a_vague_one():
    assert codes.classify("44", ["9016"]) == (Status.FAILED_ATTEMPT, Reason.WEATHER_DELAY)
    assert codes.classify("190", ["15"]) == (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)
    assert codes.classify("-14", ["15"]) == (Status.DELIVERED, None)


# --- detection and registration ---


def test_an_eleven_digit_number_proposes_speedy_with_little_confidence():
    registry.reload()
    found = dict(detection.detect("61234567890"))
    assert found.get("speedy") == 0.3


def test_speedy_is_registered_and_declares_its_languages():
    adapter = registry.get("speedy")
    assert adapter is SpeedyAdapter
    assert adapter.accepts_hints and adapter.answer_languages == {"bg", "en"}
    assert adapter.batch_size == 10 and not adapter.supports_push


# --- the parser only ever raises BadResponse ---


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(load_fixture("speedy", "delivered.json")))
def test_a_mangled_track_answer_is_read_or_refused_as_a_bad_response(doc):
    with contextlib.suppress(BadResponse):
        parse.parse_track(doc)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_as_an_office_answer_is_read_or_refused(doc):
    seen = PickupPoint(point_id="x")
    with contextlib.suppress(BadResponse):
        parse.parse_office(doc, seen)
    with contextlib.suppress(BadResponse):
        parse.pickup_offices(doc)


async def test_pushed_bodies_are_refused_since_no_push_is_offered(client):
    adapter = SpeedyAdapter(CREDENTIALS, client=client)

    assert adapter.verify_webhook({"Content-Type": "application/json"}, b"{}") is False
    with pytest.raises(BadResponse):
        adapter.parse_webhook(b"{}")
