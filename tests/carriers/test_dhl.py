"""DHL adapter: faked at the HTTP layer with respx, payloads from tests/fixtures/dhl/."""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import registry
from carriers.base import AuthError, BadResponse, DeliveryWindow, Reason, Status
from carriers.dhl import DHLAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://api-eu.dhl.com"
TRACK_URL = f"{BASE}/track/shipments"
NUMBER = "1234567891"
PARCEL = "00340434161094015902"
CREDENTIALS = {"api_key": "dhl-key", "webhook_secret": "hook-s3cret"}


def fixture(name: str) -> Any:
    return load_fixture("dhl", name)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> DHLAdapter:
    return DHLAdapter(CREDENTIALS, client=client)


async def track_fixture(
    adapter: DHLAdapter, respx_mock: respx.MockRouter, name: str, number: str = NUMBER
) -> Any:
    respx_mock.get(TRACK_URL).respond(200, json=fixture(name))
    (result,) = await adapter.track([number])
    return result


# --- journeys and statuses ---


async def test_it_parses_a_multi_event_journey(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "journey.json")

    assert result.number == NUMBER and not result.not_found
    assert [e.status for e in result.events] == [Status.INFO_RECEIVED] + [Status.IN_TRANSIT] * 4
    assert [e.carrier_code for e in result.events] == ["pre-transit"] + ["transit"] * 4
    assert result.status is Status.IN_TRANSIT and result.reason is None
    last = result.events[-1]
    assert last.description == "Arrived at DHL Delivery Facility AMSTERDAM - NETHERLANDS"
    assert (last.city, last.postal_code, last.country) == ("AMSTERDAM - NETHERLANDS", "1118", "NL")
    assert last.occurred_at == utc(2026, 11, 20, 6, 45)
    assert result.estimated_delivery == DeliveryWindow(
        start=utc(2026, 11, 21, 8, 0), end=utc(2026, 11, 21, 12, 0)
    )
    assert result.carrier_url == (
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
        f"?submit=1&tracking-id={NUMBER}"
    )
    doc = fixture("journey.json")
    del doc["shipments"][0]["estimatedDeliveryTimeFrame"]
    (without_window,) = parse.parse_shipments(doc)
    assert without_window.estimated_delivery == date(2026, 11, 21)  # estimatedTimeOfDelivery


@pytest.mark.parametrize(
    ("destination", "stated", "day"),
    [
        # an instant in UTC: 23:30 on the 21st is 01:30 on the 22nd in Athens
        ("GR", "2026-11-21T23:30:00Z", date(2026, 11, 22)),
        # the same instant is still the 21st in Warsaw (UTC+1 until 23:59:59 UTC)
        ("PL", "2026-11-21T22:30:00Z", date(2026, 11, 21)),
        # an offset that is not the destination's: read on the destination's clock
        ("GR", "2026-11-21T19:30:00-05:00", date(2026, 11, 22)),
        # a midnight is DHL's way of giving a bare date: the day as written, anywhere
        ("GR", "2026-11-22T00:00:00Z", date(2026, 11, 22)),
        # a country of several clocks (no single destination zone): the day as written
        ("US", "2026-11-21T23:30:00Z", date(2026, 11, 21)),
    ],
)
async def test_the_stated_time_of_delivery_is_a_day_on_the_destinations_calendar(
    adapter, respx_mock, destination, stated, day
):
    """``estimatedTimeOfDelivery`` is a date-time (https://developer.dhl.com/api-reference/
    shipment-tracking, "Shipment Tracking - Unified", response ``estimatedTimeOfDelivery``);
    the day shown to the customer and held against the parcel is the destination's."""
    doc = fixture("journey.json")
    shipment = doc["shipments"][0]
    del shipment["estimatedDeliveryTimeFrame"]
    shipment["destination"]["address"]["countryCode"] = destination
    shipment["estimatedTimeOfDelivery"] = stated
    respx_mock.get(TRACK_URL).respond(200, json=doc)
    (result,) = await adapter.track([NUMBER])
    assert result.estimated_delivery == day


