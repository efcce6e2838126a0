"""UPS adapter: faked at the HTTP layer with respx, payloads from tests/fixtures/ups/."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import date
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import registry
from carriers.base import BadResponse, DeliveryWindow, RateLimited, Reason, Status, TrackingResult
from carriers.ups import UPSAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://onlinetools.ups.com"
TOKEN_URL = f"{BASE}/security/v1/oauth/token"
DETAILS = f"{BASE}/api/track/v1/details/"
NUMBER = "1ZCIETST0111111114"
CREDENTIALS = {"client_id": "doorstep-client", "client_secret": "s3cret"}


def fixture(name: str) -> Any:
    return load_fixture("ups", name)


def activities(payload: Any) -> list[dict[str, Any]]:
    return payload["trackResponse"]["shipment"][0]["package"][0]["activity"]


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> UPSAdapter:
    return UPSAdapter(CREDENTIALS, client=client)


@pytest.fixture
def token_route(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(TOKEN_URL).respond(200, json=fixture("token.json"))


async def track_payload(
    adapter: UPSAdapter, respx_mock: respx.MockRouter, payload: Any, status: int = 200
) -> TrackingResult:
    respx_mock.get(url__startswith=DETAILS).respond(status, json=payload)
    [result] = await adapter.track([NUMBER])
    return result


# --- journeys ---


async def test_it_parses_a_multi_event_journey(adapter, respx_mock, token_route):
    result = await track_payload(adapter, respx_mock, fixture("journey.json"))

    statuses = [Status.INFO_RECEIVED, *[Status.IN_TRANSIT] * 3, Status.OUT_FOR_DELIVERY]
    assert [e.status for e in result.events] == statuses
    latest = result.events[-1]
    assert latest.description == "Out For Delivery Today"
    assert latest.dedupe_key == "072|20261119T121500|atlanta|ga|30301|us"
    assert (result.status, result.reason) == (Status.OUT_FOR_DELIVERY, None)
    # EDW 12:00-16:00 on the SDD, read at the newest scan's offset (-05:00).
    assert result.estimated_delivery == DeliveryWindow(utc(2026, 11, 19, 17), utc(2026, 11, 19, 21))
    assert result.carrier_url == f"https://www.ups.com/track?tracknum={NUMBER}"
    assert not result.not_found and result.delivered_at is None and result.signed_by is None


async def test_it_reports_the_signer_and_delivery_time(adapter, respx_mock, token_route):
    route = respx_mock.get(url__startswith=DETAILS).respond(200, json=fixture("delivered.json"))

    [result] = await adapter.track(["1ZCIETST0422222228"])

    assert (result.status, result.signed_by) == (Status.DELIVERED, "MORALES")
    assert result.delivered_at == utc(2026, 11, 20, 22, 35, 12)
    # Signature and proof of delivery are asked for; their images are accepted, unused.
    params = route.calls.last.request.url.params
    assert (params["returnSignature"], params["returnPOD"]) == ("true", "true")


async def test_it_falls_back_to_the_del_date_and_time(adapter, respx_mock, token_route):
    payload = fixture("delivered.json")
    activities(payload).clear()

    result = await track_payload(adapter, respx_mock, payload)

    assert (result.status, result.events) == (Status.DELIVERED, [])
    # No scan to take an offset from: the naive DEL time is read as UTC (timestamps rule 3).
    assert result.delivered_at == utc(2026, 11, 20, 14, 35, 12)


OUTCOMES = {
    # RDD wins over SDD; an EOD deliveryTime gives a day, not a window.
    "exception.json": (Status.EXCEPTION, Reason.WEATHER_DELAY, date(2026, 11, 21)),
    "failed_attempt.json": (
        Status.FAILED_ATTEMPT,
        Reason.RECIPIENT_UNAVAILABLE,
        date(2026, 11, 20),
    ),
    # Type D refined by statusCode 017: at an Access Point is not handed over.
    "pickup_point.json": (Status.AVAILABLE_FOR_PICKUP, None, None),
    "returned.json": (Status.RETURNED_TO_SENDER, None, None),
}


@pytest.mark.parametrize("name", OUTCOMES)
async def test_it_maps_exceptions_attempts_pickup_points_and_returns(
    adapter, respx_mock, token_route, name
):
    result = await track_payload(adapter, respx_mock, fixture(name))

    assert (result.status, result.reason, result.estimated_delivery) == OUTCOMES[name]
    assert result.delivered_at is None and result.events[-1].carrier_code.isdigit()


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ("The receiver refused the delivery.", Reason.REFUSED),
        ("The street address is incorrect.", Reason.ADDRESS_ISSUE),
        ("Damage has been reported.", Reason.DAMAGED),
        ("Your package is pending release from customs.", Reason.CUSTOMS_HOLD),
        ("A mechanical failure has delayed delivery.", Reason.CARRIER_DELAY),
        ("Something happened.", Reason.UNKNOWN),
    ],
)
def test_the_reason_is_read_from_the_description(description, reason):
    payload = fixture("exception.json")
    activities(payload)[0]["status"]["description"] = description

    [result] = parse.parse_track(payload, NUMBER)

    assert (result.status, result.reason) == (Status.EXCEPTION, reason)


# --- numbers UPS cannot track ---


async def test_a_400_without_errors_is_a_bad_response(adapter, respx_mock, token_route):
    with pytest.raises(BadResponse):
        await track_payload(adapter, respx_mock, {"message": "nope"}, 400)


# --- OAuth ---


async def test_concurrent_calls_share_one_cached_token(adapter, respx_mock, token_route):
    respx_mock.get(url__startswith=DETAILS).respond(200, json=fixture("journey.json"))

    await adapter.track([NUMBER, "1Z2", "1Z3", "1Z4", "1Z5"])
    await adapter.track([NUMBER])

    assert token_route.call_count == 1


async def test_a_token_about_to_expire_is_fetched_again(adapter, respx_mock):
    tokens = respx_mock.post(TOKEN_URL).respond(
        200, json={**fixture("token.json"), "expires_in": "30"}
    )
    respx_mock.get(url__startswith=DETAILS).respond(200, json=fixture("journey.json"))

    await adapter.track([NUMBER])
    await adapter.track([NUMBER])

    assert tokens.call_count == 2


# --- whole-call failures ---


async def test_a_rate_limited_token_endpoint_raises_rate_limited(adapter, respx_mock):
    respx_mock.post(TOKEN_URL).respond(429)

    with pytest.raises(RateLimited):
        await adapter.track([NUMBER])


# --- payload shapes ---


async def test_it_tolerates_missing_and_extra_fields(adapter, respx_mock, token_route):
    payload = fixture("journey.json")
    package = payload["trackResponse"]["shipment"][0]["package"][0]
    for key in ("deliveryDate", "deliveryTime", "currentStatus"):
        del package[key]
    package["brandNewField"] = {"nested": [1, 2]}
    for activity in activities(payload):
        activity.pop("location")
        activity["status"].pop("description")
        activity["somethingElse"] = "ignored"

    result = await track_payload(adapter, respx_mock, payload)

    assert result.status is Status.OUT_FOR_DELIVERY and len(result.events) == 5
    assert result.events[-1].city is None and result.events[-1].description == ""
    assert result.estimated_delivery is None


async def test_an_empty_activity_list_falls_back_to_the_current_status(
    adapter, respx_mock, token_route
):
    payload = fixture("exception.json")
    activities(payload).clear()

    result = await track_payload(adapter, respx_mock, payload)

    assert result.events == []
    assert (result.status, result.reason) == (Status.EXCEPTION, Reason.WEATHER_DELAY)


async def test_nothing_at_all_is_pending(adapter, respx_mock, token_route):
    payload = {"trackResponse": {"shipment": [{"package": [{"trackingNumber": NUMBER}]}]}}

    result = await track_payload(adapter, respx_mock, payload)

    assert (result.status, result.events, result.not_found) == (Status.PENDING, [], False)


async def test_events_out_of_order_are_sorted_oldest_first(adapter, respx_mock, token_route):
    expected = parse.parse_track(fixture("journey.json"), NUMBER)[0].events
    payload = fixture("journey.json")
    activities(payload)[:] = [activities(payload)[i] for i in (2, 4, 0, 3, 1)]

    result = await track_payload(adapter, respx_mock, payload)

    assert result.events == expected
    assert result.status is Status.OUT_FOR_DELIVERY


def test_time_zones_are_converted_to_utc():
    [result] = parse.parse_track(fixture("timezones.json"), "1Z999AA10123456829")

    assert [e.occurred_at for e in result.events] == [
        utc(2026, 11, 17, 12),  # no offset, US has several zones: read as UTC
        utc(2026, 11, 18, 17, 30),  # no offset, FR: Europe/Paris (CET, +01:00)
        utc(2026, 11, 19, 1, 15),  # local time with gmtOffset +09:00
        utc(2026, 11, 20, 20, 4, 35),  # gmtTime with colons
        utc(2026, 11, 21, 7, 47),  # gmtTime unpadded "74700"
    ]


async def test_a_ukrainian_scan_without_gmt_fields_is_read_on_kyiv_time(
    adapter, respx_mock, token_route
):
    """An activity's ``date`` and ``time`` are the scan's local wall time; the GMT fields
    are optional (Tracking API, https://developer.ups.com/tag/Tracking). Without them, a
    scan in Ukraine (``countryCode`` "UA") is Kyiv time, Ukraine's legal time everywhere,
    though tz also lists Crimea's Europe/Simferopol (Moscow time, UTC+3 in November)."""
    payload = fixture("timezones.json")
    origin = activities(payload)[3]
    origin["location"]["address"] = {"city": "Kyiv", "countryCode": "UA"}
    origin.update(date="20261118", time="183000")

    result = await track_payload(adapter, respx_mock, payload)

    assert [e.occurred_at for e in result.events if e.country == "UA"] == [
        utc(2026, 11, 18, 16, 30)  # EET, UTC+2
    ]


def test_gmt_fields_win_over_the_local_time():
    payload = fixture("timezones.json")
    newest = activities(payload)[0]
    newest.update(date="20261225", time="235959", gmtOffset="+14:00")

    [result] = parse.parse_track(payload, "1Z999AA10123456829")

    assert result.events[-1].occurred_at == utc(2026, 11, 21, 7, 47)


@pytest.mark.parametrize(
    ("type_", "status_code", "expected"),
    [
        ("I", "999", (Status.IN_TRANSIT, None)),
        ("X", "999", (Status.EXCEPTION, Reason.UNKNOWN)),
        ("ZZ", None, (Status.IN_TRANSIT, None)),
        ("D", "017", (Status.AVAILABLE_FOR_PICKUP, None)),
    ],
)
def test_unknown_codes_fall_back_safely_and_are_kept(type_, status_code, expected):
    payload = fixture("journey.json")
    activities(payload)[0]["status"] = {
        "type": type_,
        "statusCode": status_code,
        "description": "?",
    }

    [result] = parse.parse_track(payload, NUMBER)

    assert (result.events[-1].status, result.events[-1].reason) == expected
    assert result.events[-1].carrier_code == (status_code or type_)


# --- request shape ---


async def test_it_sends_one_documented_request_per_number(adapter, respx_mock, token_route):
    in_flight = peak = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        number = request.url.path.rsplit("/", 1)[-1]
        empty = {"trackResponse": {"shipment": [{"inquiryNumber": number}]}}
        return httpx.Response(200, json=fixture("journey.json") if number == NUMBER else empty)

    route = respx_mock.get(url__startswith=DETAILS).mock(side_effect=answer)
    numbers = [f"1ZTEST{i:012d}" for i in range(9)] + [NUMBER]

    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers
    assert [r.not_found for r in results] == [True] * 9 + [False]
    assert route.call_count == 10 and peak <= UPSAdapter.concurrency
    requests = [call.request for call in route.calls]
    assert {r.url.path for r in requests} == {f"/api/track/v1/details/{n}" for n in numbers}
    assert dict(requests[0].url.params) == {
        "locale": "en_US",
        "returnSignature": "true",
        "returnMilestones": "false",
        "returnPOD": "true",
    }
    trans_ids = {r.headers["transId"] for r in requests}
    assert len(trans_ids) == 10 and all(len(t) <= 32 for t in trans_ids)
    assert {r.headers["transactionSrc"] for r in requests} == {"doorstep"}
    assert {r.headers["Authorization"] for r in requests} == {"Bearer ups-token-1"}


async def test_the_token_request_uses_basic_auth_and_a_form(adapter, respx_mock, token_route):
    respx_mock.get(url__startswith=DETAILS).respond(200, json=fixture("journey.json"))

    await adapter.track([NUMBER])

    request = token_route.calls.last.request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"doorstep-client:s3cret"
    ).decode("ascii")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"grant_type=client_credentials"


