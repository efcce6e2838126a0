"""Cargus adapter, faked at the HTTP layer with respx; payloads in tests/fixtures/cargus."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import cargus, registry
from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    PickupKind,
    RateLimited,
    Reason,
    Status,
)
from carriers.cargus import CargusAdapter, codes, parse
from carriers.romanian import plain
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://urgentcargus.azure-api.net/api"
LOGIN_URL = f"{BASE}/LoginUser"
TRACE_URL = f"{BASE}/AwbTrace/WithRedirect"
CREDENTIALS = {"subscription_key": "sub-key-123", "username": "shop", "password": "s3cret"}
DELIVERED, SHIP_GO, RETURNED, LABEL = "1100223344", "1100223351", "1100223368", "1100223375"
TOKEN = "FCA1ODhBLUI3NjMtNEQ5Mi1BQzkyLTc3RkQ5MkY2NjUyRg"


def fixture(name: str) -> Any:
    return load_fixture("cargus", name)


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    cargus.TOKENS.clear()
    yield
    cargus.TOKENS.clear()


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> CargusAdapter:
    return CargusAdapter(CREDENTIALS, client=client)


@pytest.fixture
def login(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(LOGIN_URL).respond(200, json=fixture("token.json"))


def asked(request: httpx.Request) -> list[str]:
    (codes_json,) = parse_qs(urlsplit(str(request.url)).query)["barCode"]
    return list(json.loads(codes_json))


async def trace(adapter: CargusAdapter, respx_mock: respx.MockRouter, number: str):
    respx_mock.get(TRACE_URL).respond(200, json=fixture("trace.json"))
    (result,) = await adapter.track([number])
    return result


# --- journeys, statuses, pickup points ---


async def test_it_traces_a_batch_with_the_documented_request(adapter, respx_mock, login):
    route = respx_mock.get(TRACE_URL).respond(200, json=fixture("trace.json"))
    numbers = [LABEL, DELIVERED, "1100000000", SHIP_GO]

    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers
    assert [r.not_found for r in results] == [False, False, True, False]
    request = route.calls.last.request
    assert asked(request) == numbers
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Ocp-Apim-Subscription-Key"] == "sub-key-123"
    sent = login.calls.last.request
    assert json.loads(sent.content) == {"UserName": "shop", "Password": "s3cret"}
    assert sent.headers["Ocp-Apim-Subscription-Key"] == "sub-key-123"
    assert "Authorization" not in sent.headers
    assert results[1].carrier_url == (
        f"https://www.cargus.ro/personal/urmareste-coletul/?tracking_number={DELIVERED}"
    )


async def test_a_confirmed_delivery_with_its_signer(adapter, respx_mock, login):
    result = await trace(adapter, respx_mock, DELIVERED)

    assert result.status is Status.DELIVERED and result.reason is None
    assert [e.carrier_code for e in result.events] == ["1", "3", "5", "21"]  # oldest first
    assert [e.status for e in result.events] == [
        Status.IN_TRANSIT, Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.DELIVERED,
    ]  # fmt: skip
    assert result.delivered_at == utc(2026, 11, 26, 11, 5)  # 13:05 in Bucharest (EET)
    assert result.signed_by == "Maria Ionescu"
    assert (result.events[-1].city, result.events[-1].country) == ("Cluj-Napoca", "RO")


async def test_a_parcel_at_a_ship_and_go_point(adapter, respx_mock, login):
    result = await trace(adapter, respx_mock, SHIP_GO)

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    point = result.pickup_point
    assert point is not None and point.kind is PickupKind.SHOP
    assert (point.point_id, point.city, point.country) == ("Magurele", "Magurele", "RO")


async def test_a_parcel_not_collected_is_returned(adapter, respx_mock, login):
    result = await trace(adapter, respx_mock, RETURNED)

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.events[2].reason is Reason.NOT_COLLECTED
    assert result.pickup_point is None and result.signed_by is None


async def test_a_label_without_scans_is_info_received(adapter, respx_mock, login):
    result = await trace(adapter, respx_mock, LABEL)
    assert result.status is Status.INFO_RECEIVED and result.events == []


def test_a_locker_is_a_locker_and_one_entry_alone_is_read():
    entry = fixture("trace.json")[1]
    entry["Event"][-1]["Description"] = "Coletul a fost depus in locker-ul Cargus"
    result = parse.parse_trace(entry)[SHIP_GO]
    assert result.pickup_point is not None and result.pickup_point.kind is PickupKind.LOCKER
    assert parse.parse_trace(None) == {}


@pytest.mark.parametrize(("code", "expected"), list(codes.CODES.items()))
def test_every_documented_id_is_parsed_as_mapped(code, expected):
    entry = {"Code": DELIVERED, "Event": [
        {"Date": "2026-11-26T13:05:00", "EventId": int(code), "Description": "x"}]}  # fmt: skip
    result = parse.parse_trace([entry])[DELIVERED]
    assert (result.status, result.reason) == expected
    assert result.events[0].carrier_code == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Termen de păstrare expirat", (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)),
        ("Returnat la expeditor", (Status.RETURNED_TO_SENDER, None)),
        ("Refuzat de destinatar", (Status.EXCEPTION, Reason.REFUSED)),
        ("Redirecționat", (Status.IN_TRANSIT, None)),
        ("AWB anulat", (Status.EXCEPTION, Reason.UNKNOWN)),
        ("Colet avariat", (Status.EXCEPTION, Reason.DAMAGED)),
        ("Nelivrat - adresa incompleta", (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)),
        ("Destinatar absent", (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)),
        ("Livrare amanata la cererea destinatarului",
         (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)),
        ("Nelivrat", (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
        ("Retur catre expeditor", (Status.EXCEPTION, Reason.UNKNOWN)),
        ("Disponibil pentru ridicare in Ship & Go", (Status.AVAILABLE_FOR_PICKUP, None)),
        ("Livrat", (Status.DELIVERED, None)),
        ("Predat curierului pentru livrare", (Status.OUT_FOR_DELIVERY, None)),
        ("AWB tiparit", (Status.INFO_RECEIVED, None)),
        ("Sosit in depozitul Cluj", (Status.IN_TRANSIT, None)),
    ],
)  # fmt: skip
def test_events_are_read_from_their_descriptions(text, expected):
    assert codes.classify("999", text) == expected
    assert codes.classify("21", text) == (Status.DELIVERED, None)  # the table wins


def test_every_code_and_keyword_maps_into_the_vocabulary():
    for code, (status, reason) in codes.CODES.items():
        assert code.isdigit() and isinstance(status, Status)
        assert reason is None or isinstance(reason, Reason)
    for phrases, _ in codes.KEYWORDS:
        assert all(phrase == plain(phrase) for phrase in phrases)


# --- unknown and malformed numbers ---


async def test_an_empty_answer_is_not_found(adapter, respx_mock, login):
    respx_mock.get(TRACE_URL).respond(204)
    (result,) = await adapter.track(["1100000000"])
    assert result.not_found


async def test_a_refused_batch_is_asked_number_by_number(adapter, respx_mock, login):
    def answer(request: httpx.Request) -> httpx.Response:
        if "X" in asked(request):  # numbers are sent squashed (upper case)
            return httpx.Response(400, json=fixture("error.json"))
        return httpx.Response(200, json=fixture("trace.json"))

    route = respx_mock.get(TRACE_URL).mock(side_effect=answer)
    results = await adapter.track([DELIVERED, "x"])
    assert [r.not_found for r in results] == [False, True] and route.call_count == 3


async def test_a_4xx_without_an_error_body_is_a_bad_response(adapter, respx_mock, login):
    respx_mock.get(TRACE_URL).respond(404, json=[])
    with pytest.raises(BadResponse):
        await adapter.track([DELIVERED])


# --- login and faults ---


async def test_the_token_is_cached_and_refreshed_once_after_a_401(adapter, respx_mock, login):
    route = respx_mock.get(TRACE_URL)
    route.side_effect = [
        httpx.Response(200, json=[]), httpx.Response(401), httpx.Response(200, json=[]),
    ]  # fmt: skip
    await adapter.track([DELIVERED])
    await adapter.track([DELIVERED])
    assert login.call_count == 2 and route.call_count == 3


async def test_a_second_401_is_an_auth_error(adapter, respx_mock, login):
    body = {"statusCode": 401, "message": "Access denied due to invalid subscription key."}
    respx_mock.get(TRACE_URL).respond(401, json=body)
    with pytest.raises(AuthError):
        await adapter.track([DELIVERED])


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_a_refused_login_is_an_auth_error(adapter, respx_mock, status):
    respx_mock.post(LOGIN_URL).respond(status, json={"message": "Failed to authenticate!"})
    with pytest.raises(AuthError):
        await adapter.track([DELIVERED])


async def test_a_login_without_a_token_is_a_bad_response(adapter, respx_mock):
    respx_mock.post(LOGIN_URL).respond(200, json={"Token": None})
    with pytest.raises(BadResponse):
        await adapter.track([DELIVERED])


async def test_a_403_is_an_auth_error(adapter, respx_mock, login):
    respx_mock.get(TRACE_URL).respond(403, json={"message": "Forbidden"})
    with pytest.raises(AuthError):
        await adapter.track([DELIVERED])


@pytest.mark.parametrize(
    "credentials",
    [{"username": "a", "password": "b"}, {"subscription_key": "k", "username": "a"}],
)
async def test_missing_credentials_are_an_auth_error(client, respx_mock, credentials):
    with pytest.raises(AuthError):
        await CargusAdapter(credentials, client=client).track([DELIVERED])


@pytest.mark.parametrize(("header", "expected"), [("60", 60.0), (None, None)])
async def test_a_429_is_rate_limited(adapter, respx_mock, login, header, expected):
    headers = {"Retry-After": header} if header else {}
    respx_mock.get(TRACE_URL).respond(429, headers=headers)
    with pytest.raises(RateLimited) as caught:
        await adapter.track([DELIVERED])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("answer", [500, 502, httpx.ReadTimeout("slow")])
async def test_5xx_and_timeouts_are_carrier_unavailable(adapter, respx_mock, login, answer):
    route = respx_mock.get(TRACE_URL)
    if isinstance(answer, int):
        route.respond(answer)
    else:
        route.mock(side_effect=answer)
    with pytest.raises(CarrierUnavailable):
        await adapter.track([DELIVERED])


@pytest.mark.parametrize("body", ["<html>maintenance</html>", '"just text"', '{"Event": []}'])
async def test_a_garbage_body_is_a_bad_response(adapter, respx_mock, login, body):
    respx_mock.get(TRACE_URL).respond(200, content=body.encode())
    with pytest.raises(BadResponse):
        await adapter.track([DELIVERED])


# --- metadata and number formats ---


def test_it_declares_its_metadata():
    registry.reload()
    assert registry.get("cargus") is CargusAdapter
    assert CargusAdapter.batch_size > 1 and not CargusAdapter.supports_push
    assert set(CargusAdapter.credential_fields) == {"subscription_key", "username", "password"}


@pytest.mark.parametrize(
    ("number", "matches"),
    [("1100223344", True), ("804419419", True), ("11002233445", True), ("80441941", False),
     ("110022334455", False), ("URGC10875236", False)],
)  # fmt: skip
def test_number_formats(number, matches):
    assert any(f.matches(number) for f in CargusAdapter.number_formats) is matches
    assert all(f.confidence <= 0.3 for f in CargusAdapter.number_formats)


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "21", 21, "Confirmat", "Ship & Go", "2026-11-20T08:00:00", "0001-01-01T00:00:00",
     "9999-12-31T23:59:59", "2026-11-20T08:00:00+14:00", 0, -1, True, None, [], {}]
)  # fmt: skip


def _parse(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.parse_trace(doc)
    with contextlib.suppress(BadResponse):
        parse.parse_token(doc)
    parse.is_error(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_json(doc):
    _parse(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(fixture("trace.json"), JSON | plausible))
def test_the_parser_raises_only_bad_response_on_a_mutated_fixture(doc):
    _parse(doc)
