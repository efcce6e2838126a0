"""CDEK adapter, faked at the HTTP layer with respx; payloads in tests/fixtures/cdek
(shapes from apidoc.cdek.ru / api-docs.cdek.ru, see SOURCE.md).

Rate limits, 5xx and timeouts, unusable bodies, unknown and malformed numbers and refused
credentials are rows of ``test_contract.py``; this file keeps what only CDEK does: the
OAuth token and its refresh, the delivery point with its office details in the customer's
language, the two code appendices and the refusal of unsigned webhooks.
"""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import date
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import detection, registry
from carriers.base import AuthError, BadResponse, NumberHint, PickupKind, Reason, Status
from carriers.cdek import OFFICES, CDEKAdapter, codes, parse
from tests.carriers.helpers import JSON, OAUTH, load_fixture, mutated, utc

BASE = "https://api.cdek.ru"
TOKEN_URL = f"{BASE}/v2/oauth/token"
ORDERS = f"{BASE}/v2/orders"
OFFICES_URL = f"{BASE}/v2/deliverypoints"
NUMBER, POSTAMAT = "1106207236", "1106207237"


def fixture(name: str) -> Any:
    return load_fixture("cdek", name)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> CDEKAdapter:
    return CDEKAdapter(OAUTH, client=client)


@pytest.fixture
def token(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(TOKEN_URL).respond(200, json=fixture("token.json"))


def orders(respx_mock: respx.MockRouter, name: str) -> respx.Route:
    return respx_mock.get(url__startswith=ORDERS).respond(200, json=fixture(name))


def offices(respx_mock: respx.MockRouter, name: str = "deliverypoints.json") -> respx.Route:
    return respx_mock.get(url__startswith=OFFICES_URL).respond(200, json=fixture(name))


# --- OAuth (the refresh after a 401 is in test_oauth.py) ---


async def test_the_token_is_asked_with_client_credentials_and_sent_as_bearer(
    adapter, respx_mock, token
):
    route = orders(respx_mock, "journey.json")

    await adapter.track([NUMBER])

    form = dict(httpx.QueryParams(token.calls.last.request.content.decode()))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "doorstep-client",
        "client_secret": "s3cret",
    }
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer eyJhbGciOiJSUzI1NiJ9.test-token"
    assert request.url.params["cdek_number"] == NUMBER


async def test_refused_client_credentials_are_an_auth_error(adapter, respx_mock):
    respx_mock.post(TOKEN_URL).respond(401, json=fixture("token_refused.json"))
    route = respx_mock.get(url__startswith=ORDERS)

    with pytest.raises(AuthError):
        await adapter.track([NUMBER])
    assert not route.called


# --- journeys ---


async def test_a_parcel_at_its_pvz_has_the_office_with_hours_and_storage_deadline(
    adapter, respx_mock, token
):
    orders(respx_mock, "order_at_point.json")
    office = offices(respx_mock)

    [result] = await adapter.track([NUMBER])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    codes_seen = [e.carrier_code for e in result.events]
    assert codes_seen[0] == "ACCEPTED" and codes_seen[-1] == "ACCEPTED_AT_PICK_UP_POINT"
    assert [e.occurred_at for e in result.events] == sorted(e.occurred_at for e in result.events)
    assert result.events[0].occurred_at == utc(2026, 12, 2, 7, 13, 40), "+0700 read as an offset"
    assert result.events[-1].description == "Принят на склад до востребования"
    assert result.events[-1].city == "Москва"
    assert result.estimated_delivery == date(2026, 12, 5)
    point = result.pickup_point
    assert point is not None
    assert (point.point_id, point.kind, point.name) == ("MSK71", PickupKind.SHOP, "На Тверской")
    assert (point.street, point.city, point.postal_code) == (
        "ул. Тверская, 12, стр. 2",
        "Москва",
        "125009",
    )
    assert (point.latitude, point.longitude, point.country) == (55.765032, 37.606201, "RU")
    assert point.opening_hours == "Mon–Fri 10:00–21:00, Sat–Sun 10:00–18:00", "work_time_list"
    assert point.pickup_deadline == utc(2026, 12, 11, 20, 59, 59), "keep_free_until"
    params = office.calls.last.request.url.params
    assert (params["code"], params["lang"]) == ("MSK71", "rus")
    assert result.carrier_url == f"https://www.cdek.ru/ru/tracking?order_id={NUMBER}"


