"""Russian Post: zeep over httpx, faked by respx; answers in tests/fixtures/russian_post/.

Rate limits, 5xx and timeouts, unusable bodies, unknown numbers and refused credentials are
rows of ``test_contract.py``; this file keeps what only Russian Post does.
"""

from __future__ import annotations

import contextlib
import copy
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from carriers import detection, registry
from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    NumberHint,
    PickupKind,
    PickupPoint,
    RateLimited,
    Reason,
    Status,
)
from carriers.checkdigits import russian_post14_check
from carriers.russian_post import RussianPostAdapter, codes, parse, soap
from tests.carriers.helpers import JSON, SoapFake, load_fixture, mutated, utc

URL = "https://tracking.russianpost.ru/rtm34"
NUMBER = "EA123456785RU"
RUSSIAN_POST = SoapFake(
    "russian_post", URL, soap, "getOperationHistory", "application/soap+xml; charset=utf-8"
)
DATA = "{http://russianpost.org/operationhistory/data}"
ENVELOPE11 = "{http://schemas.xmlsoap.org/soap/envelope/}"


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> RussianPostAdapter:
    return RussianPostAdapter({"login": "shop_login", "password": "s3cret"}, client=client)


async def track_fixture(adapter, respx_mock, name: str, status: int = 200) -> Any:
    RUSSIAN_POST.route(respx_mock, name, status)
    (result,) = await adapter.track([NUMBER])
    return result


# --- journeys and post offices ---


async def test_it_reads_a_delivered_parcel(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "delivered.xml")

    assert result.number == NUMBER and not result.not_found
    assert (result.status, result.reason) == (Status.DELIVERED, None)
    assert [e.carrier_code for e in result.events] == [
        "1.1",
        "8.1",
        "8.3",
        "8.4",
        "8.2",
        "8.18",
        "2.6",
    ]
    assert [e.status for e in result.events] == [
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.AVAILABLE_FOR_PICKUP,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]
    first = result.events[0]
    assert first.occurred_at == utc(2026, 11, 18, 15, 8)  # 18:08 Moscow time (+03:00)
    assert (first.description, first.city, first.postal_code, first.country) == (
        "Прием, Единичный",
        "Москва 555",
        "111555",
        "RU",
    )
    assert result.delivered_at == utc(2026, 11, 21, 7, 47)  # 14:47 in Norilsk (+07:00)
    assert result.pickup_point is None
    assert result.carrier_url == f"https://www.pochta.ru/tracking?barcode={NUMBER}"


async def test_a_notice_leaves_the_parcel_at_the_post_office(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "awaiting_pickup.xml")

    assert (result.status, result.reason) == (Status.AVAILABLE_FOR_PICKUP, None)
    assert result.events[-1].description == "Обработка, Направлено извещение"
    assert result.pickup_point == PickupPoint(
        point_id="663300",
        kind=PickupKind.POST_OFFICE,
        name="Норильск Почтамт",
        postal_code="663300",
        country="RU",
    )


async def test_a_parcel_locker_is_a_locker(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "locker.xml")

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point is not None
    assert (result.pickup_point.kind, result.pickup_point.point_id) == (PickupKind.LOCKER, "125009")


async def test_a_return_after_the_storage_period_is_not_collected(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "returned.xml")

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.pickup_point is None and result.delivered_at is None


async def test_a_failed_attempt_gives_its_cause(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "failed_attempt.xml")

    assert (result.status, result.reason) == (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)
    assert result.events[-1].carrier_code == "12.1"


def _with_last_operation(
    oper_type: int, attr: int | None, names: tuple[str, str] = ("", "")
) -> Any:
    doc = RUSSIAN_POST.answer("awaiting_pickup.xml")
    operation = doc[-1]["OperationParameters"]
    operation["OperType"] = {"Id": oper_type, "Name": names[0] or None}
    operation["OperAttr"] = None if attr is None else {"Id": attr, "Name": names[1] or None}
    return doc


def _split(code: str) -> tuple[int, int | None]:
    oper_type, _, attr = code.partition(".")
    return int(oper_type), int(attr) if attr else None


@pytest.mark.parametrize(("code", "outcome"), list(codes.CODES.items()))
def test_every_operation_maps_as_the_table_says(code, outcome):
    result = parse.parse_history(NUMBER, _with_last_operation(*_split(code)))

    assert result.events[-1].carrier_code == code
    assert (result.events[-1].status, result.events[-1].reason) == outcome
    status, reason = outcome
    if status is Status.RETURNED_TO_SENDER and reason is None:
        reason = Reason.NOT_COLLECTED  # after the fixture's notice
    assert (result.status, result.reason) == (status, reason)
    assert (result.pickup_point is not None) == (status is Status.AVAILABLE_FOR_PICKUP)