async def test_it_honours_a_custom_base_url(client, respx_mock):
    cie = "https://wwwcie.ups.com"
    respx_mock.post(f"{cie}/security/v1/oauth/token").respond(200, json=fixture("token.json"))
    route = respx_mock.get(url__startswith=f"{cie}/api/track/v1/details/").respond(
        200, json=fixture("journey.json")
    )

    await UPSAdapter(CREDENTIALS, client=client, base_url=cie + "/").track([NUMBER])

    assert route.called


def test_it_declares_its_metadata():
    assert registry.get("ups") is UPSAdapter
    assert (UPSAdapter.key, UPSAdapter.display_name, UPSAdapter.batch_size) == ("ups", "UPS", 1)
    assert UPSAdapter.default_base_url == BASE and not UPSAdapter.supports_push
    assert set(UPSAdapter.credential_fields) == {"client_id", "client_secret"}


# --- the code table ---

DOCUMENTED = {"M", "MV", "I", "D", "X", "003", "080", "006", "021", "037", "072", "089"}
DOCUMENTED |= {"091", "011", "026", "017", "040", "022", "023", "024", "060", "061", "062"}
DOCUMENTED |= {"066", "033", "034", "035", "036", "067", "013", "029", "046", "059", "064"}
DOCUMENTED |= {"069", "007"}