async def test_it_reports_delivery_with_proof_and_signer(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "delivered.json", PARCEL)

    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 11, 21, 10, 32)
    assert result.signed_by == "M. Mustermann"
    assert [e.status for e in result.events][-2:] == [Status.OUT_FOR_DELIVERY, Status.DELIVERED]
    assert result.events[0].city is None and result.events[0].country is None


@pytest.mark.parametrize(
    ("signed", "signer"), [(None, None), ({"givenName": "E.", "familyName": "Muster"}, "E. Muster")]
)
def test_the_proof_of_delivery_is_optional(signed, signer):
    doc = fixture("delivered.json")
    doc["shipments"][0]["details"] = signed and {"proofOfDelivery": {"signed": signed}}

    (result,) = parse.parse_shipments(doc)

    assert result.delivered_at == utc(2026, 11, 21, 10, 32)  # from the delivered event
    assert result.signed_by == signer


async def test_it_reports_an_exception_with_its_reason(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "failure.json")

    assert (result.status, result.reason) == (Status.EXCEPTION, Reason.DAMAGED)
    assert result.events[-1].carrier_code == "failure"
    assert result.events[-1].description == "The shipment has been damaged and is being assessed"


async def test_it_reports_a_failed_attempt_from_german_text(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "attempt.json", PARCEL)

    assert (result.status, result.reason) == (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)
    assert result.events[0].status is Status.OUT_FOR_DELIVERY  # "Zustellfahrzeug"


async def test_it_reports_a_parcel_waiting_in_a_packstation(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "pickup.json", PARCEL)

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    # The sender dropping the parcel at a Packstation is not "ready for pickup".
    assert result.events[0].status is Status.IN_TRANSIT


async def test_it_reports_a_return_to_sender(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "returned.json")

    assert result.status is Status.RETURNED_TO_SENDER
    assert [(e.status, e.reason) for e in result.events] == [
        (Status.EXCEPTION, Reason.REFUSED),
        (Status.RETURNED_TO_SENDER, None),
        (Status.RETURNED_TO_SENDER, None),
    ]
    assert result.events[-1].carrier_code == "delivered"  # DHL's code kept as sent
    assert result.delivered_at is None


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("transit", "With delivery courier", "out_for_delivery"),
        ("transit", "Die Sendung wurde in das Zustellfahrzeug geladen.", "out_for_delivery"),
        ("transit", "Delivery attempted; recipient not home",
         "failed_attempt/recipient_unavailable"),
        ("failure", "Recipient not available. Delivery attempt failed",
         "failed_attempt/recipient_unavailable"),
        ("transit", "Ein Zustellversuch ist erfolgt.", "failed_attempt"),
        ("transit", "Awaiting collection by recipient as requested", "available_for_pickup"),
        ("transit", "Delivered to the parcel locker, ready for pick-up", "available_for_pickup"),
        ("transit", "Die Sendung liegt in der Filiale abholbereit.", "available_for_pickup"),
        ("transit", "Die Sendung wurde vom Absender in der Filiale eingeliefert.", "in_transit"),
        ("transit", "Die Sendung wird an den Absender zurückgesendet.", "returned_to_sender"),
        ("failure", "Shipment is held by customs", "exception/customs_hold"),
        ("transit", "Die Sendung wurde vom Zoll angehalten.", "exception/customs_hold"),
        ("transit", "Clearance processing complete", "in_transit"),
        ("failure", "Die Sendung wurde beschädigt.", "exception/damaged"),
        ("failure", "Die Anschrift ist unvollständig.", "exception/address_issue"),
        ("failure", "Incorrect address - contact DHL", "exception/address_issue"),
        ("failure", "Die Annahme der Sendung wurde verweigert.", "exception/refused"),
        ("failure", "Something went wrong", "exception/unknown"),
        ("unknown", "No status available", "in_transit"),
        ("Delivered", "Die Sendung wurde aus der PACKSTATION abgeholt.", "delivered"),
        ("pre-transit", "Die Retoure wurde elektronisch angekündigt.", "info_received"),
        ("pre-transit", "Return to sender label created", "info_received"),
    ],
)  # fmt: skip
def test_the_wording_refines_the_coarse_code(code, text, expected):
    assert "/".join(filter(None, codes.classify(code, text))) == expected


