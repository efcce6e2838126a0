"""Econt adapter, faked at the HTTP layer with respx; payloads in tests/fixtures/econt.

Rate limits, 5xx and timeouts, unusable bodies, unknown numbers and refused credentials are
rows of ``test_contract.py``; this file keeps what only Econt does: its event types and
short statuses, Bulgarian or English texts per customer, offices and Econtomats.
"""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import date
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from carriers import detection, registry
from carriers.base import BadResponse, NumberHint, PickupKind, PickupPoint, Reason, Status
from carriers.econt import EcontAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://ee.econt.com/services"
STATUSES = f"{BASE}/Shipments/ShipmentService.getShipmentStatuses.json"
OFFICES = f"{BASE}/Nomenclatures/NomenclaturesService.getOffices.json"
CREDENTIALS = {"username": "iasp-dev", "password": "s3cret"}
DELIVERED, AT_OFFICE, AT_LOCKER, RETURNED = (
    "1051234567890", "1051234567891", "1051234567892", "1051234567893",
)  # fmt: skip


def fixture(name: str) -> Any:
    return load_fixture("econt", name)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> EcontAdapter:
    return EcontAdapter(CREDENTIALS, client=client)


async def track(adapter, respx_mock, name: str, number: str, language: str | None = None):
    respx_mock.post(STATUSES).respond(200, json=fixture(name))
    (result,) = await adapter.track([number], {number: NumberHint(language=language)})
    return result


# --- journeys ---


async def test_a_delivered_journey_in_bulgarian(adapter, respx_mock):
    result = await track(adapter, respx_mock, "delivered.json", DELIVERED)

    assert [e.carrier_code for e in result.events] == [
        "in_pickup_courier", "in_pickup_office", "courier_direction",
        "arrival_departure_from_hub", "in_delivery_office", "in_delivery_courier", "client",
    ], "the delivery receipt's own event (isReceipt) is not the parcel's"  # fmt: skip
    assert [e.status for e in result.events][-2:] == [Status.OUT_FOR_DELIVERY, Status.DELIVERED]
    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 11, 24, 11, 42), "epoch milliseconds"
    assert result.events[0].description == "Приета от куриер"
    assert (result.events[0].city, result.events[0].country) == ("Пловдив", "BG")
    assert result.estimated_delivery is None
    assert result.carrier_url == "https://www.econt.com/services/track-shipment/1051234567890"


async def test_an_english_speaking_customer_reads_econts_english_texts(adapter, respx_mock):
    result = await track(adapter, respx_mock, "delivered.json", DELIVERED, language="en")

    assert result.events[0].description == "Accepted by courier"
    assert result.events[-1].description == "Delivered to the receiver"
    assert result.events[0].city == "Plovdiv"


async def test_a_language_econt_lacks_gets_its_bulgarian(adapter, respx_mock):
    result = await track(adapter, respx_mock, "delivered.json", DELIVERED, language="uk")

    assert result.events[0].description == "Приета от куриер"


async def test_one_call_answers_customers_of_both_languages(adapter, respx_mock):
    route = respx_mock.post(STATUSES).respond(200, json=fixture("delivered.json"))
    hints = {DELIVERED: NumberHint(language="en"), " 1051234567890": NumberHint(language="bg")}

    english, bulgarian = await adapter.track([DELIVERED, " 1051234567890"], hints)

    assert route.call_count == 1
    assert english.events[0].description == "Accepted by courier"
    assert bulgarian.events[0].description == "Приета от куриер"
    assert bulgarian.number == " 1051234567890", "the number as asked"


async def test_a_return_after_a_failed_delivery(adapter, respx_mock):
    result = await track(adapter, respx_mock, "returned.json", RETURNED)

    assert [e.carrier_code for e in result.events] == [
        "failed_delivery", "is_returning_to_sender", "returned_to_sender",
    ], "oldest first, whatever Econt's order"  # fmt: skip
    assert (result.events[0].status, result.events[0].reason) == (
        Status.FAILED_ATTEMPT, Reason.UNKNOWN,
    )  # fmt: skip
    assert result.events[1].status is Status.EXCEPTION
    assert result.status is Status.RETURNED_TO_SENDER
    assert result.delivered_at is None


async def test_a_label_only_prepared_is_info_received(adapter, respx_mock):
    result = await track(adapter, respx_mock, "prepared.json", "1051234567895")

    assert result.events == [] and not result.not_found
    assert result.status is Status.INFO_RECEIVED