def test_the_dictionary_is_covered_and_stays_in_the_vocabulary():
    listed = {str(t) for t in codes.OPERATIONS} | {
        f"{t}.{a}" for t, (_, _, attrs) in codes.OPERATIONS.items() for a in attrs
    }
    assert set(codes.CODES) == listed
    assert set(codes.ATTRIBUTE_OUTCOMES) <= set(codes.CODES), "an override for no operation"
    assert set(codes.CODES) >= codes.LOCKER_CODES | codes.NOTICE_CODES
    for status, reason in [*codes.CODES.values(), *(o for _, o in codes.WORDING)]:
        assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))
        assert status is not Status.EXPIRED, "expired is Doorstep's own timeout"
    for phrases, _ in codes.WORDING:
        assert all(phrase == codes.normalise(phrase) for phrase in phrases)


@pytest.mark.parametrize(
    ("oper_type", "attr", "names", "expected"),
    [
        (2, 99, ("Вручение", "Новый вид вручения"), (Status.DELIVERED, None)),  # the type's
        (12, 99, ("", ""), (Status.FAILED_ATTEMPT, None)),
        (99, None, ("Возврат отправителю", ""), (Status.RETURNED_TO_SENDER, None)),
        (99, 1, ("Processing", "Arrived at parcel locker"), (Status.AVAILABLE_FOR_PICKUP, None)),
        (99, None, ("Передано почтальону", ""), (Status.OUT_FOR_DELIVERY, None)),
        (99, None, ("Новая операция", ""), (Status.IN_TRANSIT, None)),
    ],
)
def test_an_operation_not_in_the_dictionary_falls_back(oper_type, attr, names, expected):
    text = ", ".join(filter(None, names))
    assert codes.classify(oper_type, attr, text) == expected


def test_events_are_sorted_oldest_first_whatever_the_order_sent():
    doc = RUSSIAN_POST.answer("delivered.xml")
    doc.reverse()

    result = parse.parse_history(NUMBER, doc)

    assert [e.carrier_code for e in result.events][:2] == ["1.1", "8.1"]
    assert result.status is Status.DELIVERED


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d[0]["OperationParameters"].pop("OperType"),
        lambda d: d[0]["OperationParameters"].update(OperDate=None),
        lambda d: d[0]["OperationParameters"].update(OperDate="вчера"),
        lambda d: d[0]["OperationParameters"]["OperType"].update(Id="восемь"),
        lambda d: d[0]["OperationParameters"]["OperAttr"].update(Id=True),
        lambda d: d.append("not a record"),
    ],
)
def test_it_rejects_what_it_cannot_read(mutate):
    doc = RUSSIAN_POST.answer("delivered.xml")
    mutate(doc)

    with pytest.raises(BadResponse):
        parse.parse_history(NUMBER, doc)


# --- faults and credentials ---


async def test_an_authorization_fault_is_an_auth_error(adapter, respx_mock):
    with pytest.raises(AuthError):
        await track_fixture(adapter, respx_mock, "auth_fault.xml", status=500)


async def test_a_language_fault_is_a_bad_response(adapter, respx_mock):
    with pytest.raises(BadResponse):
        await track_fixture(adapter, respx_mock, "language_fault.xml", status=500)


async def test_another_fault_is_carrier_unavailable(adapter, respx_mock):
    with pytest.raises(CarrierUnavailable):
        await track_fixture(adapter, respx_mock, "server_fault.xml", status=500)


async def test_an_operation_history_fault_is_not_found(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "unknown_number.xml", status=500)

    assert result.not_found and result.events == []
    assert result.carrier_url == f"https://www.pochta.ru/tracking?barcode={NUMBER}"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Превышен лимит запросов", RateLimited),
        ("Daily request limit exceeded", RateLimited),
        ("Внутренняя ошибка сервиса", CarrierUnavailable),
    ],
)
async def test_an_operation_history_fault_about_the_quota_or_the_service_is_no_verdict(
    adapter, respx_mock, text, error
):
    body = RUSSIAN_POST.xml("unknown_number.xml").replace(
        "Некорректный штрихкод".encode(), text.encode()
    )
    respx_mock.post(URL).respond(500, content=body, headers=RUSSIAN_POST.headers)

    with pytest.raises(error):
        await adapter.track([NUMBER])


