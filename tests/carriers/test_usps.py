"""USPS adapter: faked at the HTTP layer with respx, payloads from tests/fixtures/usps/."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, date
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import registry
from carriers.base import BadResponse, RateLimited, Reason, Status
from carriers.usps import USPSAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://apis.usps.com"
TOKEN_URL = f"{BASE}/oauth2/v3/token"
NUMBER = "9400111899223197428490"
TRACK_URL = f"{BASE}/tracking/v3/tracking/{NUMBER}"
CREDENTIALS = {"client_id": "doorstep-client", "client_secret": "s3cret"}


def fixture(name: str) -> Any:
    return load_fixture("usps", name)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> USPSAdapter:
    return USPSAdapter(CREDENTIALS, client=client)


@pytest.fixture
def token_route(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(TOKEN_URL).respond(200, json=fixture("token.json"))


async def track_fixture(
    adapter: USPSAdapter, respx_mock: respx.MockRouter, token_route: respx.Route, name: str
) -> Any:
    respx_mock.get(TRACK_URL).respond(200, json=fixture(name))
    (result,) = await adapter.track([NUMBER])
    return result


# --- journeys and statuses ---


async def test_it_parses_a_multi_event_journey(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "journey.json")

    assert result.number == NUMBER
    assert [e.carrier_code for e in result.events] == ["GX", "03", "SF", "10"]
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
    ]
    assert result.status is Status.IN_TRANSIT and result.reason is None
    last = result.events[-1]
    assert last.description == "Arrived at USPS Regional Facility"
    assert (last.city, last.region, last.postal_code, last.country) == (
        "ATLANTA GA DISTRIBUTION CENTER",
        "GA",
        "30320",
        None,
    )
    assert result.estimated_delivery == date(2026, 11, 21)
    assert result.delivered_at is None and result.signed_by is None
    assert result.carrier_url == f"https://tools.usps.com/go/TrackConfirmAction?tLabels={NUMBER}"
    assert not result.not_found


async def test_it_reports_delivery_with_the_signer(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "delivered.json")

    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 11, 21, 19, 5)
    assert result.signed_by == "J SMITH"
    assert [e.status for e in result.events][-2:] == [Status.OUT_FOR_DELIVERY, Status.DELIVERED]


async def test_it_reports_an_exception_with_its_reason(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "exception.json")

    assert (result.status, result.reason) == (Status.EXCEPTION, Reason.ADDRESS_ISSUE)
    assert result.events[-1].carrier_code == "05"
    assert result.events[-1].description == "Undeliverable as Addressed"


async def test_it_reports_a_failed_attempt(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "attempt.json")

    assert (result.status, result.reason) == (
        Status.FAILED_ATTEMPT,
        Reason.RECIPIENT_UNAVAILABLE,
    )


async def test_it_reports_a_parcel_waiting_at_the_post_office(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "pickup.json")

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert [e.status for e in result.events] == [
        Status.FAILED_ATTEMPT,
        Status.AVAILABLE_FOR_PICKUP,
    ]


async def test_it_reports_a_return_to_sender(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "returned.json")

    assert result.status is Status.RETURNED_TO_SENDER
    assert [e.carrier_code for e in result.events] == ["21", "09"]
    assert result.delivered_at is None


# --- numbers the carrier does not know ---


async def test_it_returns_not_found_for_a_malformed_number(adapter, respx_mock, token_route):
    number = "not a/number?"
    route = respx_mock.get(f"{BASE}/tracking/v3/tracking/not%20a%2Fnumber%3F").respond(
        400, json=fixture("malformed.json")
    )

    (result,) = await adapter.track([number])

    assert route.called, "the number is escaped into one path segment"
    assert result.not_found and result.number == number


# --- authentication ---


async def test_concurrent_calls_share_one_cached_token(client, respx_mock, token_route):
    respx_mock.get(url__startswith=f"{BASE}/tracking/").respond(200, json=fixture("journey.json"))
    first = USPSAdapter(CREDENTIALS, client=client)
    second = USPSAdapter(CREDENTIALS, client=client)

    await asyncio.gather(first.track(["A1", "A2", "A3"]), second.track(["B1"]))
    await first.track(["A4"])
    assert token_route.call_count == 1

    await USPSAdapter({**CREDENTIALS, "client_id": "other"}, client=client).track(["C1"])
    assert token_route.call_count == 2, "one token per account"


# --- whole-call failures ---


async def test_it_raises_bad_response_on_a_token_without_access_token(adapter, respx_mock):
    respx_mock.post(TOKEN_URL).respond(200, json={"expires_in": "28799"})

    with pytest.raises(BadResponse):
        await adapter.track([NUMBER])


async def test_a_whole_call_failure_stops_the_calls_still_waiting(client, respx_mock, token_route):
    async def slow_429(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.005)
        return httpx.Response(429)

    route = respx_mock.get(url__startswith=f"{BASE}/tracking/").mock(side_effect=slow_429)
    adapter = USPSAdapter(CREDENTIALS, client=client)

    with pytest.raises(RateLimited):
        await adapter.track([f"N{i}" for i in range(40)])
    await asyncio.sleep(0.05)
    # The first wave fails together; a few waiters may start before the cancel lands.
    assert route.call_count <= 2 * USPSAdapter.concurrency


# --- payload shapes ---


async def test_it_tolerates_missing_and_extra_fields(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "sparse.json")

    delivered = result.events[-1]
    assert result.status is Status.DELIVERED
    assert delivered.occurred_at == utc(2026, 11, 21, 14, 5)  # no GMT field, no country: UTC
    assert delivered.postal_code == "30303"  # a number in the payload
    assert delivered.city is None and delivered.country is None
    assert result.signed_by is None and result.estimated_delivery is None
    unknown = result.events[0]  # a code USPS added later: kept, read as movement
    assert (unknown.carrier_code, unknown.status, unknown.reason) == ("ZZ", Status.IN_TRANSIT, None)


def test_it_rejects_an_event_without_a_timestamp():
    doc = fixture("journey.json")
    del doc["trackingEvents"][0]["GMTTimestamp"]
    del doc["trackingEvents"][0]["eventTimestamp"]

    with pytest.raises(BadResponse):
        parse.parse_tracking(doc, NUMBER)


async def test_it_handles_an_empty_event_list(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "empty.json")

    assert result.events == []
    assert result.status is Status.INFO_RECEIVED  # from statusCategory "Pre-Shipment"
    assert not result.not_found
    (bare,) = parse.parse_tracking({"trackingNumber": NUMBER})
    assert bare.status is Status.PENDING and bare.events == []


async def test_it_sorts_events_oldest_first(adapter, respx_mock, token_route):
    result = await track_fixture(adapter, respx_mock, token_route, "out_of_order.json")

    assert [e.carrier_code for e in result.events] == ["03", "SF", "07", "OF"]
    assert result.status is Status.OUT_FOR_DELIVERY


def test_it_converts_time_zones():
    (result,) = parse.parse_tracking(fixture("timezones.json"))
    by_city = {e.city: e.occurred_at for e in result.events}

    # GMTTimestamp wins over the local eventTimestamp.
    assert by_city["BROOKLYN"] == utc(2026, 11, 18, 16, 2)
    # Local time placed by GMTOffset.
    assert by_city["LOS ANGELES"] == utc(2026, 11, 19, 6, 30)
    # Naive, country with one zone: Europe/Paris (UTC+1 in November).
    assert by_city["PARIS"] == utc(2026, 11, 19, 9, 0)
    # Naive, no country (the US has many zones anyway): read as UTC, never the server's zone.
    assert by_city["CHICAGO"] == utc(2026, 11, 20, 8, 0)
    assert all(e.occurred_at.tzinfo is UTC for e in result.events)
    assert result.number == "LZ123456789US"


# --- request shape ---


async def test_it_sends_the_documented_requests(adapter, respx_mock, token_route):
    track = respx_mock.get(TRACK_URL).respond(200, json=fixture("journey.json"))

    await adapter.track([NUMBER])

    token_request = token_route.calls.last.request
    assert json.loads(token_request.content) == {
        "grant_type": "client_credentials",
        "client_id": "doorstep-client",
        "client_secret": "s3cret",
    }
    assert token_request.headers["Content-Type"] == "application/json"
    assert parse.parse_token(fixture("token.json")) == ("usps-token-1", 28799.0)  # "28799"
    request = track.calls.last.request
    assert request.url.path == f"/tracking/v3/tracking/{NUMBER}"
    assert dict(request.url.params) == {"expand": "DETAIL"}
    assert request.headers["Authorization"] == "Bearer usps-token-1"
    assert request.headers["Accept"] == "application/json"


async def test_it_makes_one_call_per_number_and_keeps_the_order(client, respx_mock, token_route):
    numbers = [f"940010000000000000000{i}" for i in range(1, 8)]
    in_flight = peak = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        number = request.url.path.rsplit("/", 1)[-1]
        await asyncio.sleep(0.02 if number.endswith("1") else 0.005)  # the first answers last
        in_flight -= 1
        if number == numbers[1]:
            return httpx.Response(400, json=fixture("not_found.json"))
        return httpx.Response(200, json={**fixture("journey.json"), "trackingNumber": number})

    route = respx_mock.get(url__startswith=f"{BASE}/tracking/v3/tracking/").mock(side_effect=answer)
    adapter = USPSAdapter(CREDENTIALS, client=client, base_url=BASE + "/")

    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers
    assert [r.not_found for r in results] == [False, True, False, False, False, False, False]
    assert route.call_count == len(numbers)
    assert peak == USPSAdapter.concurrency, "concurrent, but held to the semaphore"


async def test_it_tracks_nothing_without_calling(adapter, respx_mock, token_route):
    assert await adapter.track([]) == []
    assert not token_route.called


# --- metadata and code table ---


def test_it_declares_its_metadata():
    assert USPSAdapter.key == "usps"
    assert USPSAdapter.batch_size == 1
    assert USPSAdapter.default_base_url == "https://apis.usps.com"
    assert set(USPSAdapter.credential_fields) == {"client_id", "client_secret"}
    assert USPSAdapter.supports_push is False
    assert registry.get("usps") is USPSAdapter


def test_every_documented_code_is_mapped_to_a_valid_status():
    documented = {
        *("MA", "GX", "03", "10", "07", "SF", "EF", "PC", "A1", "T1", "TL", "OF", "01"),
        *("02", "30", "51", "52", "53", "54", "55", "56", "14", "16"),
        *("09", *(str(n) for n in range(21, 30)), "31", "04", "05"),
    }
    assert set(codes.CODES) == documented
    tables = [*codes.CODES.values(), *codes.STATUS_CATEGORIES.values(), codes.DEFAULT]
    for status, reason in tables:
        assert isinstance(status, Status)
        assert reason is None or isinstance(reason, Reason)
        assert status is not Status.EXPIRED, "expired is Doorstep's own timeout"
    assert codes.classify("04") == (Status.EXCEPTION, Reason.REFUSED)
    assert codes.classify(" of ") == (Status.OUT_FOR_DELIVERY, None)


# --- the parser never raises anything but BadResponse ---

#: Values that look like the real thing, so mutations reach the time and code paths.
plausible = st.sampled_from(
    ["", "01", "ZZ", "2026-11-20T08:00:00", "2026-11-20T08:00:00+14:00", "0001-01-01T00:00:00",
     "9999-12-31T23:59:59", "-05:00", "+99", "nan", "1e400", "DE", "Z", 0, -1, True, None, [], {}]
)  # fmt: skip


FUZZED = ["journey.json", "delivered.json", "timezones.json", "token.json"]


def _parse_or_bad_response(doc: Any) -> None:
    for parser in (
        parse.parse_tracking,
        lambda d: parse.parse_tracking(d, NUMBER),
        parse.parse_token,
    ):
        with contextlib.suppress(BadResponse):
            parser(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_json(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda name: mutated(fixture(name), JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_fixture(doc):
    _parse_or_bad_response(doc)