async def test_a_short_status_of_cancellation_wins_over_the_last_event(adapter, respx_mock):
    doc = fixture("batch.json")
    doc["shipmentStatuses"] = doc["shipmentStatuses"][:1]
    doc["shipmentStatuses"][0]["status"]["shortDeliveryStatusEn"] = "Cancelled after sending"
    respx_mock.post(STATUSES).respond(200, json=doc)

    (result,) = await adapter.track(["1051234567894"])

    assert (result.status, result.reason) == (Status.EXCEPTION, Reason.UNKNOWN)


# --- offices and Econtomats ---


async def test_a_parcel_waiting_at_the_receivers_office(adapter, respx_mock):
    respx_mock.post(STATUSES).respond(200, json=fixture("office_pickup.json"))
    lookup = respx_mock.post(OFFICES).respond(200, json=fixture("offices.json"))

    (result,) = await adapter.track([AT_OFFICE])

    assert result.events[0].status is Status.IN_TRANSIT, "the sender's office is not a pickup"
    assert result.events[-1].status is Status.AVAILABLE_FOR_PICKUP
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.estimated_delivery == date(2026, 11, 26), "a Sofia calendar day"
    assert json.loads(lookup.calls[0].request.content) == {"officeCode": "1127"}
    point = result.pickup_point
    assert point is not None
    assert (point.point_id, point.kind, point.name) == ("1127", PickupKind.DEPOT, "София Лозенец")
    assert (point.street, point.city, point.postal_code, point.country) == (
        "София Лозенец ул. Златовръх 12", "София", "1164", "BG",
    )  # fmt: skip
    assert (point.latitude, point.longitude) == (42.676905, 23.320951)
    assert point.opening_hours == "Mon–Fri 09:00–19:00, Sat 10:00–14:00", "Sofia clock times"


async def test_an_econtomat_is_a_locker(adapter, respx_mock):
    respx_mock.post(STATUSES).respond(200, json=fixture("econtomat.json"))
    respx_mock.post(OFFICES).respond(200, json=fixture("econtomat_office.json"))

    result = (await adapter.track([AT_LOCKER], {AT_LOCKER: NumberHint(language="en")}))[0]

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point is not None
    assert result.pickup_point.kind is PickupKind.LOCKER
    assert result.pickup_point.name == "Econtomat Sofia Mladost 1"
    assert result.pickup_point.street == "Sofia Mladost 1, bl. 12"
    assert result.pickup_point.opening_hours is None, "no hours given, none invented"


async def test_without_office_details_the_office_the_status_names_stays(adapter, respx_mock):
    respx_mock.post(STATUSES).respond(200, json=fixture("econtomat.json"))
    respx_mock.post(OFFICES).respond(200, json={"offices": []})

    (result,) = await adapter.track([AT_LOCKER])

    assert result.pickup_point == PickupPoint(
        point_id="1520",
        kind=PickupKind.LOCKER,
        name="Еконтомат София Младост 1",
        city="София",
        country="BG",
    )


async def test_a_broken_office_answer_keeps_the_tracking(adapter, respx_mock):
    respx_mock.post(STATUSES).respond(200, json=fixture("office_pickup.json"))
    respx_mock.post(OFFICES).respond(200, text="<html>oops</html>")

    (result,) = await adapter.track([AT_OFFICE])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point is not None and result.pickup_point.point_id == "1127"


# --- the request ---


async def test_the_request_uses_basic_auth_and_lists_the_numbers(adapter, respx_mock):
    route = respx_mock.post(STATUSES).respond(200, json=fixture("batch.json"))

    found, unknown = await adapter.track(["1051234567894", "1059999999999"])

    request = route.calls[0].request
    assert (
        request.headers["Authorization"] == "Basic " + base64.b64encode(b"iasp-dev:s3cret").decode()
    )
    assert json.loads(request.content) == {"shipmentNumbers": ["1051234567894", "1059999999999"]}
    assert found.status is Status.OUT_FOR_DELIVERY
    assert found.estimated_delivery == date(2026, 12, 1)
    assert unknown.not_found and unknown.events == []


async def test_numbers_are_sent_twenty_at_a_time(adapter, respx_mock):
    route = respx_mock.post(STATUSES).respond(200, json={"shipmentStatuses": []})
    numbers = [f"10500000{i:05d}" for i in range(45)]

    results = await adapter.track(numbers)

    sizes = sorted(len(json.loads(c.request.content)["shipmentNumbers"]) for c in route.calls)
    assert sizes == [5, 20, 20]
    assert [r.number for r in results] == numbers