async def test_without_credentials_nothing_is_asked(client, respx_mock):
    route = RUSSIAN_POST.route(respx_mock, "delivered.xml")

    with pytest.raises(AuthError):
        await RussianPostAdapter({"login": "shop"}, client=client).track([NUMBER])
    assert not route.called
    assert await RussianPostAdapter({}, client=client).track([]) == []


# --- request shape and language ---


async def test_it_sends_the_documented_request(adapter, respx_mock):
    route = RUSSIAN_POST.route(respx_mock, "delivered.xml")

    (result,) = await adapter.track(["ea 1234 5678 5ru"])

    request = route.calls.last.request
    assert request.headers["Content-Type"].startswith("application/soap+xml")  # SOAP 1.2
    body = etree.fromstring(request.content).find(
        ".//{http://russianpost.org/operationhistory}getOperationHistory"
    )
    assert body is not None
    assert body.findtext(f"{DATA}OperationHistoryRequest/{DATA}Barcode") == NUMBER
    assert body.findtext(f"{DATA}OperationHistoryRequest/{DATA}MessageType") == "0"
    assert body.findtext(f"{DATA}OperationHistoryRequest/{DATA}Language") == "RUS"
    header = body.find(f"{DATA}AuthorizationHeader")
    assert header is not None and header.get(f"{ENVELOPE11}mustUnderstand") == "1"
    assert (header.findtext(f"{DATA}login"), header.findtext(f"{DATA}password")) == (
        "shop_login",
        "s3cret",
    )
    assert result.number == "ea 1234 5678 5ru"  # as asked


@pytest.mark.parametrize(
    ("hint", "language"),
    [
        (NumberHint(language="en"), "ENG"),
        (NumberHint(language="ru"), "RUS"),
        (NumberHint(language="uk"), "RUS"),  # not offered: the service's default
        (NumberHint(phone="+79001234567"), "RUS"),
        (None, "RUS"),
    ],
)
async def test_it_asks_in_the_customers_language_when_offered(adapter, respx_mock, hint, language):
    route = RUSSIAN_POST.route(respx_mock, "delivered.xml")

    await adapter.track([NUMBER], {NUMBER: hint} if hint else {})

    sent = etree.fromstring(route.calls.last.request.content)
    assert sent.findtext(f".//{DATA}Language") == language
    assert RussianPostAdapter.accepts_hints and RussianPostAdapter.answer_languages == {"ru", "en"}


async def test_it_makes_one_call_per_number_and_keeps_the_order(adapter, respx_mock):
    def reply(request: httpx.Request) -> httpx.Response:
        barcode = etree.fromstring(request.content).findtext(f".//{DATA}Barcode")
        name = "delivered.xml" if barcode == NUMBER else "not_found.xml"
        return RUSSIAN_POST.reply(name)

    route = respx_mock.post(URL).mock(side_effect=reply)
    adapter.rate_limit = 1000.0  # keep the test fast; the pacing itself is the base class's

    results = await adapter.track(["RA987654326RU", NUMBER])

    assert [r.not_found for r in results] == [True, False]
    assert [r.number for r in results] == ["RA987654326RU", NUMBER]
    assert route.call_count == 2


def test_it_offers_no_push(adapter):
    assert not RussianPostAdapter.supports_push
    assert adapter.verify_webhook({}, b"{}") is False


# --- numbers ---


def test_the_check_digit_of_a_domestic_number():
    assert russian_post14_check("1115558600123") == 4
    assert russian_post14_check("6633028600456") == 7


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (NUMBER, [("russian_post", detection.S10_CONFIDENCE)]),
        ("EA123456784RU", []),  # mistyped S10 check digit
        ("11155586001234", [("russian_post", 0.6)]),
        ("111 555 86 00123 4", [("russian_post", 0.6)]),
        ("11155586001235", []),  # mistyped check digit
        ("01155586001230", []),  # no postcode starts with 0
    ],
)
def test_detection_proposes_russian_post(number, expected):
    registry.reload()
    found = [c for c in detection.detect(number) if c[0] == "russian_post"]
    assert found == expected


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "2026-11-20T08:00:00.000+03:00", "2026-13-45T99:99", "Обработка", 0, -1, 2, 8, 99,
     1e308, float("nan"), True, None, [], {}]
)  # fmt: skip