def test_every_documented_code_is_mapped():
    assert set(codes.CODES) == DOCUMENTED


def test_every_code_maps_to_a_valid_status_and_reason():
    for code, (status, reason) in codes.CODES.items():
        assert isinstance(status, Status), code
        assert reason is None or isinstance(reason, Reason), code
        assert status is not Status.EXPIRED, code  # ours, never a carrier's
        assert (reason is not None) == (status is Status.EXCEPTION), code


# --- the parser never raises anything but BadResponse ---


def _parses_or_refuses(payload: Any) -> None:
    try:
        results = parse.parse_track(payload, NUMBER)
    except BadResponse:
        return
    assert [r.number for r in results] == [NUMBER]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_arbitrary_json_only_ever_raises_bad_response(payload):
    _parses_or_refuses(payload)
    _parses_or_refuses({"trackResponse": {"shipment": [{"package": [payload]}]}})
    _parses_or_refuses({"trackResponse": {"shipment": [{"package": [{"activity": [payload]}]}]}})


VALID = [fixture(n) for n in ("journey.json", "delivered.json", "timezones.json")]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID).flatmap(lambda doc: mutated(doc, most=3)))
def test_a_mutated_fixture_only_ever_raises_bad_response(payload):
    _parses_or_refuses(json.loads(json.dumps(payload)))