async def test_the_demo_system_is_a_base_url(client, respx_mock):
    demo = "https://demo.econt.com/ee/services"
    route = respx_mock.post(f"{demo}/Shipments/ShipmentService.getShipmentStatuses.json")
    route.respond(200, json=fixture("delivered.json"))
    adapter = EcontAdapter(CREDENTIALS, client=client, base_url=demo)

    (result,) = await adapter.track([DELIVERED])

    assert result.status is Status.DELIVERED


async def test_an_iso_event_time_without_offset_is_read_in_sofia(adapter, respx_mock):
    doc = fixture("delivered.json")
    doc["shipmentStatuses"][0]["status"]["trackingEvents"][0]["time"] = "2026-11-23T16:20:00"
    respx_mock.post(STATUSES).respond(200, json=doc)

    (result,) = await adapter.track([DELIVERED])

    assert result.events[0].occurred_at == utc(2026, 11, 23, 14, 20)


# --- the tables ---


def test_every_documented_event_type_maps_into_the_vocabulary():
    documented = {
        "client", "courier", "courier_direction", "office", "first_try", "second_try",
        "instruction", "redirect", "return", "destroy", "failed_delivery", "in_pickup_courier",
        "in_pickup_office", "in_delivery_courier", "in_delivery_office",
        "arrival_departure_from_hub", "is_returning_to_sender", "returned_to_sender",
    }  # fmt: skip
    assert set(codes.CODES) == documented
    for status, reason in codes.CODES.values():
        assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))


def test_every_documented_short_status_is_known_in_both_languages():
    english = [
        "Prepared in eEcont", "Accepted in Econt", "In route", "In courier",
        "In pick up courier", "Accepted in office", "In delivery courier's office",
        "Arrived in office", "Arrival departure from hub", "Delivered",
        "Cancelled after sending", "Cancelled before sending", "Is returning to sender",
        "Returned to sender",
    ]  # fmt: skip
    bulgarian = [
        "Подготвена в eEcont", "Приета в Еконт", "Пътува по линия", "В куриер",
        "В офис на приемащ куриер", "Приета в офис", "в офис на предаващ куриер",
        "Пристигнала в офис", "Постъпила за обработка в Логистичен център", "Доставена",
        "Анулирана след изпращане", "Анулирана преди изпращане", "Връща се към подател",
        "Върната и доставена към подател",
    ]  # fmt: skip
    for en, bg in zip(english, bulgarian, strict=True):
        assert codes.short_status(en) is not None and codes.short_status(en) == codes.short_status(
            bg
        )


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("returned_somewhere", (Status.RETURNED_TO_SENDER, None)),
        ("third_failed_try", (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
        ("something_new", (Status.IN_TRANSIT, None)),
    ],
)
def test_an_unknown_event_type_falls_back_by_its_words(kind, expected):
    assert codes.classify(kind) == expected


# --- detection and registration ---


def test_a_thirteen_digit_number_proposes_econt_with_little_confidence():
    registry.reload()
    assert dict(detection.detect("1051234567890")).get("econt") == 0.3


def test_econt_is_registered_and_declares_its_languages():
    adapter = registry.get("econt")
    assert adapter is EcontAdapter
    assert adapter.accepts_hints and adapter.answer_languages == {"bg", "en"}
    assert not adapter.supports_push


# --- the parser only ever raises BadResponse ---


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(load_fixture("econt", "office_pickup.json")))
def test_a_mangled_status_answer_is_read_or_refused_as_a_bad_response(doc):
    with contextlib.suppress(BadResponse):
        parse.parse_statuses(doc, english=False)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_as_an_office_answer_is_read_or_refused(doc):
    with contextlib.suppress(BadResponse):
        parse.parse_office(doc, True, PickupPoint(point_id="1127"))


async def test_pushed_bodies_are_refused_since_no_push_is_offered(client):
    adapter = EcontAdapter(CREDENTIALS, client=client)

    assert adapter.verify_webhook({"Content-Type": "application/json"}, b"{}") is False
    with pytest.raises(BadResponse):
        adapter.parse_webhook(b"{}")


def test_an_office_closed_on_saturday_shows_weekday_hours_only():
    doc = fixture("offices.json")
    office = doc["offices"][0]
    office["halfDayBusinessHoursTo"] = office["halfDayBusinessHoursFrom"]

    point = parse.parse_office(doc, False, PickupPoint(point_id="1127"))

    assert point is not None and point.opening_hours == "Mon–Fri 09:00–19:00"
