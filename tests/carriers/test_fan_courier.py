"""FAN Courier adapter, faked at the HTTP layer with respx; payloads in tests/fixtures."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import fan_courier, registry
from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    PickupKind,
    RateLimited,
    Reason,
    Status,
)
from carriers.fan_courier import FanCourierAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://api.fancourier.ro"
LOGIN_URL = f"{BASE}/login"
TRACK_URL = f"{BASE}/reports/awb/tracking"
CREDENTIALS = {"client_id": "7032158", "username": "shop", "password": "s3cret"}
DELIVERED, MOVING, REGISTERED, FANBOX, RETURNED = (
    "2000000000082", "2000000000099", "2000000000105", "2000000000112", "2000000000129",
)  # fmt: skip
TOKEN = "48944740|EJU0MgzeWY4y1zy9JpQg3cu3cDiqoVg1ZXsIrqLQ"


def fixture(name: str) -> Any:
    return load_fixture("fan_courier", name)


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    fan_courier.TOKENS.clear()
    yield
    fan_courier.TOKENS.clear()


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> FanCourierAdapter:
    return FanCourierAdapter(CREDENTIALS, client=client)


@pytest.fixture
def login(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(LOGIN_URL).respond(200, json=fixture("token.json"))


def asked(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(request.url)).query)


# --- journeys, statuses, pickup points ---


async def test_it_tracks_a_batch_and_keeps_the_order(adapter, respx_mock, login):
    route = respx_mock.get(TRACK_URL).respond(200, json=fixture("tracking.json"))
    numbers = [RETURNED, DELIVERED, MOVING, REGISTERED, FANBOX, "2999999999999"]

    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers
    assert route.call_count == 1
    params = asked(route.calls.last.request)
    assert params == {"clientId": ["7032158"], "awb[]": numbers, "language": ["ro"]}
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert results[-1].not_found  # asked but not in FAN's answer
    assert results[1].carrier_url == (
        f"https://www.fancourier.ro/awb-tracking/?tracking={DELIVERED}"
    )


async def test_it_reports_a_delivery_with_its_signer(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(200, json=fixture("tracking.json"))
    (result,) = await adapter.track([DELIVERED])

    assert result.status is Status.DELIVERED and result.reason is None
    assert [e.carrier_code for e in result.events] == ["C0", "H3", "H10", "H1", "C1", "S1", "S2"]
    assert result.events[-2].status is Status.OUT_FOR_DELIVERY
    assert result.delivered_at == utc(2026, 11, 29, 12, 5)  # 14:05 in Bucharest (EET)
    assert result.signed_by == "Ion Popescu"
    last = result.events[-1]
    assert (last.city, last.country, last.description) == ("Targu Frumos", "RO", "Livrat")


async def test_a_parcel_in_transit_and_a_registered_label(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(200, json=fixture("tracking.json"))
    moving, registered = await adapter.track([MOVING, REGISTERED])

    assert moving.status is Status.IN_TRANSIT and moving.signed_by is None
    assert moving.delivered_at is None
    assert registered.status is Status.INFO_RECEIVED and not registered.not_found
    assert registered.events == []


async def test_a_parcel_waiting_in_a_fanbox_names_the_locker(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(200, json=fixture("tracking.json"))
    (result,) = await adapter.track([FANBOX])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    point = result.pickup_point
    assert point is not None and point.kind is PickupKind.LOCKER
    assert point.point_id == point.name == "FANbox Carrefour Orhideea"
    assert point.country == "RO"


async def test_a_parcel_not_collected_at_the_office_is_returned(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(200, json=fixture("tracking.json"))
    (result,) = await adapter.track([RETURNED])

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.status.is_final and result.pickup_point is None
    assert result.events[1].status is Status.AVAILABLE_FOR_PICKUP


def test_an_office_pickup_is_a_depot_in_that_city():
    doc = fixture("tracking.json")
    doc["data"][4]["events"].pop()  # still waiting at the Brasov office
    result = parse.parse_tracking(doc)[RETURNED]
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point is not None
    assert (result.pickup_point.kind, result.pickup_point.city) == (PickupKind.DEPOT, "Brasov")


def test_a_pudo_handover_is_a_shop():
    doc = fixture("tracking.json")
    doc["data"][1]["events"].append(
        {"id": "S46", "name": "Predat punct Livrare", "location": "Mega Image Titan",
         "date": "2026-11-29 10:00:00"}
    )  # fmt: skip
    result = parse.parse_tracking(doc)[MOVING]
    assert result.pickup_point is not None and result.pickup_point.kind is PickupKind.SHOP


@pytest.mark.parametrize(("code", "expected"), list(codes.CODES.items()))
def test_every_documented_code_is_parsed_as_mapped(code, expected):
    event = {"id": code, "name": "x", "location": "Iasi", "date": "2026-11-29 10:00:00"}
    doc = {"status": "success", "data": [{"awbNumber": DELIVERED, "events": [event]}]}
    result = parse.parse_tracking(doc)[DELIVERED]
    assert (result.status, result.reason) == expected
    assert result.events[0].carrier_code == code


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("S99", "", (Status.EXCEPTION, Reason.UNKNOWN)),
        ("H99", "", (Status.IN_TRANSIT, None)),
        ("X1", "", (Status.IN_TRANSIT, None)),
        ("S1", "Coletul a fost depus în FANbox", (Status.AVAILABLE_FOR_PICKUP, None)),
        ("S2", "Ridicat din FANbox", (Status.DELIVERED, None)),
        ("s6", "", (Status.EXCEPTION, Reason.REFUSED)),
    ],
)
def test_unknown_codes_fall_back_and_fanbox_wording_refines(code, text, expected):
    assert codes.classify(code, text) == expected


def test_every_code_maps_into_the_vocabulary():
    for code, (status, reason) in codes.CODES.items():
        assert code == code.upper() and isinstance(status, Status)
        assert reason is None or isinstance(reason, Reason)


# --- unknown and malformed numbers ---


async def test_an_unknown_awb_is_not_found(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(200, json=fixture("unknown.json"))
    (result,) = await adapter.track(["2999999999999"])
    assert result.not_found and result.carrier_url


async def test_a_refused_number_in_a_batch_is_asked_alone(adapter, respx_mock, login):
    def answer(request: httpx.Request) -> httpx.Response:
        awbs = asked(request)["awb[]"]
        if "abc" in awbs:
            return httpx.Response(422, json=fixture("invalid.json"))
        return httpx.Response(200, json=fixture("tracking.json"))

    route = respx_mock.get(TRACK_URL).mock(side_effect=answer)
    results = await adapter.track([DELIVERED, "abc"])

    assert [r.not_found for r in results] == [False, True]
    assert results[0].status is Status.DELIVERED
    assert route.call_count == 3


async def test_a_4xx_without_a_message_is_a_bad_response(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(404, text="<html>Not Found</html>")
    with pytest.raises(BadResponse) as caught:
        await adapter.track([DELIVERED])
    assert caught.value.body == "<html>Not Found</html>"


# --- login and faults ---


async def test_the_login_is_a_form_and_its_token_is_cached(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(200, json=fixture("unknown.json"))
    await adapter.track([DELIVERED])
    await adapter.track([DELIVERED])

    assert login.call_count == 1
    assert parse_qs(login.calls.last.request.content.decode()) == {
        "username": ["shop"], "password": ["s3cret"],
    }  # fmt: skip


async def test_a_401_fetches_a_new_token_once(adapter, respx_mock, login):
    route = respx_mock.get(TRACK_URL)
    route.side_effect = [httpx.Response(401), httpx.Response(200, json=fixture("unknown.json"))]
    (result,) = await adapter.track([DELIVERED])
    assert result.not_found and login.call_count == 2


async def test_a_second_401_is_an_auth_error(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(401)
    with pytest.raises(AuthError):
        await adapter.track([DELIVERED])


@pytest.mark.parametrize(
    ("status", "body"),
    [(401, {"status": "error", "message": "Unauthorized"}),
     (200, {"status": "error", "message": "Datele de autentificare sunt incorecte"})],
)  # fmt: skip
async def test_a_refused_login_is_an_auth_error(adapter, respx_mock, status, body):
    respx_mock.post(LOGIN_URL).respond(status, json=body)
    with pytest.raises(AuthError):
        await adapter.track([DELIVERED])


async def test_a_403_is_an_auth_error(adapter, respx_mock, login):
    respx_mock.get(TRACK_URL).respond(403, json={"message": "Forbidden"})
    with pytest.raises(AuthError):
        await adapter.track([DELIVERED])


async def test_missing_credentials_are_an_auth_error_before_any_call(client, respx_mock):
    with pytest.raises(AuthError):
        await FanCourierAdapter({"client_id": "1"}, client=client).track([DELIVERED])
    with pytest.raises(AuthError):
        await FanCourierAdapter({"username": "a", "password": "b"}, client=client).track(["1"])
    assert await FanCourierAdapter({}, client=client).track([]) == []


@pytest.mark.parametrize(("header", "expected"), [("30", 30.0), (None, None)])
async def test_a_429_is_rate_limited(adapter, respx_mock, login, header, expected):
    headers = {"Retry-After": header} if header else {}
    respx_mock.get(TRACK_URL).respond(429, headers=headers)
    with pytest.raises(RateLimited) as caught:
        await adapter.track([DELIVERED])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("answer", [500, 502, httpx.ReadTimeout("slow")])
async def test_5xx_and_timeouts_are_carrier_unavailable(adapter, respx_mock, login, answer):
    route = respx_mock.get(TRACK_URL)
    if isinstance(answer, int):
        route.respond(answer)
    else:
        route.mock(side_effect=answer)
    with pytest.raises(CarrierUnavailable):
        await adapter.track([DELIVERED])


@pytest.mark.parametrize("body", ["<html>maintenance</html>", '{"status": "success", "data": {}}'])
async def test_a_garbage_body_is_a_bad_response(adapter, respx_mock, login, body):
    respx_mock.get(TRACK_URL).respond(200, content=body.encode())
    with pytest.raises(BadResponse):
        await adapter.track([DELIVERED])


# --- metadata and number formats ---


def test_it_declares_its_metadata():
    registry.reload()
    assert registry.get("fan_courier") is FanCourierAdapter
    assert FanCourierAdapter.batch_size > 1 and not FanCourierAdapter.supports_push
    assert set(FanCourierAdapter.credential_fields) == {"client_id", "username", "password"}


@pytest.mark.parametrize(
    ("number", "matches"),
    [("2000000000082", True), ("7000081306984", True), ("200000000008", False),
     ("20000000000821", False), ("3000000000082", False), ("2A00000000082", False)],
)  # fmt: skip
def test_number_formats(number, matches):
    assert any(f.matches(number) for f in FanCourierAdapter.number_formats) is matches
    assert all(f.confidence <= 0.3 for f in FanCourierAdapter.number_formats)


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "S2", "S46", "C0", "2026-11-20 08:00:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59",
     "success", "error", "FANbox", 0, -1, True, None, [], {}]
)  # fmt: skip


def _parse(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.parse_tracking(doc)
    with contextlib.suppress(BadResponse):
        parse.parse_token(doc)
    parse.error_message(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_json(doc):
    _parse(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(fixture("tracking.json"), JSON | plausible))
def test_the_parser_raises_only_bad_response_on_a_mutated_fixture(doc):
    _parse(doc)