# --- authentication: a static key, no token to refresh ---


async def test_without_a_key_it_raises_auth_error_without_a_call(client, respx_mock):
    """401 and 403 (no retry) are in test_contract.py."""
    route = respx_mock.get(TRACK_URL).respond(200, json={"title": "Unauthorized"})

    with pytest.raises(AuthError):
        await DHLAdapter({}, client=client).track([NUMBER])
    assert route.call_count == 0, "no call without a key"


# --- payload shapes ---


async def test_it_tolerates_missing_and_extra_fields(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "sparse.json")

    first, unknown = result.events
    assert (first.description, first.city, first.country) == ("", None, None)
    assert first.postal_code == "1118"  # a number in the payload
    assert result.estimated_delivery is result.signed_by is result.delivered_at is None
    # A code DHL adds later: kept on the event, read as movement.
    assert (unknown.carrier_code, unknown.status) == ("some-new-code", Status.IN_TRANSIT)
    assert unknown.description == "Something DHL invented later"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s["events"][0].pop("timestamp"),
        lambda s: s.pop("id"),
        lambda s: s.__setitem__("events", {"not": "a list"}),
        lambda s: s["events"][0].__setitem__("timestamp", "yesterday"),
        lambda s: s.update(estimatedTimeOfDelivery="soon", estimatedDeliveryTimeFrame=None),
        lambda s: s["estimatedDeliveryTimeFrame"].__setitem__("estimatedFrom", "soon"),
        lambda s: s.__setitem__("status", "in transit"),
        lambda s: s.clear(),  # not even an id
    ],
)
def test_it_rejects_what_it_cannot_read(mutate):
    doc = fixture("journey.json")
    mutate(doc["shipments"][0])

    with pytest.raises(BadResponse):
        parse.parse_shipments(doc)
    with pytest.raises(BadResponse):
        parse.parse_shipments({"url": "/shipments"})  # no shipments list at all


async def test_it_handles_an_empty_event_list(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "empty.json")

    assert result.events == []
    assert result.status is Status.INFO_RECEIVED  # from the shipment's current status
    assert not result.not_found
    (bare,) = parse.parse_shipments({"shipments": [{"id": NUMBER}]})
    assert bare.status is Status.PENDING and bare.events == []


async def test_it_sorts_events_oldest_first(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "out_of_order.json")

    assert [e.occurred_at for e in result.events] == sorted(e.occurred_at for e in result.events)
    assert result.events[0].status is Status.INFO_RECEIVED
    assert result.status is Status.OUT_FOR_DELIVERY


def test_it_converts_time_zones():
    (result,) = parse.parse_shipments(fixture("timezones.json"))

    assert [e.occurred_at for e in result.events] == [
        utc(2026, 11, 19, 13, 0),  # -05:00 honoured
        utc(2026, 11, 19, 14, 0),  # Z
        utc(2026, 11, 20, 3, 0),  # naive, no location: UTC, never the server's zone
        utc(2026, 11, 20, 18, 0),  # naive, US has many zones: UTC
        utc(2026, 11, 21, 8, 30),  # naive, AT has one zone: Europe/Vienna (UTC+1)
    ]
    # A naive window is read in the destination's zone.
    assert result.estimated_delivery == DeliveryWindow(
        start=utc(2026, 11, 22, 8, 0), end=utc(2026, 11, 22, 11, 0)
    )


def test_naive_german_times_are_read_in_berlin():
    doc = fixture("delivered.json")
    doc["shipments"][0]["events"][0]["timestamp"] = "2026-11-21T11:32:00"  # Bonn, DE

    (result,) = parse.parse_shipments(doc)

    assert result.events[-1].occurred_at == utc(2026, 11, 21, 10, 32)


