"""EasyPost adapter: REST trackers faked with respx, webhooks signed like EasyPost signs them.

Payloads in tests/fixtures/easypost/ follow the documented Tracker and Event shapes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import random
import unicodedata
from datetime import UTC, date
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.base import BadResponse, Reason, Status
from carriers.easypost import EasyPostAdapter, codes, parse
from tests.carriers.helpers import JSON, json_paths, load_fixture, replaced, utc

BASE = "https://api.easypost.com"
TRACKERS = f"{BASE}/v2/trackers"
SECRET = "whsec_doorstep"
CREDENTIALS = {"api_key": "EZTK_test_key", "webhook_secret": SECRET}


def fixture(name: str) -> Any:
    return load_fixture("easypost", name)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> EasyPostAdapter:
    return EasyPostAdapter(CREDENTIALS, client=client)


async def track_one(adapter: EasyPostAdapter, respx_mock: respx.MockRouter, name: str) -> Any:
    respx_mock.post(TRACKERS).respond(200, json=fixture(name))
    [result] = await adapter.track([fixture(name)["tracking_code"]])
    return result


# --- journeys ---


async def test_it_parses_a_multi_event_journey(adapter, respx_mock) -> None:
    result = await track_one(adapter, respx_mock, "tracker_in_transit.json")
    assert result.number == "EZ3000000003"
    assert result.status is Status.OUT_FOR_DELIVERY
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
    ]
    second = result.events[1]
    assert second.carrier_code == "in_transit/arrived_at_facility"
    assert second.description == "Arrived at USPS Origin Facility"
    assert (second.city, second.region, second.postal_code, second.country) == (
        "NORTH HOUSTON",
        "TX",
        "77315",
        "US",
    )
    assert result.estimated_delivery == date(2026, 11, 21)
    assert result.carrier_url == "https://track.easypost.com/djE6EZ3000000003"
    assert result.not_found is False


async def test_it_reads_the_signer_and_time_of_a_delivery(adapter, respx_mock) -> None:
    result = await track_one(adapter, respx_mock, "tracker_delivered.json")
    assert result.status is Status.DELIVERED
    assert result.signed_by == "J SMITH"
    assert result.delivered_at == utc(2026, 11, 20, 17, 45)
    assert result.events[-1].carrier_code == "delivered/arrived_at_destination"


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("tracker_exception.json", Status.EXCEPTION, Reason.DAMAGED),
        ("tracker_failed_attempt.json", Status.FAILED_ATTEMPT, None),
        ("tracker_pickup.json", Status.AVAILABLE_FOR_PICKUP, None),
        ("tracker_return.json", Status.RETURNED_TO_SENDER, None),
    ],
)
async def test_it_maps_each_outcome(adapter, respx_mock, name, status, reason) -> None:
    result = await track_one(adapter, respx_mock, name)
    assert (result.status, result.reason) == (status, reason)
    assert (result.events[-1].status, result.events[-1].reason) == (status, reason)
    assert result.delivered_at is None


async def test_a_tracker_without_news_is_pending_with_an_empty_event_list(
    adapter, respx_mock
) -> None:
    result = await track_one(adapter, respx_mock, "tracker_unknown.json")
    assert (result.status, result.events, result.not_found) == (Status.PENDING, [], False)
    assert result.estimated_delivery is None


# --- numbers EasyPost refuses ---


async def test_a_4xx_that_is_not_an_easypost_error_is_a_bad_response(adapter, respx_mock) -> None:
    respx_mock.post(TRACKERS).respond(422, json={"message": "proxy says no"})
    with pytest.raises(BadResponse):
        await adapter.track(["EZ1000000001"])


@pytest.mark.parametrize("status", [400, 404])
async def test_an_unexpected_status_is_a_bad_response(adapter, respx_mock, status) -> None:
    """POST /v2/trackers answers unknown numbers with a tracker; a 404 means a wrong URL."""
    respx_mock.post(TRACKERS).respond(status, json=fixture("error_invalid_code.json"))
    with pytest.raises(BadResponse) as caught:
        await adapter.track(["EZ1000000001"])
    assert "TRACKER.TRACKING_CODE.INVALID" in (caught.value.body or "")


# --- shapes ---


def test_missing_optional_fields_are_tolerated() -> None:
    minimal = {
        "tracking_code": "EZ1",
        "tracking_details": [{"datetime": "2026-11-20T10:00:00Z", "status": "in_transit"}],
    }
    result = parse.parse_tracker(minimal)
    assert result.status is Status.IN_TRANSIT  # from the only event
    assert result.events[0].city is None
    assert (result.signed_by, result.carrier_url, result.estimated_delivery) == (None, None, None)


@pytest.mark.parametrize(
    "broken",
    [
        {"status": "delivered"},  # no tracking_code
        {"tracking_code": "EZ1", "tracking_details": {"not": "a list"}},
        {"tracking_code": "EZ1", "tracking_details": [{"status": "in_transit"}]},  # no time
        {"tracking_code": "EZ1", "tracking_details": [{"datetime": "yesterday"}]},
        {"tracking_code": "EZ1", "status": 7},
        {"tracking_code": "EZ1", "est_delivery_date": "soon"},
    ],
)
def test_missing_required_fields_are_a_bad_response(broken: dict[str, Any]) -> None:
    with pytest.raises(BadResponse):
        parse.parse_tracker(broken)


def test_extra_fields_are_ignored() -> None:
    raw = fixture("tracker_delivered.json")
    raw["brand_new_field"] = {"nested": [1, 2, 3]}
    raw["tracking_details"][0]["another"] = "value"
    assert parse.parse_tracker(raw) == parse.parse_tracker(fixture("tracker_delivered.json"))


def test_events_out_of_order_are_sorted_oldest_first() -> None:
    raw = fixture("tracker_delivered.json")
    random.Random(7).shuffle(raw["tracking_details"])
    result = parse.parse_tracker(raw)
    times = [e.occurred_at for e in result.events]
    assert times == sorted(times)
    assert result.status is Status.DELIVERED


def test_time_zones_follow_the_utc_rule() -> None:
    events = parse.parse_tracker(fixture("tracker_timezones.json")).events
    assert [e.occurred_at for e in events] == [
        utc(2026, 11, 20, 14, 15),  # -05:00 honoured
        utc(2026, 11, 21, 10, 0),  # Z
        utc(2026, 11, 22, 7, 30),  # naive, scanned in FR: Europe/Paris
        utc(2026, 11, 23, 8, 30),  # naive, US has several zones: UTC
    ]
    assert all(e.occurred_at.tzinfo is UTC for e in events)


# --- request shape ---


async def test_it_posts_one_tracker_per_number_with_basic_auth(client, respx_mock) -> None:
    adapter = EasyPostAdapter({**CREDENTIALS, "carrier": "USPS"}, client=client)
    bodies = {
        "EZ4000000004": fixture("tracker_delivered.json"),
        "EZ3000000003": fixture("tracker_in_transit.json"),
    }

    def reply(request: httpx.Request) -> httpx.Response:
        code = json.loads(request.content)["tracker"]["tracking_code"]
        if code in bodies:
            return httpx.Response(200, json=bodies[code])
        return httpx.Response(422, json=fixture("error_invalid_code.json"))

    route = respx_mock.post(TRACKERS).mock(side_effect=reply)
    results = await adapter.track(["EZ4000000004", "EZ0000000000", "EZ3000000003"])

    assert [r.number for r in results] == ["EZ4000000004", "EZ0000000000", "EZ3000000003"]
    assert [r.status for r in results] == [
        Status.DELIVERED,
        Status.PENDING,
        Status.OUT_FOR_DELIVERY,
    ]
    assert [r.not_found for r in results] == [False, True, False]
    assert route.call_count == 3
    request = route.calls[0].request
    assert request.method == "POST"
    expected = base64.b64encode(b"EZTK_test_key:").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    body = json.loads(request.content)
    assert body["tracker"]["carrier"] == "USPS"
    assert set(body["tracker"]) == {"tracking_code", "carrier"}


async def test_it_sends_the_number_normalised_and_no_carrier_unless_configured(
    adapter, respx_mock
) -> None:
    route = respx_mock.post(TRACKERS).respond(200, json=fixture("tracker_unknown.json"))
    [result] = await adapter.track(["ez 7000-000.007"])
    body = json.loads(route.calls[0].request.content)
    assert body == {"tracker": {"tracking_code": "EZ7000000007"}}
    assert result.number == "ez 7000-000.007"  # as the caller gave it


async def test_it_honours_a_custom_base_url(client, respx_mock) -> None:
    adapter = EasyPostAdapter(CREDENTIALS, client=client, base_url="http://stub.test/")
    route = respx_mock.post("http://stub.test/v2/trackers").respond(
        200, json=fixture("tracker_unknown.json")
    )
    await adapter.track(["EZ7000000007"])
    assert route.called


def test_it_declares_its_metadata() -> None:
    assert EasyPostAdapter.key == "easypost"
    assert EasyPostAdapter.supports_push is True
    assert {"api_key", "webhook_secret"} <= set(EasyPostAdapter.credential_fields)


# --- code table ---


def test_every_code_maps_to_a_valid_status_and_reason() -> None:
    for code, (status, reason) in codes.CODES.items():
        assert isinstance(status, Status), code
        assert reason is None or isinstance(reason, Reason), code
        if status is Status.EXCEPTION:
            assert reason is not None, code


@pytest.mark.parametrize(
    ("status", "detail", "expected"),
    [
        ("in_transit", "weather_delay", (Status.EXCEPTION, Reason.WEATHER_DELAY)),
        ("out_for_delivery", "delivery_exception", (Status.FAILED_ATTEMPT, None)),
        ("failure", "return", (Status.RETURNED_TO_SENDER, None)),
        ("failure", "lost", (Status.EXCEPTION, Reason.LOST)),
        ("failure", "arrived_at_facility", (Status.EXCEPTION, Reason.UNKNOWN)),
        ("delivered", "damaged", (Status.DELIVERED, None)),
        ("pre_transit", "awaiting_information", (Status.INFO_RECEIVED, None)),
        ("in_transit", "something_new", (Status.IN_TRANSIT, None)),
        ("something_new", None, (Status.IN_TRANSIT, None)),
        (None, "label_created", (Status.INFO_RECEIVED, None)),
    ],
)
def test_a_status_detail_refines_but_never_rewrites_a_settled_status(
    status: str | None, detail: str | None, expected: tuple[Status, Reason | None]
) -> None:
    assert parse.resolve(status, detail) == expected


def test_unknown_codes_are_kept_on_the_event() -> None:
    scan = {"datetime": "2026-11-20T10:00:00Z", "status": "teleported", "message": "Beamed"}
    [event] = parse.parse_tracker({"tracking_code": "EZ1", "tracking_details": [scan]}).events
    assert event.status is Status.IN_TRANSIT
    assert (event.carrier_code, event.description) == ("teleported", "Beamed")


# --- webhooks ---


def event_body() -> bytes:
    return json.dumps(fixture("event_tracker_updated.json")).encode()


def test_the_secret_is_nfkd_normalised(client) -> None:
    composed = "s\u00e9cret\ufb01"  # é precomposed, "fi" ligature
    adapter = EasyPostAdapter({"webhook_secret": composed}, client=client)
    body = event_body()
    key = unicodedata.normalize("NFKD", composed).encode()
    signature = "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    assert adapter.verify_webhook({"X-Hmac-Signature": signature}, body) is True


def test_a_tracker_updated_event_parses_to_a_result(adapter) -> None:
    [result] = adapter.parse_webhook(event_body())
    assert (result.number, result.signed_by) == ("EZ4000000004", "J SMITH")
    assert result.status is Status.DELIVERED


def test_a_replayed_event_gives_the_same_events(adapter) -> None:
    """Delivery is at least once: a second copy must dedupe to nothing new."""
    first = adapter.parse_webhook(event_body())
    again = adapter.parse_webhook(event_body())
    assert [e.dedupe_key for e in first[0].events] == [e.dedupe_key for e in again[0].events]


def test_events_without_a_tracker_are_ignored(adapter) -> None:
    body = json.dumps(fixture("event_batch_updated.json")).encode()
    assert adapter.parse_webhook(body) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"result": {}}',
        b'{"description": "tracker.updated"}',
        b'{"description": "tracker.updated", "result": {"status": "delivered"}}',
        b"[" * 100_000,
    ],
)
def test_a_malformed_webhook_body_is_a_bad_response(adapter, body: bytes) -> None:
    with pytest.raises(BadResponse):
        adapter.parse_webhook(body)


# --- properties ---


DELIVERED = fixture("tracker_delivered.json")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_arbitrary_json_never_raises_anything_but_bad_response(value: Any) -> None:
    for parser in (parse.parse_tracker, parse.parse_error):
        with contextlib.suppress(BadResponse):
            parser(value)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(json_paths(DELIVERED)), JSON)
def test_a_mutated_tracker_never_raises_anything_but_bad_response(path, value) -> None:
    with contextlib.suppress(BadResponse):
        parse.parse_tracker(replaced(DELIVERED, path, value))
