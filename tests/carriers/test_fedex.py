"""FedEx adapter: faked at the HTTP layer with respx, payloads from tests/fixtures/fedex/."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import date
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import registry
from carriers.base import BadResponse, DeliveryWindow, Reason, Status, TrackingResult
from carriers.fedex import FedExAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://apis.fedex.com"
TOKEN_URL = f"{BASE}/oauth/token"
TRACK_URL = f"{BASE}/track/v1/trackingnumbers"
NUMBER = "123456789012"
SECRET = "fdx-security-token"
CREDENTIALS = {"client_id": "doorstep-key", "client_secret": "s3cret", "webhook_secret": SECRET}


def fixture(name: str) -> Any:
    return load_fixture("fedex", name)


def first(payload: Any) -> dict[str, Any]:
    """The first trackResult of a Track answer."""
    return payload["output"]["completeTrackResults"][0]["trackResults"][0]


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> FedExAdapter:
    return FedExAdapter(CREDENTIALS, client=client)


@pytest.fixture
def token_route(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(TOKEN_URL).respond(200, json=fixture("token.json"))


async def track_payload(
    adapter: FedExAdapter, respx_mock: respx.MockRouter, payload: Any, status: int = 200
) -> TrackingResult:
    number = payload["output"]["completeTrackResults"][0]["trackingNumber"]
    respx_mock.post(TRACK_URL).respond(status, json=payload)
    [result] = await adapter.track([number])
    return result


# --- journeys ---


async def test_it_parses_a_multi_event_journey(adapter, respx_mock, token_route):
    result = await track_payload(adapter, respx_mock, fixture("journey.json"))

    codes_seen = [e.carrier_code for e in result.events]
    assert codes_seen == ["OC", "PU", "AR", "DP", "AR", "OD"]
    statuses = [Status.INFO_RECEIVED, *[Status.IN_TRANSIT] * 4, Status.OUT_FOR_DELIVERY]
    assert [e.status for e in result.events] == statuses
    latest = result.events[-1]
    assert latest.description == "On FedEx vehicle for delivery"
    assert latest.dedupe_key == "OD|20261119T124200|atlanta|ga|30301|us"
    assert (result.status, result.reason) == (Status.OUT_FOR_DELIVERY, None)
    assert result.estimated_delivery == DeliveryWindow(utc(2026, 11, 19, 15), utc(2026, 11, 19, 19))
    assert result.carrier_url == f"https://www.fedex.com/fedextrack/?trknbr={NUMBER}"
    assert not result.not_found and result.delivered_at is None and result.signed_by is None


async def test_it_reports_the_signer_and_delivery_time(adapter, respx_mock, token_route):
    result = await track_payload(adapter, respx_mock, fixture("delivered.json"))

    assert (result.status, result.signed_by) == (Status.DELIVERED, "J.MORALES")
    assert result.delivered_at == utc(2026, 11, 20, 22, 35, 12)  # ACTUAL_DELIVERY


OUTCOMES = {
    "exception.json": (Status.EXCEPTION, Reason.DAMAGED, None),
    # DE "Customer not available or business closed"; a naive estimate keeps its day.
    "failed_attempt.json": (
        Status.FAILED_ATTEMPT,
        Reason.RECIPIENT_UNAVAILABLE,
        date(2026, 11, 20),
    ),
    "pickup_point.json": (Status.AVAILABLE_FOR_PICKUP, None, None),
    "returned.json": (Status.RETURNED_TO_SENDER, None, None),
}


@pytest.mark.parametrize("name", OUTCOMES)
async def test_it_maps_exceptions_attempts_pickup_points_and_returns(
    adapter, respx_mock, token_route, name
):
    result = await track_payload(adapter, respx_mock, fixture(name))

    assert (result.status, result.reason, result.estimated_delivery) == OUTCOMES[name]
    assert result.delivered_at is None


async def test_the_exception_description_is_kept_on_the_event(adapter, respx_mock, token_route):
    result = await track_payload(adapter, respx_mock, fixture("returned.json"))

    refused = result.events[0]
    assert (refused.status, refused.reason) == (Status.FAILED_ATTEMPT, Reason.REFUSED)
    assert refused.description == "Delivery exception: Recipient refused delivery"


@pytest.mark.parametrize(
    ("event_type", "description", "expected"),
    [
        ("DY", "Weather delay", (Status.EXCEPTION, Reason.WEATHER_DELAY)),
        ("DY", "", (Status.EXCEPTION, Reason.CARRIER_DELAY)),
        ("CD", "", (Status.EXCEPTION, Reason.CUSTOMS_HOLD)),
        ("DE", "Incorrect address", (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)),
        ("ZZ", "Package lost", (Status.EXCEPTION, Reason.LOST)),  # unknown but flagged
        ("ZZ", "", (Status.IN_TRANSIT, None)),  # unknown, nothing wrong said
    ],
)
def test_codes_and_descriptions_give_status_and_reason(event_type, description, expected):
    payload = fixture("exception.json")
    scan = first(payload)["scanEvents"][0]
    scan.update(eventType=event_type, derivedStatusCode="", exceptionDescription=description)
    scan["exceptionCode"] = "99" if description else ""

    [result] = parse.parse_track(payload, ["794612345670"])

    assert (result.status, result.reason) == expected
    assert result.events[-1].carrier_code == event_type


# --- numbers FedEx cannot track ---


async def test_a_malformed_number_does_not_sink_its_batch(adapter, respx_mock, token_route):
    def answer(request: httpx.Request) -> httpx.Response:
        asked = [
            i["trackingNumberInfo"]["trackingNumber"]
            for i in json.loads(request.content)["trackingInfo"]
        ]
        if "ABC" in asked:
            return httpx.Response(400, json=fixture("rejected_number.json"))
        return httpx.Response(200, json=fixture("journey.json"))

    route = respx_mock.post(TRACK_URL).mock(side_effect=answer)

    results = await adapter.track([NUMBER, "ABC"])

    assert [(r.number, r.not_found) for r in results] == [(NUMBER, False), ("ABC", True)]
    assert route.call_count == 3  # the batch, then each number alone


async def test_other_400s_are_bad_responses(adapter, respx_mock, token_route):
    body = {"errors": [{"code": "INVALID.INPUT.EXCEPTION", "message": "Invalid field value"}]}
    respx_mock.post(TRACK_URL).respond(400, json=body)

    with pytest.raises(BadResponse):
        await adapter.track([NUMBER])


async def test_a_number_missing_from_the_answer_is_a_bad_response(adapter, respx_mock, token_route):
    respx_mock.post(TRACK_URL).respond(200, json=fixture("journey.json"))

    with pytest.raises(BadResponse):
        await adapter.track([NUMBER, "794612345670"])


# --- OAuth ---


async def test_concurrent_batches_share_one_cached_token(adapter, respx_mock, token_route):
    respx_mock.post(TRACK_URL).mock(side_effect=echo)

    await adapter.track([f"7946{i:08d}" for i in range(95)])
    await adapter.track([NUMBER])

    assert token_route.call_count == 1


# --- payload shapes ---


async def test_it_tolerates_missing_and_extra_fields(adapter, respx_mock, token_route):
    payload = fixture("journey.json")
    track = first(payload)
    for key in ("dateAndTimes", "estimatedDeliveryTimeWindow", "latestStatusDetail"):
        del track[key]
    track["brandNewField"] = {"nested": [1, 2]}
    for scan in track["scanEvents"]:
        for key in ("scanLocation", "eventDescription", "exceptionCode", "derivedStatusCode"):
            scan.pop(key)
        scan["somethingElse"] = None

    result = await track_payload(adapter, respx_mock, payload)

    assert result.status is Status.OUT_FOR_DELIVERY and len(result.events) == 6
    assert result.events[-1].city is None and result.events[-1].description == ""
    assert result.estimated_delivery is None


async def test_an_empty_event_list_falls_back_to_the_latest_status(
    adapter, respx_mock, token_route
):
    payload = fixture("failed_attempt.json")
    first(payload)["scanEvents"] = []

    result = await track_payload(adapter, respx_mock, payload)

    assert result.events == [] and result.status is Status.FAILED_ATTEMPT


async def test_events_out_of_order_are_sorted_oldest_first(adapter, respx_mock, token_route):
    expected = parse.parse_track(fixture("journey.json"), [NUMBER])[0].events
    payload = fixture("journey.json")
    scans = first(payload)["scanEvents"]
    scans[:] = [scans[i] for i in (3, 0, 5, 1, 4, 2)]

    result = await track_payload(adapter, respx_mock, payload)

    assert result.events == expected and result.status is Status.OUT_FOR_DELIVERY


def test_time_zones_are_converted_to_utc():
    [result] = parse.parse_track(fixture("timezones.json"), ["794612345714"])

    assert [e.occurred_at for e in result.events] == [
        utc(2026, 11, 18, 23),  # no offset, US has several zones: read as UTC
        utc(2026, 11, 19, 1, 15),  # +09:00
        utc(2026, 11, 19, 8, 30),  # Z
        utc(2026, 11, 19, 17),  # no offset, FR: Europe/Paris (+01:00)
        utc(2026, 11, 20, 17, 15),  # -06:00
    ]
    # ACTUAL_DELIVERY has no offset (and the US several zones): the DL scan's time wins.
    assert result.delivered_at == utc(2026, 11, 20, 17, 15)


# --- request shape ---


def echo(request: httpx.Request) -> httpx.Response:
    """A Track answer with one in-transit result per number asked for."""
    asked = [
        i["trackingNumberInfo"]["trackingNumber"]
        for i in json.loads(request.content)["trackingInfo"]
    ]
    template = fixture("journey.json")["output"]["completeTrackResults"][0]
    entries = []
    for number in asked:
        entry = copy.deepcopy(template)
        entry["trackingNumber"] = number
        entries.append(entry)
    return httpx.Response(200, json={"output": {"completeTrackResults": entries}})


async def test_it_sends_documented_batches_of_thirty(adapter, respx_mock, token_route):
    route = respx_mock.post(TRACK_URL).mock(side_effect=echo)
    numbers = [f"7946{i:08d}" for i in range(61)]

    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers
    requests = [call.request for call in route.calls]
    bodies = [json.loads(r.content) for r in requests]
    assert sorted(len(b["trackingInfo"]) for b in bodies) == [1, 30, 30]
    assert all(b["includeDetailedScans"] is True for b in bodies)
    assert {r.headers["authorization"] for r in requests} == {"Bearer fedex-token-1"}
    assert {r.headers["x-locale"] for r in requests} == {"en_US"}
    assert len({r.headers["x-customer-transaction-id"] for r in requests}) == 3
    assert {r.headers["content-type"] for r in requests} == {"application/json"}


async def test_the_token_request_is_a_client_credentials_form(adapter, respx_mock, token_route):
    respx_mock.post(TRACK_URL).respond(200, json=fixture("journey.json"))

    await adapter.track([NUMBER])

    request = token_route.calls.last.request
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["doorstep-key"],
        "client_secret": ["s3cret"],
    }


async def test_batches_run_concurrently_but_boundedly(adapter, respx_mock, token_route):
    in_flight = peak = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return echo(request)

    respx_mock.post(TRACK_URL).mock(side_effect=answer)

    await adapter.track([f"7946{i:08d}" for i in range(300)])

    assert 1 < peak <= FedExAdapter.concurrency


def test_it_declares_its_metadata():
    assert registry.get("fedex") is FedExAdapter
    assert (FedExAdapter.key, FedExAdapter.batch_size, FedExAdapter.supports_push) == (
        "fedex",
        30,
        True,
    )
    assert FedExAdapter.default_base_url == BASE
    assert {"client_id", "client_secret", "webhook_secret"} == set(FedExAdapter.credential_fields)


# --- push ---


def test_a_single_pushed_track_result_is_parsed_and_sorted(adapter):
    [result] = adapter.parse_webhook(json.dumps(fixture("push_single.json")).encode())

    assert result.number == NUMBER and result.carrier_url.endswith(NUMBER)
    assert [e.carrier_code for e in result.events] == ["AR", "OD", "DL"]
    assert (result.status, result.signed_by) == (Status.DELIVERED, "FRONT DESK")
    assert result.delivered_at == utc(2026, 11, 19, 18, 2)


def test_a_pushed_full_track_answer_gives_every_result(adapter):
    body = fixture("journey.json")
    body["output"]["completeTrackResults"] += fixture("delivered.json")["output"][
        "completeTrackResults"
    ]

    results = adapter.parse_webhook(json.dumps(body).encode())

    assert [r.number for r in results] == [NUMBER, "449044304137821"]
    assert [r.status for r in results] == [Status.OUT_FOR_DELIVERY, Status.DELIVERED]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"trackingNumberInfo": {}}', b"\xff"])
def test_a_push_that_is_not_a_track_result_is_a_bad_response(adapter, body):
    with pytest.raises(BadResponse):
        adapter.parse_webhook(body)


# --- the code table ---

DOCUMENTED = {"OC", "OX", "PU", "IT", "AR", "AF", "DP", "SF", "LO", "FD", "PL", "PF", "AA"}
DOCUMENTED |= {"OD", "ED", "DL", "DE", "HL", "HP", "RS", "SE", "DY", "DD", "CD", "CA"}


def test_every_documented_code_is_mapped():
    assert set(codes.CODES) == DOCUMENTED


def test_every_code_maps_to_a_valid_status_and_reason():
    for code, (status, reason) in codes.CODES.items():
        assert isinstance(status, Status), code
        assert reason is None or isinstance(reason, Reason), code
        assert status is not Status.EXPIRED, code  # ours, never a carrier's
        assert (reason is not None) == (status is Status.EXCEPTION), code


# --- the parsers never raise anything but BadResponse ---


def _parses_or_refuses(payload: Any) -> None:
    for parser in (lambda p: parse.parse_track(p, [NUMBER]), parse.parse_push):
        try:
            results = parser(payload)
        except BadResponse:
            continue
        assert all(isinstance(r, TrackingResult) for r in results)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_arbitrary_json_only_ever_raises_bad_response(payload):
    _parses_or_refuses(payload)
    _parses_or_refuses({"output": {"completeTrackResults": [payload]}})
    _parses_or_refuses(
        {
            "output": {
                "completeTrackResults": [{"trackingNumber": NUMBER, "trackResults": [payload]}]
            }
        }
    )


VALID = [
    fixture(n) for n in ("journey.json", "delivered.json", "timezones.json", "push_single.json")
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID).flatmap(lambda doc: mutated(doc, most=3)))
def test_a_mutated_fixture_only_ever_raises_bad_response(payload):
    _parses_or_refuses(json.loads(json.dumps(payload)))
