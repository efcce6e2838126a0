"""AfterShip adapter: tracking look-ups faked with respx, webhooks signed like AfterShip does.

Payloads in tests/fixtures/aftership/ follow the documented Tracking and webhook shapes.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
from datetime import date
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.aftership import AfterShipAdapter, codes, parse
from carriers.base import BadResponse, Reason, Status
from tests.carriers.helpers import JSON, json_paths, load_fixture, replaced, utc

BASE = "https://api.aftership.com"
TRACKINGS = f"{BASE}/tracking/2025-07/trackings"
SECRET = "aftership-webhook-secret"
CREDENTIALS = {"api_key": "asat_test_key", "webhook_secret": SECRET}
NUMBER = "1234567891"


def fixture(name: str) -> Any:
    return load_fixture("aftership", name)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> AfterShipAdapter:
    return AfterShipAdapter(CREDENTIALS, client=client)


async def track_one(adapter, respx_mock, name: str, number: str = NUMBER) -> Any:
    respx_mock.get(TRACKINGS).respond(200, json=fixture(name))
    [result] = await adapter.track([number])
    return result


# --- journeys ---


async def test_it_parses_a_multi_event_journey(adapter, respx_mock) -> None:
    result = await track_one(adapter, respx_mock, "trackings.json")
    assert result.status is Status.OUT_FOR_DELIVERY
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
    ]
    arrival = result.events[3]
    assert arrival.carrier_code == "InTransit_003"
    assert arrival.description == "Arrived at Delivery Facility in PARIS - FRANCE"
    assert (arrival.city, arrival.postal_code, arrival.country) == ("Roissy", "95700", "FR")
    assert arrival.occurred_at == utc(2026, 11, 19, 5, 10)
    assert result.estimated_delivery == date(2026, 11, 21)
    assert result.carrier_url == f"https://www.dhl.com/en/express/tracking.html?AWB={NUMBER}"


async def test_it_reads_the_signer_and_time_of_a_delivery(adapter, respx_mock) -> None:
    result = await track_one(adapter, respx_mock, "trackings.json", "3456789012")
    assert (result.status, result.signed_by) == (Status.DELIVERED, "M DUPONT")
    assert result.delivered_at == utc(2026, 11, 20, 10, 32)
    assert result.events[-1].carrier_code == "Delivered_003"


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("tracking_exception.json", Status.EXCEPTION, Reason.CUSTOMS_HOLD),
        ("tracking_failed_attempt.json", Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
        ("tracking_pickup.json", Status.AVAILABLE_FOR_PICKUP, None),
        ("tracking_return.json", Status.RETURNED_TO_SENDER, None),
        ("tracking_expired.json", Status.EXPIRED, None),
    ],
)
async def test_it_maps_each_outcome(adapter, respx_mock, name, status, reason) -> None:
    result = await track_one(adapter, respx_mock, name)
    assert (result.status, result.reason) == (status, reason)
    if result.events:
        assert (result.events[-1].status, result.events[-1].reason) == (status, reason)


async def test_an_expired_tracking_has_an_empty_event_list(adapter, respx_mock) -> None:
    result = await track_one(adapter, respx_mock, "tracking_expired.json")
    assert result.events == []
    assert result.estimated_delivery is None


# --- numbers AfterShip does not hold ---


async def test_numbers_are_matched_after_normalising(adapter, respx_mock) -> None:
    respx_mock.get(TRACKINGS).respond(200, json=fixture("trackings.json"))
    [result] = await adapter.track(["123 456-7891"])
    assert result.number == "123 456-7891"  # as the caller gave it
    assert result.status is Status.OUT_FOR_DELIVERY


def test_the_newest_of_duplicate_trackings_wins() -> None:
    raw = fixture("trackings.json")
    older = copy.deepcopy(raw["data"]["trackings"][0])
    older.update(updated_at="2026-11-01T00:00:00+00:00", tag="Pending", subtag="Pending_001")
    raw["data"]["trackings"].append(older)
    assert parse.parse_trackings(raw)[NUMBER].status is Status.OUT_FOR_DELIVERY


# --- whole-call failures ---


async def test_another_4xx_is_a_bad_response(adapter, respx_mock) -> None:
    respx_mock.get(TRACKINGS).respond(400, json={"meta": {"code": 4001, "type": "BadRequest"}})
    with pytest.raises(BadResponse):
        await adapter.track([NUMBER])


# --- shapes ---


def test_missing_optional_fields_are_tolerated() -> None:
    minimal = {
        "tracking_number": NUMBER,
        "checkpoints": [{"checkpoint_time": "2026-11-20T10:00:00+00:00", "tag": "InTransit"}],
    }
    result = parse.parse_tracking(minimal)
    assert result.status is Status.IN_TRANSIT
    assert result.events[0].country is None
    assert (result.signed_by, result.carrier_url, result.estimated_delivery) == (None, None, None)


def test_older_api_versions_are_understood() -> None:
    older = {
        "tracking_number": NUMBER,
        "tag": "InTransit",
        "expected_delivery": "2026-11-22",
        "checkpoints": [
            {"checkpoint_time": "2026-11-20T10:00:00", "country_iso3": "FRA", "tag": "InTransit"}
        ],
    }
    result = parse.parse_tracking(older)
    assert result.estimated_delivery == date(2026, 11, 22)
    assert result.events[0].country == "FR"
    assert result.events[0].occurred_at == utc(2026, 11, 20, 9, 0)


def with_checkpoint(checkpoint: Any) -> dict[str, Any]:
    return {"data": {"trackings": [{"tracking_number": "1", "checkpoints": [checkpoint]}]}}


@pytest.mark.parametrize(
    "broken",
    [
        {"data": {}},
        {"data": {"trackings": {"not": "a list"}}},
        {"data": {"trackings": [{"tag": "Delivered"}]}},  # no tracking_number
        {"data": {"trackings": [{"tracking_number": "1", "tag": ["InTransit"]}]}},
        {"data": {"trackings": [{"tracking_number": "1", "expected_delivery": "soonish"}]}},
        with_checkpoint({"tag": "InTransit"}),  # no checkpoint_time
        with_checkpoint({"checkpoint_time": "last Tuesday"}),
        with_checkpoint({"checkpoint_time": 1_795_690_320}),
        with_checkpoint("not an object"),
        [],
    ],
)
def test_missing_required_fields_are_a_bad_response(broken: Any) -> None:
    with pytest.raises(BadResponse):
        parse.parse_trackings(broken)


def test_extra_fields_are_ignored() -> None:
    raw = fixture("trackings.json")
    raw["data"]["trackings"][1]["aftership_estimated_delivery_date"] = {"new": True}
    raw["data"]["trackings"][1]["checkpoints"][0]["coordinates"] = [48.85, 2.35]
    assert parse.parse_trackings(raw) == parse.parse_trackings(fixture("trackings.json"))


def test_events_out_of_order_are_sorted_oldest_first() -> None:
    raw = fixture("trackings.json")
    random.Random(3).shuffle(raw["data"]["trackings"][1]["checkpoints"])
    result = parse.parse_trackings(raw)["3456789012"]
    times = [e.occurred_at for e in result.events]
    assert times == sorted(times)
    assert result.events[-1].status is Status.DELIVERED


def test_time_zones_follow_the_utc_rule() -> None:
    [result] = parse.parse_trackings(fixture("tracking_timezones.json")).values()
    assert [e.occurred_at for e in result.events] == [
        utc(2026, 11, 20, 14, 15),  # -05:00 honoured
        utc(2026, 11, 21, 10, 0),  # Z
        utc(2026, 11, 22, 7, 30),  # naive, scanned in FRA: Europe/Paris
        utc(2026, 11, 23, 8, 30),  # naive, USA has several zones: UTC
        utc(2026, 11, 24, 0, 0),  # a date alone, GBR: Europe/London (UTC in winter)
    ]


# --- request shape ---


async def test_it_asks_for_fifty_numbers_per_call_and_keeps_the_order(adapter, respx_mock) -> None:
    numbers = [f"{i:010d}" for i in range(1, 52)]
    numbers[10] = NUMBER

    def reply(request: httpx.Request) -> httpx.Response:
        asked = request.url.params["tracking_numbers"].split(",")
        body = fixture("trackings.json") if NUMBER in asked else fixture("trackings_empty.json")
        return httpx.Response(200, json=body)

    route = respx_mock.get(TRACKINGS).mock(side_effect=reply)
    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers
    assert [r.not_found for r in results].count(False) == 1
    assert results[10].status is Status.OUT_FOR_DELIVERY
    assert route.call_count == 2
    sizes = sorted(
        len(call.request.url.params["tracking_numbers"].split(",")) for call in route.calls
    )
    assert sizes == [1, 50]
    request = route.calls[0].request
    assert request.method == "GET"
    assert request.url.path == "/tracking/2025-07/trackings"
    assert request.headers["as-api-key"] == "asat_test_key"
    assert request.url.params["limit"] == "200"


async def test_it_asks_for_each_number_once(adapter, respx_mock) -> None:
    route = respx_mock.get(TRACKINGS).respond(200, json=fixture("trackings.json"))
    results = await adapter.track([NUMBER, "123-456-7891", NUMBER])
    assert route.calls[0].request.url.params["tracking_numbers"] == NUMBER
    assert [r.status for r in results] == [Status.OUT_FOR_DELIVERY] * 3


def test_it_declares_its_metadata() -> None:
    assert AfterShipAdapter.key == "aftership"
    assert AfterShipAdapter.supports_push is True
    assert AfterShipAdapter.batch_size == 50
    assert {"api_key", "webhook_secret"} <= set(AfterShipAdapter.credential_fields)


# --- code table ---


def test_every_code_maps_to_a_valid_status_and_reason() -> None:
    tags = {
        "Pending",
        "InfoReceived",
        "InTransit",
        "OutForDelivery",
        "AttemptFail",
        "Delivered",
        "AvailableForPickup",
        "Exception",
        "Expired",
    }
    assert tags <= set(codes.CODES)
    for code, (status, reason) in codes.CODES.items():
        assert isinstance(status, Status), code
        assert reason is None or isinstance(reason, Reason), code
        if status is Status.EXCEPTION:
            assert reason is not None, code
        tag = code.split("_", 1)[0]
        assert tag in tags, code


@pytest.mark.parametrize(
    ("tag", "subtag", "expected"),
    [
        ("Exception", "Exception_013", (Status.EXCEPTION, Reason.LOST)),
        ("Exception", "Exception_010", (Status.RETURNED_TO_SENDER, None)),
        ("Exception", "Exception_099", (Status.EXCEPTION, Reason.UNKNOWN)),  # new subtag
        (None, "Exception_099", (Status.EXCEPTION, Reason.UNKNOWN)),
        ("Teleported", None, (Status.IN_TRANSIT, None)),
        (None, None, (Status.IN_TRANSIT, None)),
    ],
)
def test_subtags_refine_tags_and_unknown_codes_are_safe(tag, subtag, expected) -> None:
    assert parse.resolve(tag, subtag) == expected


# --- webhooks ---


def webhook_body() -> bytes:
    return json.dumps(fixture("webhook_tracking_update.json")).encode()


def test_a_tracking_update_parses_to_a_result(adapter) -> None:
    [result] = adapter.parse_webhook(webhook_body())
    assert (result.number, result.signed_by) == ("3456789012", "M DUPONT")
    assert result.status is Status.DELIVERED


def test_a_msg_wrapping_the_tracking_is_understood(adapter) -> None:
    payload = fixture("webhook_tracking_update.json")
    payload["msg"] = {"tracking": payload["msg"]}
    [result] = adapter.parse_webhook(json.dumps(payload).encode())
    assert result.status is Status.DELIVERED


def test_a_replayed_webhook_gives_the_same_events(adapter) -> None:
    """Webhooks are retried: a second copy must dedupe to nothing new."""
    first = adapter.parse_webhook(webhook_body())
    again = adapter.parse_webhook(webhook_body())
    assert [e.dedupe_key for e in first[0].events] == [e.dedupe_key for e in again[0].events]


def test_other_events_without_a_tracking_are_ignored(adapter) -> None:
    body = json.dumps({"ts": 1, "event": "tracking_pending_time", "msg": {"hours": 48}})
    assert adapter.parse_webhook(body.encode()) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"\x00\x01",
        b'{"event": "tracking_update"}',
        b'{"event": 5, "msg": {}}',
        b'{"event": "tracking_update", "msg": {}}',
        b'{"event": "tracking_update", "msg": {"tracking_number": "1", "checkpoints": 3}}',
        b"{" * 100_000,
    ],
)
def test_a_malformed_webhook_body_is_a_bad_response(adapter, body: bytes) -> None:
    with pytest.raises(BadResponse):
        adapter.parse_webhook(body)


# --- properties ---


TRACKINGS_FIXTURE = fixture("trackings.json")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_arbitrary_json_never_raises_anything_but_bad_response(value: Any) -> None:
    for parser in (parse.parse_trackings, parse.parse_tracking):
        with contextlib.suppress(BadResponse):
            parser(value)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(json_paths(TRACKINGS_FIXTURE)), JSON)
def test_a_mutated_answer_never_raises_anything_but_bad_response(path, value) -> None:
    with contextlib.suppress(BadResponse):
        parse.parse_trackings(replaced(TRACKINGS_FIXTURE, path, value))