@pytest.mark.parametrize(
    ("days", "worded"),
    [
        ([(d, "00:00/23:59") for d in range(1, 8)], "Mon–Sun 00:00–23:59"),
        ([(1, "09:00/20:00"), (2, "09:00/20:00"), (4, "09:00/20:00"), (6, "10:00/16:00")],
         "Mon–Tue 09:00–20:00, Thu 09:00–20:00, Sat 10:00–16:00"),
        ([], None),
        ([(8, "09:00/20:00")], None),
        ([(1, "круглосуточно")], None),
    ],
)  # fmt: skip
def test_an_office_s_week_is_worded_as_adapters_word_hours(days, worded):
    """The days in English abbreviations, so a page words them in its reader's language
    (portal/opening_hours.py), not the office's Russian ``work_time``."""
    office = {"work_time_list": [{"day": d, "time": t} for d, t in days]}
    assert parse.week_hours(office) == worded


@pytest.mark.parametrize(
    ("language", "lang"), [("en", "eng"), ("zh", "zho"), ("uk", "rus"), (None, "rus")]
)
async def test_the_office_is_asked_in_the_customers_language_when_cdek_has_it(
    adapter, respx_mock, token, language, lang
):
    orders(respx_mock, "order_at_point.json")
    office = offices(respx_mock)

    await adapter.track([NUMBER], {NUMBER: NumberHint(language=language)})

    assert office.calls.last.request.url.params["lang"] == lang


async def test_an_office_is_looked_up_once_per_language(adapter, respx_mock, token):
    orders(respx_mock, "order_at_point.json")
    office = offices(respx_mock)

    await adapter.track([NUMBER])
    await adapter.track([NUMBER])

    assert office.call_count == 1


async def test_a_failed_office_lookup_leaves_the_point_known_by_its_code(
    adapter, respx_mock, token
):
    orders(respx_mock, "order_at_point.json")
    respx_mock.get(url__startswith=OFFICES_URL).respond(503)

    [result] = await adapter.track([NUMBER])

    assert result.pickup_point is not None and result.pickup_point.point_id == "MSK71"
    assert result.pickup_point.name is None
    assert result.pickup_point.pickup_deadline == utc(2026, 12, 11, 20, 59, 59)


# --- the office, kept a week per process and account (carriers.point_cache) ---
# /v2/deliverypoints answers as deliverypoints.json ("Список офисов", see
# tests/fixtures/cdek/SOURCE.md); failures are the gateway's.


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The office cache's clock, in seconds, moved by the test."""
    moment = [1000.0]
    monkeypatch.setattr(OFFICES, "clock", lambda: moment[0])
    return moment


def offices_answering(respx_mock: respx.MockRouter, *answers: Any) -> respx.Route:
    """``/v2/deliverypoints`` giving ``answers`` (responses or errors) in turn."""
    return respx_mock.get(url__startswith=OFFICES_URL).mock(side_effect=list(answers))


def office() -> httpx.Response:
    return httpx.Response(200, json=fixture("deliverypoints.json"))


async def office_name_on_a_poll(adapter: CDEKAdapter) -> str | None:
    """One poll of the order waiting at MSK71: it is tracked whatever the lookup did."""
    [result] = await adapter.track([NUMBER])
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point is not None and result.pickup_point.point_id == "MSK71"
    assert result.pickup_point.pickup_deadline == utc(2026, 12, 11, 20, 59, 59)
    return result.pickup_point.name