@pytest.mark.parametrize(
    ("timestamp", "instant"),
    [
        # EET, UTC+2 (Crimea's tz zone, Europe/Simferopol, is on Moscow's UTC+3)
        ("2026-11-21T09:30:00", utc(2026, 11, 21, 7, 30)),
        # EEST, UTC+3
        ("2026-07-21T09:30:00", utc(2026, 7, 21, 6, 30)),
    ],
)
async def test_a_naive_ukrainian_scan_is_read_on_kyiv_time(adapter, respx_mock, timestamp, instant):
    """Shipment Tracking - Unified (https://developer.dhl.com/api-reference/shipment-tracking)
    gives an event's ``timestamp`` without an offset for some services; a scan whose
    ``location.address.countryCode`` is "UA" is a wall time in Kyiv, Ukraine's legal time
    everywhere, and so is a Ukrainian destination's naive delivery window."""
    doc = fixture("timezones.json")
    shipment = doc["shipments"][0]
    kyiv = {"countryCode": "UA", "addressLocality": "KYIV - UKRAINE"}
    shipment["destination"]["address"] = dict(kyiv)
    scan = shipment["events"][0]
    scan.update(timestamp=timestamp, description="Arrived at DHL Delivery Facility KYIV - UKRAINE")
    scan["location"]["address"] = dict(kyiv)
    respx_mock.get(TRACK_URL).respond(200, json=doc)

    (result,) = await adapter.track([NUMBER])

    assert [e.occurred_at for e in result.events if e.country == "UA"] == [instant]
    assert result.estimated_delivery == DeliveryWindow(  # 09:00-12:00 on 22 November, EET
        start=utc(2026, 11, 22, 7, 0), end=utc(2026, 11, 22, 10, 0)
    )


def test_it_picks_the_shipment_for_the_number_asked():
    results = parse.parse_shipments({"shipments": [{"id": "OTHER"}, {"id": "12345 67891"}]})

    assert parse.pick(results, NUMBER) is results[1]
    assert parse.pick(results, "unrelated") is results[0]
    assert parse.pick([], NUMBER) is None


# --- request shape ---


async def test_it_sends_the_documented_request(adapter, respx_mock):
    route = respx_mock.get(TRACK_URL).respond(200, json=fixture("journey.json"))

    assert await adapter.track([]) == [] and not route.called
    await adapter.track([NUMBER])

    request = route.calls.last.request
    assert request.url.path == "/track/shipments"
    assert dict(request.url.params) == {"trackingNumber": NUMBER, "language": "en"}
    assert request.headers["DHL-API-Key"] == "dhl-key"
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers


async def test_it_makes_one_paced_call_per_number_and_keeps_the_order(client, respx_mock):
    numbers = [NUMBER, "9999999999"]
    started: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        started.append(time.monotonic())
        number = request.url.params["trackingNumber"]
        if number == "9999999999":
            return httpx.Response(404, json=fixture("not_found.json"))
        return httpx.Response(200, json=fixture("journey.json"))

    route = respx_mock.get(f"{BASE}/track/shipments").mock(side_effect=answer)
    adapter = DHLAdapter(CREDENTIALS, client=client, base_url=BASE + "/")

    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers
    assert [r.not_found for r in results] == [False, True]
    assert [c.request.url.params["trackingNumber"] for c in route.calls] == numbers
    assert started[1] - started[0] >= 1 / DHLAdapter.rate_limit - 0.01


# --- push ---


def test_it_verifies_the_pushed_secret(adapter):
    body = json.dumps(fixture("webhook.json")).encode()

    assert adapter.verify_webhook({"DHL-Webhook-Secret": "hook-s3cret"}, body)
    assert adapter.verify_webhook({"dhl-webhook-secret": "hook-s3cret"}, body)
    assert not adapter.verify_webhook({"DHL-Webhook-Secret": "guess"}, body)
    assert not adapter.verify_webhook({"DHL-Webhook-Secret": "hook-s3cret-ünïcode"}, body)
    assert not adapter.verify_webhook({}, body)
    unconfigured = DHLAdapter({"api_key": "dhl-key"}, client=adapter.client)
    assert not unconfigured.verify_webhook({"DHL-Webhook-Secret": ""}, body)


