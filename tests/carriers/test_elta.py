"""ELTA Courier: zeep over httpx, faked by respx; answers in tests/fixtures/elta/.

Rate limits, 5xx and timeouts, unusable bodies, unknown vouchers and refused credentials
are rows of ``test_contract.py``; this file keeps what only ELTA Courier does.
"""

from __future__ import annotations

import contextlib
import copy
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
    PickupKind,
    PickupPoint,
    Reason,
    Status,
)
from carriers.elta import EltaAdapter, codes, parse, soap
from tests.carriers.helpers import JSON, SoapFake, mutated, utc

URL = "http://212.205.47.226:9003"
NUMBER = "NZ123456785GR"
ELTA = SoapFake("elta", URL, soap, "READ")
NS = "{/PELTT01}"
CREDENTIALS = {"sender_code": "010101", "user_code": "0011111", "password": "a11111"}
STATION = "ΘΕΣΣΑΛΟΝΙΚΗ - ΚΑΤΑΣΤΗΜΑ ΚΑΛΑΜΑΡΙΑΣ"


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> EltaAdapter:
    return EltaAdapter(CREDENTIALS, client=client)


async def track_fixture(adapter, respx_mock, name: str, status: int = 200) -> Any:
    ELTA.route(respx_mock, name, status)
    (result,) = await adapter.track([NUMBER])
    return result


# --- journeys ---


async def test_it_reads_a_delivered_voucher(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "delivered.xml")

    assert result.number == NUMBER and not result.not_found
    assert (result.status, result.reason) == (Status.DELIVERED, None)
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]  # oldest first, the three blank padding rows left out
    first = result.events[0]
    assert first.occurred_at == utc(2026, 11, 18, 7, 12)  # 09:12 in Athens, EET
    assert (first.description, first.carrier_code) == (
        "Δημιουργία ΣΥ.ΔΕ.ΤΑ.",
        "ΔΗΜΙΟΥΡΓΙΑ ΣΥ.ΔΕ.ΤΑ.",
    )
    assert (first.city, first.country) == ("ΑΘΗΝΑ - ΚΑΤΑΣΤΗΜΑ ΑΜΠΕΛΟΚΗΠΩΝ", "GR")
    assert result.delivered_at == utc(2026, 11, 20, 11, 42)
    assert result.signed_by == "ΠΑΠΑΔΟΠΟΥΛΟΥ Μ"
    assert result.pickup_point is None
    assert result.carrier_url == f"https://www.elta-courier.gr/search?br={NUMBER}"


async def test_a_voucher_waiting_at_the_station_after_a_failed_attempt(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "awaiting_pickup.xml")

    assert (result.status, result.reason) == (Status.AVAILABLE_FOR_PICKUP, None)
    attempt = result.events[-2]
    assert (attempt.status, attempt.reason) == (
        Status.FAILED_ATTEMPT,
        Reason.RECIPIENT_UNAVAILABLE,
    )
    assert result.pickup_point == PickupPoint(
        point_id=STATION, kind=PickupKind.POST_OFFICE, name=STATION, country="GR"
    )


async def test_a_return_after_waiting_is_not_collected(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "returned.xml")

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.pickup_point is None and result.delivered_at is None


async def test_a_voucher_only_created_is_info_received(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "created.xml")

    assert result.status is Status.INFO_RECEIVED and len(result.events) == 1


def _with_title(title: str) -> Any:
    doc = ELTA.answer("created.xml")
    doc["web_status"][0]["web_status_title"] = title
    return doc


@pytest.mark.parametrize(("title", "outcome"), list(codes.CODES.items()))
def test_every_title_maps_as_the_table_says(title, outcome):
    result = parse.parse_answer(NUMBER, _with_title(title.lower()))

    assert (result.status, result.reason) == outcome
    assert result.events[-1].carrier_code == title


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Αδυναμία παράδοσης - Άρνηση παραλαβής", (Status.FAILED_ATTEMPT, Reason.REFUSED)),
        (
            "ΑΔΥΝΑΜΙΑ ΠΑΡΑΔΟΣΗΣ - ΛΑΝΘΑΣΜΕΝΗ ΔΙΕΥΘΥΝΣΗ",
            (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE),
        ),
        ("Επιστροφή στον αποστολέα", (Status.RETURNED_TO_SENDER, None)),
        ("Άρνηση παραλαβής από τον παραλήπτη", (Status.FAILED_ATTEMPT, Reason.REFUSED)),
        ("Η αποστολή παραδόθηκε στον παραλήπτη", (Status.DELIVERED, None)),
        ("Παραμένει στο κατάστημα", (Status.AVAILABLE_FOR_PICKUP, None)),
        ("Απώλεια αποστολής", (Status.EXCEPTION, Reason.LOST)),
        ("Αναχώρηση από κέντρο διαλογής", (Status.IN_TRANSIT, None)),
    ],
)
def test_other_titles_are_read_by_their_wording(title, expected):
    assert codes.classify(title) == expected


def test_the_tables_stay_in_the_vocabulary():
    for status, reason in [*codes.CODES.values(), *(o for _, o in codes.WORDING), codes.DEFAULT]:
        assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))
        assert status is not Status.EXPIRED
    for title in codes.CODES:
        assert title == codes.normalise(title), f"{title!r} could never match"
    for phrases, _ in [*codes.WORDING, *codes.REASONS]:
        assert all(phrase == codes.normalise(phrase) for phrase in phrases)