async def test_an_office_is_not_asked_again_for_a_week(adapter, respx_mock, token, now):
    orders(respx_mock, "order_at_point.json")
    lookup = offices_answering(respx_mock, office(), office())

    assert await office_name_on_a_poll(adapter) == "На Тверской"
    now[0] += OFFICES.fresh_for - 1
    assert await office_name_on_a_poll(adapter) == "На Тверской"
    assert lookup.call_count == 1, "fresh: not asked again"
    now[0] += 1
    assert await office_name_on_a_poll(adapter) == "На Тверской"
    assert lookup.call_count == 2, "a week on, asked again"


async def test_a_failed_office_lookup_is_not_asked_again_before_its_backoff(
    adapter, respx_mock, token, now
):
    orders(respx_mock, "order_at_point.json")
    lookup = offices_answering(
        respx_mock, httpx.Response(503), httpx.ReadTimeout("timed out"), office()
    )

    assert await office_name_on_a_poll(adapter) is None
    now[0] += OFFICES.first_retry - 1
    assert await office_name_on_a_poll(adapter) is None
    assert lookup.call_count == 1, "the next poll does not ask"
    now[0] += 1
    assert await office_name_on_a_poll(adapter) is None
    assert lookup.call_count == 2, "asked after the backoff, failed again"
    now[0] += OFFICES.first_retry
    assert await office_name_on_a_poll(adapter) is None
    assert lookup.call_count == 2, "the second wait is twice the first"
    now[0] += OFFICES.first_retry
    assert await office_name_on_a_poll(adapter) == "На Тверской"
    assert lookup.call_count == 3


async def test_a_known_office_is_kept_while_its_refresh_fails(adapter, respx_mock, token, now):
    orders(respx_mock, "order_at_point.json")
    lookup = offices_answering(respx_mock, office(), httpx.Response(500))

    assert await office_name_on_a_poll(adapter) == "На Тверской"
    now[0] += OFFICES.fresh_for

    assert await office_name_on_a_poll(adapter) == "На Тверской"
    assert lookup.call_count == 2


async def test_one_accounts_failed_lookup_does_not_hold_back_anothers(
    client, respx_mock, token, now
):
    orders(respx_mock, "order_at_point.json")
    lookup = offices_answering(respx_mock, httpx.Response(503), office())
    failing = CDEKAdapter({"client_id": "other-shop", "client_secret": "x"}, client=client)

    assert await office_name_on_a_poll(failing) is None
    assert await office_name_on_a_poll(CDEKAdapter(OAUTH, client=client)) == "На Тверской"
    assert lookup.call_count == 2


async def test_a_postamat_is_a_locker_and_deleted_statuses_are_dropped(adapter, respx_mock, token):
    orders(respx_mock, "order_postamat.json")
    offices(respx_mock, "deliverypoints_postamat.json")

    [result] = await adapter.track([POSTAMAT])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert "TAKEN_BY_COURIER" not in [e.carrier_code for e in result.events]
    assert result.pickup_point and result.pickup_point.kind is PickupKind.LOCKER
    assert result.pickup_point.point_id == "MSK2304"
    assert result.pickup_point.opening_hours == "Mon–Sun 00:00–23:59", "around the clock"


async def test_a_delivered_order_has_its_time_and_signer_and_no_point(adapter, respx_mock, token):
    orders(respx_mock, "journey.json")
    office = offices(respx_mock)

    [result] = await adapter.track([NUMBER])

    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 12, 5, 15, 44, 9)
    assert result.signed_by == "Смирнова Анна Сергеевна"
    assert result.pickup_point is None and result.estimated_delivery is None
    assert not office.called, "no office lookup for an order that is no longer going there"


async def test_an_order_not_collected_in_time_is_returned_as_not_collected(
    adapter, respx_mock, token
):
    orders(respx_mock, "order_not_delivered.json")

    [result] = await adapter.track([NUMBER])

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.events[-2].status is Status.EXCEPTION, "on its way back to the sender's city"
    assert result.pickup_point is None