FUZZED = ["delivered.xml", "awaiting_pickup.xml", "returned.xml", "locker.xml"]
SERIALISED = {name: RUSSIAN_POST.answer(name) for name in FUZZED}


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.parse_history(NUMBER, copy.deepcopy(doc))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_input(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda n: mutated(SERIALISED[n], JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_answer(doc):
    _parse_or_bad_response(doc)


# --- the post office, looked up in the Otpravka API ---
# GET https://otpravka-api.pochta.ru/postoffice/1.0/{postal-code}, "Поиск почтового
# отделения по индексу": https://otpravka.pochta.ru/specification#/services-postoffice
# (answer: tests/fixtures/russian_post/postoffice_663300.json, SOURCE.md there).

OFFICE_URL = "https://otpravka-api.pochta.ru/postoffice/1.0/663300"
OTPRAVKA = {"otpravka_token": "otp-token-1f2e", "otpravka_key": "c2hvcDpwYXJvbA=="}


@pytest.fixture
def otpravka_adapter(client: httpx.AsyncClient) -> RussianPostAdapter:
    return RussianPostAdapter(
        {"login": "shop_login", "password": "s3cret", **OTPRAVKA}, client=client
    )


def office_answer() -> httpx.Response:
    return httpx.Response(200, json=load_fixture("russian_post", "postoffice_663300.json"))


async def test_a_waiting_parcel_gets_its_offices_street_and_hours(otpravka_adapter, respx_mock):
    office = respx_mock.get(OFFICE_URL).mock(return_value=office_answer())

    result = await track_fixture(otpravka_adapter, respx_mock, "awaiting_pickup.xml")

    assert result.pickup_point == PickupPoint(
        point_id="663300",
        kind=PickupKind.POST_OFFICE,
        name="Норильск Почтамт",
        street="Ленинский пр-кт, 22",
        city="Норильск",
        postal_code="663300",
        country="RU",
        latitude=69.348623,
        longitude=88.189548,
        opening_hours="Mon–Fri 08:00–20:00, Sat 09:00–13:00/14:00–18:00",
    )
    request = office.calls.last.request
    assert request.headers["Authorization"] == "AccessToken otp-token-1f2e"
    assert request.headers["X-User-Authorization"] == "Basic c2hvcDpwYXJvbA=="


async def test_an_office_is_looked_up_once_for_many_parcels(otpravka_adapter, respx_mock):
    office = respx_mock.get(OFFICE_URL).mock(return_value=office_answer())
    RUSSIAN_POST.route(respx_mock, "awaiting_pickup.xml")
    otpravka_adapter.rate_limit = 1000.0  # keep the test fast

    first, second = await otpravka_adapter.track([NUMBER, "RA644000001RU"])

    assert office.call_count == 1
    assert first.pickup_point == second.pickup_point
    assert first.pickup_point is not None and first.pickup_point.street == "Ленинский пр-кт, 22"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"code": "1001", "desc": "Unauthorized"}),
        httpx.Response(500),
        httpx.Response(404),
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.ConnectTimeout("timed out"),
    ],
    ids=["401", "500", "404", "not-json", "timeout"],
)
async def test_a_failed_lookup_keeps_the_index_and_tracking_succeeds(
    otpravka_adapter, respx_mock, answer
):
    office = respx_mock.get(OFFICE_URL)
    if isinstance(answer, Exception):
        office.mock(side_effect=answer)
    else:
        office.mock(return_value=answer)

    result = await track_fixture(otpravka_adapter, respx_mock, "awaiting_pickup.xml")

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point == PickupPoint(
        point_id="663300",
        kind=PickupKind.POST_OFFICE,
        name="Норильск Почтамт",
        postal_code="663300",
        country="RU",
    )
    assert office.called