def test_rows_past_the_counter_are_ignored():
    doc = ELTA.answer("delivered.xml")
    doc["web_status_counter"] = 2

    result = parse.parse_answer(NUMBER, doc)

    assert [e.status for e in result.events] == [Status.OUT_FOR_DELIVERY, Status.DELIVERED]


def test_summer_times_are_read_in_athens():
    doc = _with_title("Άφιξη σε")
    doc["web_status"][0].update(web_date="20270701", web_time="1200")

    assert parse.parse_answer(NUMBER, doc).events[0].occurred_at == utc(2027, 7, 1, 9, 0)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["web_status"][0].update(web_date="2026-11-18"),
        lambda d: d["web_status"][0].update(web_time="25:99"),
        lambda d: d["web_status"][0].update(web_status_title=None),
        lambda d: d.update(pod_date="yesterday"),
        lambda d: d.update(web_status="row"),
        lambda d: d.update(st_flag="0"),
    ],
)
def test_it_rejects_what_it_cannot_read(mutate):
    doc = ELTA.answer("delivered.xml")
    mutate(doc)

    with pytest.raises(BadResponse):
        parse.answer_flag(doc)
        parse.parse_answer(NUMBER, doc)


# --- answer flags and faults ---


async def test_a_refused_code_is_an_auth_error(adapter, respx_mock):
    with pytest.raises(AuthError):
        await track_fixture(adapter, respx_mock, "auth_refused.xml")


async def test_an_unknown_voucher_is_not_found(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "not_found.xml")

    assert (
        result.not_found and result.carrier_url == f"https://www.elta-courier.gr/search?br={NUMBER}"
    )


async def test_another_error_flag_is_carrier_unavailable(adapter, respx_mock):
    with pytest.raises(CarrierUnavailable, match="99"):
        await track_fixture(adapter, respx_mock, "other_error.xml")


async def test_a_soap_fault_is_carrier_unavailable(adapter, respx_mock):
    with pytest.raises(CarrierUnavailable):
        await track_fixture(adapter, respx_mock, "server_fault.xml", status=500)


async def test_missing_credentials_are_refused_before_any_call(client, respx_mock):
    route = ELTA.route(respx_mock, "delivered.xml")

    with pytest.raises(AuthError, match="user_code"):
        await EltaAdapter({"sender_code": "010101", "password": "x"}, client=client).track([NUMBER])
    assert not route.called


# --- request shape ---


async def test_it_sends_the_documented_request(adapter, respx_mock):
    route = ELTA.route(respx_mock, "delivered.xml")

    (result,) = await adapter.track(["nz 123 456 785 gr"])

    request = route.calls.last.request
    assert request.headers["SOAPAction"] == '""'
    assert request.headers["Content-Type"].startswith("text/xml")
    read = etree.fromstring(request.content).find(f".//{NS}READ")
    assert read is not None
    assert [(child.tag, child.text) for child in read] == [
        (f"{NS}wpel_code", "010101"),
        (f"{NS}wpel_user", "0011111"),
        (f"{NS}wpel_pass", "a11111"),
        (f"{NS}wpel_vg", NUMBER),
        (f"{NS}wpel_ref", None),
        (f"{NS}wpel_flag", "1"),  # search by voucher number
    ]
    assert result.number == "nz 123 456 785 gr"


async def test_it_makes_one_call_per_voucher_and_keeps_the_order(adapter, respx_mock):
    def reply(request: httpx.Request) -> httpx.Response:
        voucher = etree.fromstring(request.content).findtext(f".//{NS}wpel_vg")
        name = "delivered.xml" if voucher == NUMBER else "not_found.xml"
        return ELTA.reply(name)

    route = respx_mock.post(URL).mock(side_effect=reply)
    adapter.rate_limit = 1000.0  # keep the test fast; the pacing itself is the base class's

    results = await adapter.track(["SE101046219GR", NUMBER])

    assert [r.not_found for r in results] == [True, False]
    assert route.call_count == 2


def test_it_offers_no_push_and_no_language(adapter):
    assert not EltaAdapter.supports_push and adapter.verify_webhook({}, b"{}") is False
    assert not EltaAdapter.accepts_hints and EltaAdapter.answer_languages == frozenset()


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (NUMBER, [("elta", detection.S10_CONFIDENCE)]),
        ("SE101046219GR", [("elta", detection.S10_CONFIDENCE)]),
        ("NZ123456784GR", []),  # mistyped check digit
    ],
)
def test_detection_proposes_elta_for_greek_s10_numbers(number, expected):
    registry.reload()
    assert [c for c in detection.detect(number) if c[0] == "elta"] == expected


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "20261120", "1342", "2026-11-20", "9999", "Αποστολή παραδόθηκε", 0, -1, 1, 99,
     1e308, float("nan"), True, None, [], {}]
)  # fmt: skip

FUZZED = ["delivered.xml", "awaiting_pickup.xml", "returned.xml"]
SERIALISED = {name: ELTA.answer(name) for name in FUZZED}


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.answer_flag(doc)
    with contextlib.suppress(BadResponse):
        parse.parse_answer(NUMBER, copy.deepcopy(doc))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_input(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda n: mutated(SERIALISED[n], JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_answer(doc):
    _parse_or_bad_response(doc)
