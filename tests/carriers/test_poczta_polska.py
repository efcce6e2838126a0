"""Poczta Polska: zeep over httpx, faked by respx; answers in tests/fixtures/poczta_polska/.

Rate limits, 5xx and timeouts, unusable bodies, unknown and malformed numbers and refused
credentials are rows of ``test_contract.py``; this file keeps what only Poczta Polska does.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from carriers import registry
from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    PickupKind,
    PickupPoint,
    Reason,
    Status,
)
from carriers.poczta_polska import PocztaPolskaAdapter, codes, parse, soap
from carriers.soap import DiskOnly
from tests.carriers.helpers import JSON, SoapFake, mutated, utc

URL = "https://tt.poczta-polska.pl/Sledzenie/services/Sledzenie"
NUMBER = "00459007731185404992"
POCZTA_POLSKA = SoapFake(
    "poczta_polska", URL, soap, "sprawdzPrzesylkePl", "text/xml; charset=UTF-8"
)
WSSE = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"
TT = "{http://sledzenie.pocztapolska.pl}"


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> PocztaPolskaAdapter:
    return PocztaPolskaAdapter({}, client=client)


async def track_fixture(
    adapter: PocztaPolskaAdapter, respx_mock: respx.MockRouter, name: str, status: int = 200
) -> Any:
    POCZTA_POLSKA.route(respx_mock, name, status)
    (result,) = await adapter.track([NUMBER])
    return result


# --- journeys, post offices and codes ---


async def test_it_reads_a_delivered_parcel(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "delivered.xml")

    assert result.number == NUMBER and not result.not_found
    assert result.status is Status.DELIVERED and result.reason is None
    assert [e.carrier_code for e in result.events] == ["P_NAD", "P_WZL", "P_PZL", "P_WD", "P_D"]
    assert [e.status for e in result.events] == [Status.IN_TRANSIT] * 3 + [
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]
    first = result.events[0]
    assert first.occurred_at == utc(2026, 11, 18, 14, 40)  # Polish wall time, CET
    assert (first.description, first.city, first.postal_code) == ("Nadanie", "Warszawa", "00-001")
    assert result.events[2].city == "WER Kraków"  # a sorting office without details
    assert result.delivered_at == utc(2026, 11, 19, 10, 2)
    assert result.pickup_point is None
    assert result.carrier_url == f"https://emonitoring.poczta-polska.pl/?numer={NUMBER}"


async def test_a_notice_leaves_the_parcel_at_the_post_office(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "awaiting_pickup.xml")

    assert (result.status, result.reason) == (Status.AVAILABLE_FOR_PICKUP, None)
    assert [e.carrier_code for e in result.events][-2:] == ["P_A", "P_PA"]
    assert result.events[-2].description == (
        "Awizo - przesyłka do odbioru w placówce: Adresat nieobecny"
    )
    assert result.pickup_point == PickupPoint(
        point_id="UP Kraków 1",
        kind=PickupKind.POST_OFFICE,
        name="UP Kraków 1",
        street="Westerplatte 20",
        city="Kraków",
        postal_code="31-045",
        country="PL",
        latitude=50.0633,
        longitude=19.9432,
        opening_hours="Mon–Fri 08:00-20:00; Sat 09:00-14:00; Sun & holidays (nieczynne)",
    )


async def test_a_return_after_notices_is_not_collected(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "returned.xml")

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.pickup_point is None and result.delivered_at is None


async def test_a_refusal_gives_its_reason_to_the_attempt_and_the_return(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "refused.xml")

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.REFUSED)
    assert (result.events[-2].status, result.events[-2].reason) == (
        Status.FAILED_ATTEMPT,
        Reason.REFUSED,
    )
    assert result.events[-2].description == "Nie doręczono: Odmowa przyjęcia"


def _with_last_event(code: str, name: str = "Zdarzenie", cause: str | None = None) -> Any:
    doc = POCZTA_POLSKA.answer("delivered.xml")
    last = doc["danePrzesylki"]["zdarzenia"]["zdarzenie"][-1]
    last.update(kod=code, nazwa=name, przyczyna={"kod": None, "nazwa": cause})
    return doc


@pytest.mark.parametrize(("code", "outcome"), list(codes.STATUS_CODES.items()))
def test_every_event_code_maps_as_the_table_says(code, outcome):
    result = parse.parse_przesylka(_with_last_event(code))

    assert (result.events[-1].status, result.events[-1].reason) == outcome
    assert (result.status, result.reason) == outcome
    assert result.events[-1].carrier_code == code
    if outcome[0] is Status.AVAILABLE_FOR_PICKUP:
        assert result.pickup_point is not None and result.pickup_point.name == "UP Kraków 1"
    else:
        assert result.pickup_point is None


@pytest.mark.parametrize(
    ("code", "name", "cause", "expected"),
    [
        ("P_NOWY", "Zwrot do nadawcy", None, "returned_to_sender"),
        ("P_NOWY", "Przesyłka awizowana, oczekuje na odbiór", None, "available_for_pickup"),
        ("P_NOWY", "Przekazano do doręczenia", None, "out_for_delivery"),
        ("P_NOWY", "Nie doręczono przesyłki", "Adres niepełny", "failed_attempt/address_issue"),
        ("P_NOWY", "Doręczono", None, "delivered"),
        ("P_NOWY", "Przesyłka w drodze", None, "in_transit"),
        ("P_R", "Przesyłka uszkodzona", None, "exception/damaged"),
        ("P_ZDUN", "Zdarzenie", None, "exception/unknown"),
        ("P_CZDKN", "Odmowa przyjęcia przesyłki", None, "exception/refused"),
        ("P_ND", "Nie doręczono", "Adresat nieobecny", "failed_attempt/recipient_unavailable"),
        ("P_ND", "Nie doręczono", "Adresat nieznany", "failed_attempt/address_issue"),
        ("P_NDZ", "Zwrot", "Nie podjęto w terminie", "returned_to_sender/not_collected"),
        ("P_NDZK", "Zatrzymano przez urząd celny", None, "exception/customs_hold"),
        ("P_D", "Doręczono", "Adresat nieobecny", "delivered"),  # a delivery has no reason
    ],
)
def test_the_wording_and_the_cause_refine_the_code(code, name, cause, expected):
    outcome = codes.classify(code, name, cause or "")
    assert "/".join(v.value for v in outcome if v is not None) == expected


def test_the_codes_and_the_wording_stay_in_the_vocabulary():
    outcomes = [*codes.STATUS_CODES.values(), codes.DEFAULT, *(o for _, o in codes.WORDING)]
    for status, reason in outcomes:
        assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))
        assert status is not Status.EXPIRED, "expired is Doorstep's own timeout"
    for phrases, _ in [*codes.WORDING, *codes.REASONS]:
        for phrase in phrases:
            assert phrase == codes.normalise(phrase), f"{phrase!r} could never match"
    assert set(codes.STATUS_CODES) >= codes.NOTICE_CODES
    assert set(codes.ANSWER_STATUSES) == codes.FOUND | codes.NOT_FOUND | codes.FAILED


def test_events_are_sorted_oldest_first():
    doc = POCZTA_POLSKA.answer("delivered.xml")
    doc["danePrzesylki"]["zdarzenia"]["zdarzenie"].reverse()

    result = parse.parse_przesylka(doc)

    assert [e.carrier_code for e in result.events] == ["P_NAD", "P_WZL", "P_PZL", "P_WD", "P_D"]
    assert result.status is Status.DELIVERED


def test_summer_times_are_read_in_warsaw():
    doc = _with_last_event("P_D")
    doc["danePrzesylki"]["zdarzenia"]["zdarzenie"][-1]["czas"] = "2027-07-01 12:00"

    assert parse.parse_przesylka(doc).events[-1].occurred_at == utc(2027, 7, 1, 10, 0)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(numer=None, danePrzesylki=None),
        lambda d: d["danePrzesylki"]["zdarzenia"]["zdarzenie"][0].pop("czas"),
        lambda d: d["danePrzesylki"]["zdarzenia"]["zdarzenie"][0].update(czas="wczoraj"),
        lambda d: d["danePrzesylki"]["zdarzenia"].update(zdarzenie="P_NAD"),
        lambda d: d["danePrzesylki"]["zdarzenia"]["zdarzenie"][-1]["jednostka"][
            "daneSzczegolowe"
        ].update(szerGeogr="north"),
        lambda d: d.update(status="0"),
    ],
)
def test_it_rejects_what_it_cannot_read(mutate):
    doc = POCZTA_POLSKA.answer("awaiting_pickup.xml")
    mutate(doc)

    with pytest.raises(BadResponse):
        parse.answer_status(doc)
        parse.parse_przesylka(doc)


# --- answer statuses ---


async def test_a_known_parcel_without_events_is_pending(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "no_events.xml")

    assert not result.not_found and result.status is Status.PENDING and result.events == []


async def test_the_services_own_error_is_carrier_unavailable(adapter, respx_mock):
    with pytest.raises(CarrierUnavailable):
        await track_fixture(adapter, respx_mock, "other_error.xml")


async def test_an_undocumented_answer_status_is_a_bad_response(adapter, respx_mock):
    body = POCZTA_POLSKA.xml("not_found.xml").replace(b"<ax21:status>-1<", b"<ax21:status>7<")
    respx_mock.post(URL).respond(200, content=body, headers=POCZTA_POLSKA.headers)

    with pytest.raises(BadResponse):
        await adapter.track([NUMBER])


# --- request shape ---


async def test_it_sends_the_documented_request(adapter, client, respx_mock):
    route = POCZTA_POLSKA.route(respx_mock, "delivered.xml")

    assert await adapter.track([]) == [] and not route.called
    (result,) = await adapter.track(["0045 9007 7311 8540 4992"])

    request = route.calls.last.request
    assert request.headers["SOAPAction"] == '"urn:sprawdzPrzesylkePl"'
    assert request.headers["Content-Type"].startswith("text/xml")
    envelope = etree.fromstring(request.content)
    assert envelope.findtext(f".//{TT}sprawdzPrzesylkePl/{TT}numer") == NUMBER
    token = envelope.find(f".//{WSSE}UsernameToken")
    assert token is not None
    assert token.findtext(f"{WSSE}Username") == "sledzeniepp"  # the documented public account
    password = token.find(f"{WSSE}Password")
    assert password is not None and password.text == "PPSA"
    assert password.get("Type", "").endswith("#PasswordText")
    assert result.number == "0045 9007 7311 8540 4992"  # as asked

    own = PocztaPolskaAdapter({"username": "sklep", "password": "tajne"}, client=client)
    await own.track([NUMBER])
    token = etree.fromstring(route.calls.last.request.content).find(f".//{WSSE}UsernameToken")
    assert token is not None
    assert (token.findtext(f"{WSSE}Username"), token.findtext(f"{WSSE}Password")) == (
        "sklep",
        "tajne",
    )


async def test_the_shared_client_is_left_as_it_was(adapter, client, respx_mock):
    before = dict(client.headers)
    await track_fixture(adapter, respx_mock, "delivered.xml")

    assert dict(client.headers) == before  # zeep's own transport would overwrite them


async def test_it_makes_one_call_per_number_and_keeps_the_order(adapter, respx_mock):
    def reply(request: httpx.Request) -> httpx.Response:
        numer = etree.fromstring(request.content).findtext(f".//{TT}numer")
        name = "delivered.xml" if numer == NUMBER else "not_found.xml"
        return POCZTA_POLSKA.reply(name)

    route = respx_mock.post(URL).mock(side_effect=reply)

    results = await adapter.track([NUMBER, "00159007731234567899"])

    assert [r.not_found for r in results] == [False, True]
    assert [r.number for r in results] == [NUMBER, "00159007731234567899"]
    assert route.call_count == 2


def test_the_wsdl_is_read_from_disk_only():
    document = soap.document()

    assert soap.BINDING in document.bindings
    operations = document.bindings[soap.BINDING]._operations
    assert {"sprawdzPrzesylke", "sprawdzPrzesylkePl", "sprawdzPrzesylki", "sprawdzPrzesylkiPl",
            "sprawdzPrzesylkiOdDo", "sprawdzPrzesylkiOdDoPl", "witaj", "wersja",
            "maksymalnaLiczbaPrzesylek"} <= set(operations)  # fmt: skip
    for url in ("https://tt.poczta-polska.pl/Sledzenie/services/Sledzenie?wsdl", "file:///x"):
        with pytest.raises(BadResponse):
            DiskOnly("poczta_polska").load(url)
    assert Path(soap.WSDL).is_file()


# --- whole-call failures ---


@pytest.mark.parametrize(("status", "name"), [(500, "auth_fault.xml"), (200, "auth_fault.xml")])
async def test_a_refused_token_is_an_auth_error(adapter, respx_mock, status, name):
    route = POCZTA_POLSKA.route(respx_mock, name, status)

    with pytest.raises(AuthError):
        await adapter.track([NUMBER])
    assert route.call_count == 1


async def test_a_server_fault_is_carrier_unavailable(adapter, respx_mock):
    with pytest.raises(CarrierUnavailable):
        await track_fixture(adapter, respx_mock, "server_fault.xml", status=500)


# --- metadata and numbers ---


def test_it_declares_its_metadata():
    assert PocztaPolskaAdapter.key == "poczta_polska"
    assert PocztaPolskaAdapter.default_base_url == URL
    assert PocztaPolskaAdapter.postal_countries == frozenset({"PL"})
    assert PocztaPolskaAdapter.supports_push is False
    assert {"username", "password"} <= set(PocztaPolskaAdapter.credential_fields)
    assert registry.get("poczta_polska") is PocztaPolskaAdapter


@pytest.mark.parametrize(
    ("number", "formats"),
    [
        (NUMBER, [True, False]),
        ("00159007731234567899", [True, False]),
        ("459007731185404992", [False, True]),  # the SSCC without its "00"
        ("00459007731185404993", [False, False]),  # mistyped check digit
        ("459007731185404991", [False, False]),
        ("00459001231185404992", [False, False]),  # another company's SSCC
        ("RR123456785PL", [False, False]),  # S10: proposed through postal_countries
    ],
)
def test_its_number_formats(number, formats):
    assert [fmt.matches(number) for fmt in PocztaPolskaAdapter.number_formats] == formats
    assert all(fmt.confidence >= 0.85 for fmt in PocztaPolskaAdapter.number_formats)


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "P_A", "P_NDZ", "P_D", "XYZ", "Zwrot", "2026-11-20 08:00", "0001-01-01 00:00",
     "9999-12-31 23:59", "2026-13-45 99:99", 0, -1, -99, 2, 1e308, float("nan"), True,
     None, [], {}]
)  # fmt: skip

FUZZED = ["delivered.xml", "awaiting_pickup.xml", "returned.xml", "refused.xml"]
SERIALISED = {name: POCZTA_POLSKA.answer(name) for name in FUZZED}


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.answer_status(doc)
    with contextlib.suppress(BadResponse):
        parse.parse_przesylka(copy.deepcopy(doc))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_input(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda n: mutated(SERIALISED[n], JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_answer(doc):
    _parse_or_bad_response(doc)
