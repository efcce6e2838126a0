"""GLS adapter: faked at the HTTP layer with respx, payloads from tests/fixtures/gls/."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import registry
from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    PickupKind,
    RateLimited,
    Reason,
    Status,
)
from carriers.gls import GLSAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://api.gls-group.net"
TOKEN_URL = f"{BASE}/oauth2/v2/token"
TRACK = f"{BASE}/track-and-trace-v1/tracking/simple/trackids/"
CREDENTIALS = {"client_id": "gls-app", "client_secret": "gls-s3cret"}
NUMBER = "36301917596"


def fixture(name: str) -> Any:
    return load_fixture("gls", name)


@pytest.fixture
def adapter(client: httpx.AsyncClient, respx_mock: respx.MockRouter) -> GLSAdapter:
    respx_mock.post(TOKEN_URL).respond(200, json=fixture("token.json"))
    return GLSAdapter(CREDENTIALS, client=client)


def track_route(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.get(url__startswith=TRACK)


async def track(adapter: GLSAdapter, respx_mock, name: str, *numbers: str) -> list[Any]:
    track_route(respx_mock).respond(200, json=fixture(name))
    return await adapter.track(list(numbers))


# --- documented payloads ---


async def test_it_reads_a_mixed_answer_with_an_unknown_number(adapter, respx_mock):
    unknown, known = await track(adapter, respx_mock, "with_errors.json", "42249018928", NUMBER)

    assert unknown.not_found and unknown.number == "42249018928" and unknown.events == []
    assert not known.not_found and known.number == NUMBER
    assert known.status is Status.INFO_RECEIVED
    assert [e.carrier_code for e in known.events] == ["INTIAL.PREADVICE", "INTIAL.E48_DATA"]
    assert known.events[0].occurred_at == utc(2024, 10, 11, 13, 24, 51)  # +0200 honoured
    assert known.events[0].country == "DE" and known.events[0].city is None
    assert known.carrier_url == f"https://gls-group.com/GROUP/en/parcel-tracking?match={NUMBER}"


async def test_it_reports_a_delivery(adapter, respx_mock):
    (result,) = await track(adapter, respx_mock, "delivered.json", "93835368025")

    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 11, 20, 10, 2, 10)
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,  # an undocumented code read by its wording
        Status.DELIVERED,  # DELIVD.* read by its group
    ]
    assert (result.events[-1].city, result.events[-1].postal_code) == ("Neuenstein", "36286")
    assert result.pickup_point is None


async def test_it_reports_a_parcel_waiting_at_a_parcelshop(adapter, respx_mock):
    (result,) = await track(adapter, respx_mock, "parcelshop.json", "42249028960")

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.delivered_at is None
    # The documented event names no place, and GLS gives the id only via deliveryinfo.
    assert result.pickup_point is None


def test_the_pickup_point_takes_the_place_of_the_parcelshop_event():
    doc = fixture("parcelshop.json")
    event = doc["parcels"][0]["events"][0]
    event.update(city="Berlin", postalCode="10437", country="de")

    (result,) = parse.parse_parcels(doc)

    point = result.pickup_point
    assert point is not None
    assert (point.city, point.postal_code, point.country) == ("Berlin", "10437", "DE")
    assert (point.point_id, point.kind) == ("", PickupKind.SHOP)


async def test_a_reference_matching_two_parcels_gives_the_first(adapter, respx_mock):
    (result,) = await track(adapter, respx_mock, "two_parcels.json", "747N6K")

    assert result.status is Status.IN_TRANSIT and not result.not_found
    assert result.events[-1].occurred_at == utc(2024, 9, 18, 4, 50, 22)


# --- every code in the table ---


@pytest.mark.parametrize("code", sorted(codes.PARCEL_STATUSES))
def test_every_parcel_status_decides_the_result(code):
    doc = fixture("with_errors.json")
    parcel = doc["parcels"][1]
    parcel["status"] = code
    parcel["events"] = []

    (_, result) = parse.parse_parcels(doc)

    assert (result.status, result.reason) == codes.CODES[code]


@pytest.mark.parametrize("code", sorted(c for c in codes.CODES if "." in c))
def test_every_event_code_maps_as_the_table_says(code):
    doc = fixture("with_errors.json")
    parcel = doc["parcels"][1]
    del parcel["status"]
    parcel["events"][0]["code"] = code  # the newest event

    (_, result) = parse.parse_parcels(doc)

    assert (result.events[-1].status, result.events[-1].reason) == codes.CODES[code]
    assert (result.status, result.reason) == codes.CODES[code]


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("DELIVD.NEIGHBOUR", "", (Status.DELIVERED, None)),
        ("CANCEL.OTHER", "", (Status.EXCEPTION, Reason.UNKNOWN)),
        ("CHANGD.SOMETHING", "", (Status.IN_TRANSIT, None)),
        ("RETURN.NOTCOLL", "The parcel was not collected and is returned to the sender.",
         (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)),
        ("RETURN.NORMAL", "The parcel is being returned to the sender.",
         (Status.RETURNED_TO_SENDER, None)),
        ("NOTDEL.REFUSED", "The consignee refused to accept the parcel.",
         (Status.EXCEPTION, Reason.REFUSED)),
        ("NOTDEL.ABSENT", "The consignee was not at home.",
         (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)),
        ("NOTDEL.ADDRESS", "The address is incorrect.", (Status.EXCEPTION, Reason.ADDRESS_ISSUE)),
        ("DAMAGE.NORMAL", "The parcel was damaged.", (Status.EXCEPTION, Reason.DAMAGED)),
        ("NEIGHB.NORMAL", "Delivered to a neighbour.", (Status.DELIVERED, None)),
        ("PSHOPR.NORMAL", "The parcel can be collected from the ParcelShop.",
         (Status.AVAILABLE_FOR_PICKUP, None)),
        ("SOMETH.NEW", "Something GLS invented later", codes.DEFAULT),
        ("", "", codes.DEFAULT),
    ],
)  # fmt: skip
def test_unknown_event_codes_are_read_by_group_then_wording(code, text, expected):
    assert codes.classify_event(code, text) == expected


def test_a_failed_attempt_keeps_the_cause_its_event_gives():
    doc = fixture("with_errors.json")
    parcel = doc["parcels"][1]
    parcel["status"] = "NOTDELIVERED"
    parcel["events"][0].update(code="NOTDEL.ABSENT", description="The consignee was not at home.")

    (_, result) = parse.parse_parcels(doc)

    assert (result.status, result.reason) == (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)


def test_final_keeps_a_return_the_events_end_in():
    doc = fixture("with_errors.json")
    parcel = doc["parcels"][1]
    parcel["status"] = "FINAL"
    parcel["events"][0].update(code="RETURN.NORMAL", description="Returned to the sender.")

    (_, result) = parse.parse_parcels(doc)

    assert result.status is Status.RETURNED_TO_SENDER
    del parcel["events"]
    (_, closed) = parse.parse_parcels(doc)
    assert closed.status is Status.DELIVERED
    assert closed.delivered_at == utc(2024, 10, 11, 13, 24, 57)  # statusDateTime


def test_a_status_gls_adds_later_falls_back_on_the_events():
    doc = fixture("with_errors.json")
    doc["parcels"][1]["status"] = "SOMETHINGNEW"

    (_, result) = parse.parse_parcels(doc)

    assert result.status is Status.INFO_RECEIVED  # INTIAL.E48_DATA, the newest event


# --- the request ---


async def test_it_sends_the_documented_request(adapter, respx_mock):
    token = respx_mock.post(TOKEN_URL).respond(200, json=fixture("token.json"))
    route = track_route(respx_mock).respond(200, json=fixture("with_errors.json"))

    assert await adapter.track([]) == [] and not route.called
    await adapter.track(["42249018928", NUMBER])
    await adapter.track([NUMBER])

    request = route.calls[0].request
    assert request.url.path == (
        "/track-and-trace-v1/tracking/simple/trackids/42249018928,36301917596"
    )
    assert dict(request.url.params) == {"showLinks": "true"}
    assert request.headers["Authorization"] == "Bearer " + fixture("token.json")["access_token"]
    assert request.headers["Accept-Language"] == "EN"
    assert token.call_count == 1, "the token is cached between calls"
    sent = token.calls.last.request
    assert sent.headers["Authorization"].startswith("Basic ")
    assert sent.content == b"grant_type=client_credentials"


async def test_it_batches_ten_numbers_per_call_and_keeps_the_order(adapter, respx_mock):
    numbers = [f"{n:011d}" for n in range(1, 24)]
    route = track_route(respx_mock).respond(200, json={"parcels": []})

    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers and all(r.not_found for r in results)
    sizes = sorted(len(c.request.url.path.rsplit("/", 1)[1].split(",")) for c in route.calls)
    assert sizes == [3, 10, 10]


# --- faults ---


async def test_an_expired_token_is_refreshed_once(adapter, respx_mock):
    token = respx_mock.post(TOKEN_URL).respond(200, json=fixture("token.json"))
    track_route(respx_mock).mock(
        side_effect=[
            httpx.Response(401, json=fixture("token_expired.json")),
            httpx.Response(200, json=fixture("with_errors.json")),
        ]
    )

    (result,) = await adapter.track([NUMBER])

    assert result.status is Status.INFO_RECEIVED and token.call_count == 2


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_credentials_raise_auth_error(adapter, respx_mock, status):
    track_route(respx_mock).respond(status, json=fixture("token_expired.json"))

    with pytest.raises(AuthError):
        await adapter.track([NUMBER])


@pytest.mark.parametrize("status", [400, 401])
async def test_a_refused_token_request_is_auth_error(client, respx_mock, status):
    respx_mock.post(TOKEN_URL).respond(status, json={"errors": [{"message": "Invalid client"}]})
    route = track_route(respx_mock)

    with pytest.raises(AuthError):
        await GLSAdapter(CREDENTIALS, client=client).track([NUMBER])
    assert not route.called


async def test_missing_credentials_make_no_call(client, respx_mock):
    route = track_route(respx_mock)
    with pytest.raises(AuthError):
        await GLSAdapter({}, client=client).track([NUMBER])
    assert not route.called


async def test_a_404_problem_is_not_found(adapter, respx_mock):
    track_route(respx_mock).respond(404, json=fixture("not_found.json"))

    (result,) = await adapter.track(["12/34"])

    assert result.not_found and result.number == "12/34"


@pytest.mark.parametrize(
    ("status", "body"),
    [(400, fixture("bad_request.json")), (404, None), (418, {"title": "teapot"})],
)
async def test_other_answers_are_bad_responses(adapter, respx_mock, status, body):
    route = track_route(respx_mock)
    if body is None:
        route.respond(status, text="<html>proxy</html>")
    else:
        route.respond(status, json=body)

    with pytest.raises(BadResponse):
        await adapter.track([NUMBER])


@pytest.mark.parametrize(("header", "expected"), [("30", 30.0), (None, None)])
async def test_429_is_rate_limited(adapter, respx_mock, header, expected):
    headers = {"Retry-After": header} if header else {}
    track_route(respx_mock).respond(429, json=fixture("rate_limited.json"), headers=headers)

    with pytest.raises(RateLimited) as caught:
        await adapter.track([NUMBER])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("answer", [500, 502, httpx.ReadTimeout, httpx.ConnectError])
async def test_5xx_and_timeouts_are_carrier_unavailable(adapter, respx_mock, answer):
    route = track_route(respx_mock)
    if isinstance(answer, int):
        route.respond(answer)
    else:
        route.mock(side_effect=answer("boom"))

    with pytest.raises(CarrierUnavailable):
        await adapter.track([NUMBER])


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"parcels": {}}', b'{"parcels": [{"status": "X"}]}']
)
async def test_garbage_is_bad_response(adapter, respx_mock, body):
    track_route(respx_mock).respond(200, content=body)

    with pytest.raises(BadResponse):
        await adapter.track([NUMBER])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p["events"][0].pop("eventDateTime"),
        lambda p: p["events"][0].__setitem__("eventDateTime", "yesterday"),
        lambda p: p.__setitem__("events", {"not": "a list"}),
        lambda p: p.__setitem__("errorCode", "E_500_01"),
        lambda p: p["events"].__setitem__(0, "event"),
    ],
)
def test_it_rejects_what_it_cannot_read(mutate):
    doc = fixture("with_errors.json")
    mutate(doc["parcels"][1])

    with pytest.raises(BadResponse):
        parse.parse_parcels(doc)


# --- metadata, numbers, push ---


def test_it_declares_its_metadata():
    assert registry.get("gls") is GLSAdapter
    assert (GLSAdapter.batch_size, GLSAdapter.supports_push) == (10, False)
    assert GLSAdapter.rate_limit == 1.0
    assert set(GLSAdapter.credential_fields) == {"client_id", "client_secret"}
    adapter = GLSAdapter(CREDENTIALS, client=httpx.AsyncClient())
    assert not adapter.verify_webhook({}, b"{}")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("93835368025", True),
        ("36301917596", True),
        ("123456789012", True),
        ("9383536802", False),
        ("9383536802X", False),
        ("1234567890123", False),
        ("ZX61QJIX", False),
    ],
)
def test_number_formats(number, expected):
    assert any(f.matches(number) for f in GLSAdapter.number_formats) is expected
    assert all(f.confidence <= 0.3 for f in GLSAdapter.number_formats)


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "E_404_01", "E_500_01", "DELIVEREDPS", "FINAL", "DELIVD.PARCELSHOP", "INTIAL.",
     "2024-10-11T15:24:52+0200", "0001-01-01T00:00:00+0100", "9999-12-31T23:59:59-0500",
     "DE", "XX", 0, -1, True, None, [], {}]
)  # fmt: skip

FUZZED = ["with_errors.json", "two_parcels.json", "parcelshop.json", "delivered.json"]


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.pick(parse.parse_parcels(copy.deepcopy(doc)), NUMBER)
    parse.is_problem(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_json(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda name: mutated(fixture(name), JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_fixture(doc):
    _parse_or_bad_response(doc)