async def test_one_shops_wrong_credentials_do_not_hold_back_anothers_lookups(
    client, otpravka_adapter, respx_mock
):
    """The offices are shared by every shop's parcels, their lookups' failures are not:
    a refused key backs off its own account's lookups only."""

    def by_key(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "AccessToken otp-token-1f2e":
            return office_answer()
        return httpx.Response(401, json={"code": "1001", "desc": "Unauthorized"})

    respx_mock.get(OFFICE_URL).mock(side_effect=by_key)
    wrong = RussianPostAdapter(
        {"login": "other", "password": "x", "otpravka_token": "stale", "otpravka_key": "eA=="},
        client=client,
    )
    refused = await track_fixture(wrong, respx_mock, "awaiting_pickup.xml")
    found = await track_fixture(otpravka_adapter, respx_mock, "awaiting_pickup.xml")

    assert refused.pickup_point is not None and refused.pickup_point.street is None
    assert found.pickup_point is not None and found.pickup_point.street == "Ленинский пр-кт, 22"


async def test_a_failed_lookup_is_retried_after_a_growing_backoff(otpravka_adapter, respx_mock):
    from carriers.russian_post import OFFICES

    now = [1000.0]
    OFFICES.clock = lambda: now[0]
    try:
        office = respx_mock.get(OFFICE_URL).mock(
            side_effect=[httpx.Response(503), httpx.Response(503), office_answer()]
        )
        RUSSIAN_POST.route(respx_mock, "awaiting_pickup.xml")

        async def street() -> str | None:
            (result,) = await otpravka_adapter.track([NUMBER])
            return result.pickup_point.street

        assert await street() is None and office.call_count == 1
        now[0] += OFFICES.first_retry - 1
        assert await street() is None and office.call_count == 1  # backing off: not asked
        now[0] += 1
        assert await street() is None and office.call_count == 2  # asked again, failed again
        now[0] += OFFICES.first_retry  # the second wait is twice the first
        assert await street() is None and office.call_count == 2
        now[0] += OFFICES.first_retry
        assert await street() == "Ленинский пр-кт, 22" and office.call_count == 3
        now[0] += OFFICES.fresh_for - 1
        assert await street() == "Ленинский пр-кт, 22" and office.call_count == 3
    finally:
        OFFICES.clock = time.monotonic


async def test_a_known_office_is_kept_while_its_refresh_fails(otpravka_adapter, respx_mock):
    from carriers.russian_post import OFFICES

    now = [1000.0]
    OFFICES.clock = lambda: now[0]
    try:
        office = respx_mock.get(OFFICE_URL).mock(side_effect=[office_answer(), httpx.Response(500)])
        RUSSIAN_POST.route(respx_mock, "awaiting_pickup.xml")
        await otpravka_adapter.track([NUMBER])
        now[0] += OFFICES.fresh_for + 1

        (result,) = await otpravka_adapter.track([NUMBER])

        assert office.call_count == 2
        assert result.pickup_point.street == "Ленинский пр-кт, 22"
    finally:
        OFFICES.clock = time.monotonic


@pytest.mark.parametrize(
    "credentials",
    [{}, {"otpravka_token": "otp-token-1f2e"}, {"otpravka_key": "c2hvcDpwYXJvbA=="}],
    ids=["none", "token-only", "key-only"],
)
async def test_without_the_otpravka_credentials_no_office_is_looked_up(
    client, respx_mock, credentials
):
    office = respx_mock.get(OFFICE_URL).mock(return_value=office_answer())
    adapter = RussianPostAdapter({"login": "l", "password": "p", **credentials}, client=client)

    result = await track_fixture(adapter, respx_mock, "awaiting_pickup.xml")

    assert not office.called
    assert result.pickup_point is not None and result.pickup_point.street is None


async def test_a_parcel_not_waiting_is_not_looked_up(otpravka_adapter, respx_mock):
    office = respx_mock.get(OFFICE_URL).mock(return_value=office_answer())

    await track_fixture(otpravka_adapter, respx_mock, "delivered.xml")

    assert not office.called


def test_an_answer_for_another_office_is_refused():
    seen = PickupPoint(point_id="663300", postal_code="663300")
    doc = load_fixture("russian_post", "postoffice_663300.json") | {"postal-code": "101000"}

    with pytest.raises(BadResponse):
        parse.parse_office(doc, seen)


def test_office_hours_word_closed_days_and_breaks():
    day = {"begin-worktime": "09:00:00.000", "end-worktime": "18:00:00.000"}
    doc = {
        "working-hours": [
            day | {"weekday-id": 1},
            day | {"weekday-id": 2, "lunches": [
                {"begin-lunchtime": "12:30:00.000", "end-lunchtime": "13:15:00.000"}
            ]},
            {"weekday-id": 3, "lunches": []},
            day | {"weekday-id": 4},
            {"begin-worktime": "9:00", "end-worktime": "18:00", "weekday-id": 5},
        ]
    }  # fmt: skip

    assert parse.office_hours(doc) == (
        "Mon 09:00–18:00, Tue 09:00–12:30/13:15–18:00, Thu–Fri 09:00–18:00"
    )
    assert parse.office_hours({}) is None
