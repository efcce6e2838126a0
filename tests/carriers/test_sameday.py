"""Sameday adapter, faked at the HTTP layer with respx; payloads in tests/fixtures/sameday."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import registry, sameday
from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    PickupKind,
    RateLimited,
    Reason,
    Status,
)
from carriers.romanian import plain
from carriers.sameday import SamedayAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://api.sameday.ro"
AUTH_URL = f"{BASE}/api/authenticate"
CREDENTIALS = {"username": "shop_api", "password": "s3cret"}
DELIVERED, EASYBOX, RETURNED = "1SDY241067423", "4EMGLN111222333", "4EMGLN111222340"
TOKEN = "f0c6b4a8e2d94c0fb9d0c1f5e6a7b8c9"


def status_url(number: str) -> str:
    return f"{BASE}/api/client/awb/{number}/status"


def fixture(name: str) -> Any:
    return load_fixture("sameday", name)


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    sameday.TOKENS.clear()
    yield
    sameday.TOKENS.clear()


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> SamedayAdapter:
    return SamedayAdapter(CREDENTIALS, client=client)


@pytest.fixture
def login(respx_mock: respx.MockRouter) -> respx.Route:
    body = {"token": TOKEN, "expire_at": "2999-12-31 23:59"}
    return respx_mock.post(AUTH_URL).respond(200, json=body)


async def track(adapter: SamedayAdapter, respx_mock: respx.MockRouter, name: str, number: str):
    respx_mock.get(status_url(number)).respond(200, json=fixture(name))
    (result,) = await adapter.track([number])
    return result


# --- journeys, statuses, pickup points ---


async def test_it_parses_a_delivered_journey(adapter, respx_mock, login):
    result = await track(adapter, respx_mock, "delivered.json", DELIVERED)

    assert result.number == DELIVERED and not result.not_found
    assert [e.carrier_code for e in result.events] == ["1", "23", "4", "56", "84", "33", "9"]
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED, Status.INFO_RECEIVED, Status.IN_TRANSIT, Status.IN_TRANSIT,
        Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.DELIVERED,
    ]  # fmt: skip
    assert result.status is Status.DELIVERED and result.reason is None
    assert result.delivered_at == utc(2026, 11, 26, 10, 37, 28)
    moving = result.events[3]
    assert (moving.city, moving.region, moving.description) == (
        "Bacau", "Bacau", "Coletul este in tranzit",
    )  # fmt: skip
    assert result.carrier_url == f"https://sameday.ro/#awb={DELIVERED}"


async def test_a_parcel_in_an_easybox_names_the_locker(adapter, respx_mock, login):
    result = await track(adapter, respx_mock, "easybox.json", EASYBOX)

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    point = result.pickup_point
    assert point is not None and point.kind is PickupKind.LOCKER
    assert point.point_id == point.name == "easybox Mega Image Unirii"
    assert point.pickup_code is None  # not in the status answer


async def test_a_parcel_not_collected_from_the_easybox_is_returned(adapter, respx_mock, login):
    result = await track(adapter, respx_mock, "returned.json", RETURNED)

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.events[1].reason is Reason.NOT_COLLECTED
    assert result.pickup_point is None


def test_a_pudo_point_is_a_shop():
    doc = fixture("easybox.json")
    for entry in (doc["expeditionStatus"], *doc["expeditionHistory"]):
        entry.update(status="Colet incarcat in punctul de livrare",
                     statusState="Colet incarcat in punctul de livrare",
                     transitLocation="PUDO Profi Drumul Taberei")  # fmt: skip
    result = parse.parse_awb_status(doc)
    assert result.pickup_point is not None and result.pickup_point.kind is PickupKind.SHOP


def test_the_summary_flags_win_over_a_stale_status():
    doc = fixture("easybox.json")
    doc["expeditionSummary"]["canceled"] = True
    assert (parse.parse_awb_status(doc).status, parse.parse_awb_status(doc).reason) == (
        Status.EXCEPTION, Reason.UNKNOWN,
    )  # fmt: skip
    doc = fixture("easybox.json")
    doc["expeditionSummary"]["delivered"] = True
    result = parse.parse_awb_status(doc)
    assert result.status is Status.DELIVERED and result.delivered_at == utc(2026, 12, 1, 7, 15)


def test_without_a_current_status_the_newest_entry_decides():
    doc = fixture("delivered.json")
    del doc["expeditionStatus"]
    doc["expeditionSummary"]["deliveredAt"] = ""
    result = parse.parse_awb_status(doc)
    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 11, 26, 10, 37, 28)


def test_no_history_at_all_is_pending():
    doc = fixture("easybox.json")
    del doc["expeditionStatus"]
    doc["expeditionHistory"] = []
    result = parse.parse_awb_status(doc)
    assert result.status is Status.PENDING and result.events == []


@pytest.mark.parametrize(("code", "expected"), list(codes.CODES.items()))
def test_every_documented_id_is_parsed_as_mapped(code, expected):
    doc = fixture("easybox.json")
    doc["expeditionStatus"].update(statusId=int(code), status="x", statusLabel="x",
                                   statusState="x")  # fmt: skip
    result = parse.parse_awb_status(doc)
    assert (result.status, result.reason) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Termenul de ridicare din easybox a expirat", (Status.RETURNED_TO_SENDER,
                                                         Reason.NOT_COLLECTED)),
        ("Coletul a fost returnat la expeditor", (Status.RETURNED_TO_SENDER, None)),
        ("Destinatarul a refuzat coletul", (Status.EXCEPTION, Reason.REFUSED)),
        ("Colet redirecționat către alt easybox", (Status.IN_TRANSIT, None)),
        ("Expediere anulată", (Status.EXCEPTION, Reason.UNKNOWN)),
        ("Colet deteriorat", (Status.EXCEPTION, Reason.DAMAGED)),
        ("Adresă greșită", (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)),
        ("Destinatar absent", (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)),
        ("Colet nelivrat", (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
        ("Coletul a fost depus în easybox", (Status.AVAILABLE_FOR_PICKUP, None)),
        ("Ramburs încasat, colet livrat", (Status.DELIVERED, None)),
        ("Ceva complet nou", (Status.IN_TRANSIT, None)),
    ],
)  # fmt: skip
def test_unknown_ids_are_read_from_their_words(text, expected):
    assert codes.classify("999", text) == expected
    assert codes.classify("9", text) == (Status.DELIVERED, None)  # a known id is not reread


def test_every_code_and_keyword_maps_into_the_vocabulary():
    for code, (status, reason) in codes.CODES.items():
        assert code.isdigit() and isinstance(status, Status)
        assert reason is None or isinstance(reason, Reason)
    for phrases, _ in codes.KEYWORDS:
        assert all(phrase == plain(phrase) for phrase in phrases)


# --- unknown numbers and the request ---


async def test_an_unknown_awb_is_not_found(adapter, respx_mock, login):
    respx_mock.get(status_url("1SDY000000000")).respond(404, json=fixture("not_found.json"))
    (result,) = await adapter.track(["1SDY000000000"])
    assert result.not_found and result.carrier_url


async def test_a_404_without_an_error_body_is_a_bad_response(adapter, respx_mock, login):
    respx_mock.get(status_url(DELIVERED)).respond(404, json=[])
    with pytest.raises(BadResponse):
        await adapter.track([DELIVERED])


async def test_it_sends_the_documented_requests(adapter, respx_mock, login):
    one = respx_mock.get(status_url(DELIVERED)).respond(200, json=fixture("delivered.json"))
    two = respx_mock.get(status_url(EASYBOX)).respond(200, json=fixture("easybox.json"))

    results = await adapter.track([EASYBOX, DELIVERED])

    assert [r.number for r in results] == [EASYBOX, DELIVERED]
    assert one.calls.last.request.headers["X-AUTH-TOKEN"] == TOKEN
    assert two.called and login.call_count == 1
    auth = login.calls.last.request
    assert auth.headers["X-Auth-Username"] == "shop_api"
    assert auth.headers["X-Auth-Password"] == "s3cret"
    assert auth.content == b"remember_me=1"


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_token_is_fetched_again_once(adapter, respx_mock, login, status):
    route = respx_mock.get(status_url(DELIVERED))
    route.side_effect = [
        httpx.Response(status),
        httpx.Response(200, json=fixture("delivered.json")),
    ]
    (result,) = await adapter.track([DELIVERED])
    assert result.status is Status.DELIVERED and login.call_count == 2


async def test_a_token_refused_twice_is_an_auth_error(adapter, respx_mock, login):
    respx_mock.get(status_url(DELIVERED)).respond(403)
    with pytest.raises(AuthError):
        await adapter.track([DELIVERED])


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_refused_credentials_are_an_auth_error(adapter, respx_mock, status):
    respx_mock.post(AUTH_URL).respond(status, json={"code": status, "message": "Bad credentials"})
    with pytest.raises(AuthError):
        await adapter.track([DELIVERED])


async def test_missing_credentials_are_an_auth_error(client):
    with pytest.raises(AuthError):
        await SamedayAdapter({"username": "x"}, client=client).track([DELIVERED])


def test_the_token_lives_until_expire_at_in_bucharest():
    now = utc(2026, 12, 7, 8, 23)  # 10:23 in Bucharest
    token, seconds = parse.parse_token(fixture("token.json"), now)
    assert token == TOKEN and seconds == timedelta(hours=2).total_seconds()
    assert parse.parse_token({"token": "t"}, now) == ("t", parse.FALLBACK_TOKEN_SECONDS)
    past = {"token": "t", "expire_at": "2000-01-01 00:00"}
    assert parse.parse_token(past, now) == ("t", parse.FALLBACK_TOKEN_SECONDS)
    with pytest.raises(BadResponse):
        parse.parse_token({"expire_at": "2026-12-07 12:23"}, now)


# --- faults ---


@pytest.mark.parametrize(("header", "expected"), [("30", 30.0), (None, None)])
async def test_a_429_is_rate_limited(adapter, respx_mock, login, header, expected):
    headers = {"Retry-After": header} if header else {}
    respx_mock.get(status_url(DELIVERED)).respond(429, headers=headers)
    with pytest.raises(RateLimited) as caught:
        await adapter.track([DELIVERED])
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("answer", [500, 503, httpx.ConnectTimeout("slow")])
async def test_5xx_and_timeouts_are_carrier_unavailable(adapter, respx_mock, login, answer):
    route = respx_mock.get(status_url(DELIVERED))
    if isinstance(answer, int):
        route.respond(answer)
    else:
        route.mock(side_effect=answer)
    with pytest.raises(CarrierUnavailable):
        await adapter.track([DELIVERED])


async def test_a_garbage_body_is_a_bad_response(adapter, respx_mock, login):
    respx_mock.get(status_url(DELIVERED)).respond(200, content=b"<html>oops</html>")
    with pytest.raises(BadResponse) as caught:
        await adapter.track([DELIVERED])
    assert caught.value.body == "<html>oops</html>"


# --- metadata and number formats ---


def test_it_declares_its_metadata():
    registry.reload()
    assert registry.get("sameday") is SamedayAdapter
    assert not SamedayAdapter.supports_push
    assert set(SamedayAdapter.credential_fields) == {"username", "password"}


@pytest.mark.parametrize(
    ("number", "matches"),
    [("1SDY241067423", True), ("4EMGLN159150598", True), ("012EMGXL14752602", True),
     ("1ONB123456789", True), ("1SDY241067423001", True), ("2000000000082", False),
     ("SDY241067423", False), ("1SDY24106", False), ("1Z999AA10123456784", False)],
)  # fmt: skip
def test_number_formats(number, matches):
    assert any(f.matches(number) for f in SamedayAdapter.number_formats) is matches


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "9", "78", 78, "2026-11-20T08:00:00+0200", "2026-11-20T08:00:00", "0001-01-01T00:00:00",
     "9999-12-31T23:59:59-05:00", "easybox", "returnat la expeditor", 0, -1, True, None, [], {}]
)  # fmt: skip
FUZZED = ["delivered.json", "easybox.json", "returned.json"]


def _parse(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.parse_awb_status(doc)
    with contextlib.suppress(BadResponse):
        parse.parse_token(doc, utc(2026, 12, 7))
    parse.is_error(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_json(doc):
    _parse(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda name: mutated(fixture(name), JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_fixture(doc):
    _parse(doc)