def test_it_parses_a_pushed_body(adapter):
    results = adapter.parse_webhook(json.dumps(fixture("webhook.json")).encode())

    assert [r.number for r in results] == [NUMBER, PARCEL]
    assert results[0].status is Status.OUT_FOR_DELIVERY
    assert results[1].status is Status.DELIVERED and results[1].signed_by == "M. Mustermann"
    assert results[1].carrier_url and PARCEL in results[1].carrier_url


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[]", b'{"shipments": "x"}'])
def test_it_rejects_a_pushed_body_it_cannot_read(adapter, body):
    with pytest.raises(BadResponse):
        adapter.parse_webhook(body)


# --- metadata and code table ---


def test_it_declares_its_metadata():
    assert DHLAdapter.key == "dhl"
    assert (DHLAdapter.batch_size, DHLAdapter.rate_limit) == (1, 1.0)
    assert DHLAdapter.default_base_url == "https://api-eu.dhl.com"
    assert DHLAdapter.supports_push is True
    assert "api_key" in DHLAdapter.credential_fields
    assert registry.get("dhl") is DHLAdapter


def test_every_code_and_keyword_maps_to_a_valid_status():
    assert set(codes.STATUS_CODES) == {"pre-transit", "transit", "delivered", "failure", "unknown"}
    outcomes = [*codes.STATUS_CODES.values(), codes.DEFAULT, *(o for _, o in codes.KEYWORDS)]
    for status, reason in outcomes:
        assert isinstance(status, Status)
        assert reason is None or isinstance(reason, Reason)
        assert status is not Status.EXPIRED, "expired is Doorstep's own timeout"
    for phrases, _ in codes.KEYWORDS:
        for phrase in phrases:
            assert phrase == codes.normalise(phrase), f"{phrase!r} could never match"


# --- the parser never raises anything but BadResponse ---

#: Values that look like the real thing, so mutations reach the time and text paths.
plausible = st.sampled_from(
    ["", "transit", "failure", "delivered", "Zustellversuch", "2026-11-20T08:00:00",
     "2026-11-20T08:00:00+14:00", "0001-01-01T00:00:00", "0001-01-01T00:00:00+01:00",
     "9999-12-31T23:59:59-05:00", "DE", "AT", "US", "XX", 0, -1, True, None, [], {}]
)  # fmt: skip


FUZZED = ["journey.json", "delivered.json", "timezones.json", "returned.json", "webhook.json"]


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.pick(parse.parse_shipments(doc), NUMBER)
    parse.is_problem(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_json(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda name: mutated(fixture(name), JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_fixture(doc):
    _parse_or_bad_response(doc)


def test_a_current_status_newer_than_the_last_event_wins() -> None:
    """DHL's ``status`` one second after its last listed event: a delivery it has not
    yet listed among the events still makes the parcel delivered, with its time."""
    doc = {
        "shipments": [
            {
                "id": "1234567890",
                "status": {
                    "timestamp": "2026-11-20T10:00:01Z",
                    "statusCode": "delivered",
                    "status": "DELIVERED",
                    "description": "Delivered",
                },
                "events": [
                    {
                        "timestamp": "2026-11-20T10:00:00Z",
                        "statusCode": "transit",
                        "status": "PROCESSED",
                        "description": "Processed at delivery facility",
                    }
                ],
            }
        ]
    }
    (result,) = parse.parse_shipments(doc)
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2026, 11, 20, 10, 0, 1, tzinfo=UTC)
    assert [e.status for e in result.events] == [Status.IN_TRANSIT]


def test_a_current_status_older_than_the_last_event_does_not_win() -> None:
    doc = {
        "shipments": [
            {
                "id": "1234567890",
                "status": {"timestamp": "2026-11-20T09:00:00Z", "statusCode": "pre-transit"},
                "events": [{"timestamp": "2026-11-20T10:00:00Z", "statusCode": "transit"}],
            }
        ]
    }
    (result,) = parse.parse_shipments(doc)
    assert result.status is Status.IN_TRANSIT
    assert len(result.events) == 1