# --- the code tables ---


@pytest.mark.parametrize(("code", "outcome"), list(codes.CODES.items()))
def test_every_appendix_1_status_maps_as_the_table_says(code, outcome):
    assert codes.classify(code) == outcome
    status, reason = outcome
    assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))


@pytest.mark.parametrize(("reason_code", "reason"), list(codes.REASONS.items()))
def test_every_appendix_2_reason_refines_a_return(reason_code, reason):
    assert codes.classify("NOT_DELIVERED", "Не вручен", reason_code) == (
        Status.RETURNED_TO_SENDER,
        reason,
    )


def test_a_reason_code_never_rewrites_a_delivery():
    assert codes.classify("DELIVERED", "Вручен", "20") == (Status.DELIVERED, None)


def test_an_unknown_status_is_read_from_its_words():
    assert codes.classify("READY_FOR_PICKUP_IN_POSTOMAT", "Готов к выдаче в постамате")[0] is (
        Status.AVAILABLE_FOR_PICKUP
    )
    assert codes.classify("SOMETHING_NEW", "Новый статус") == codes.DEFAULT


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        result = parse.parse_order(copy.deepcopy(doc))
        parse.pickup_point(result, doc, None)
    with contextlib.suppress(BadResponse):
        parse.is_refusal(doc)
        parse.errors_of(doc)
    with contextlib.suppress(BadResponse):
        parse.parse_delivery_point(doc, "MSK71")


FUZZED = [
    "order_at_point.json",
    "order_not_delivered.json",
    "not_found.json",
    "deliverypoints.json",
]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_json(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda name: mutated(fixture(name))))
def test_the_parser_raises_only_bad_response_on_a_mutated_fixture(doc):
    _parse_or_bad_response(doc)


# --- push: CDEK's webhooks are unsigned ---


def test_an_unsigned_cdek_webhook_is_refused_and_push_is_not_offered(adapter):
    body = json.dumps(
        {
            "type": "ORDER_STATUS",
            "date_time": "2026-12-04T09:12:30+0300",
            "uuid": "72753031-1d7a-4b0c-9bb6-0b6ee8a3d8a1",
            "attributes": {
                "is_return": False,
                "cdek_number": NUMBER,
                "code": "DELIVERED",
                "status_code": "4",
                "status_date_time": "2026-12-04T09:12:30+0300",
                "city_name": "Москва",
                "city_code": "44",
            },
        }
    ).encode()

    assert CDEKAdapter.supports_push is False
    assert adapter.verify_webhook({"Content-Type": "application/json"}, body) is False
    with pytest.raises(BadResponse):
        adapter.parse_webhook(body)


# --- storage deadline and detection ---


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-12-11T20:59:59Z", utc(2026, 12, 11, 20, 59, 59)),
        ("2026-10-05", utc(2026, 10, 5, 20, 59, 59)),  # a bare date: its end, Moscow time
        (None, None),
    ],
)
def test_the_free_storage_deadline_is_read_as_cdek_gives_it(stamp, expected):
    doc = {"entity": {"cdek_number": NUMBER, "keep_free_until": stamp}}
    assert parse.keep_free_until(doc) == expected


@pytest.mark.parametrize("number", [NUMBER, "10000000001"])
def test_order_numbers_are_proposed_for_cdek(number):
    registry.reload()
    assert "cdek" in [key for key, _ in detection.detect(number)]


@pytest.mark.parametrize("number", ["110620723", "110620723612", "CDEK1106207236"])
def test_other_numbers_are_not(number):
    registry.reload()
    assert "cdek" not in [key for key, _ in detection.detect(number)]


def test_it_takes_hints_but_its_status_names_come_in_russian_only():
    assert CDEKAdapter.accepts_hints is True
    assert CDEKAdapter.answer_languages == frozenset(), "the orders method takes no language"
