"""DPD Polska adapter: SOAP through zeep, faked at the HTTP layer with respx; answers from
tests/fixtures/dpd_pl/ (see its README)."""

from __future__ import annotations

import contextlib
import copy
import re
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
from carriers.checkdigits import iso7064_mod37_36_check
from carriers.dpd_pl import DPDPolandAdapter, codes, parse, soap
from tests.carriers.helpers import FIXTURES, JSON, mutated, utc

ENDPOINT = (
    "https://dpdinfoservices.dpd.com.pl/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents"
)
CREDENTIALS = {"login": "10203", "password": "s3cret&<pw>"}
NUMBER = "1000123456789U"
XML = {"Content-Type": "text/xml;charset=utf-8"}


def xml(name: str) -> bytes:
    return (FIXTURES / "dpd_pl" / name).read_bytes()


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> DPDPolandAdapter:
    return DPDPolandAdapter(CREDENTIALS, client=client)


def route(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(ENDPOINT)


async def track(adapter, respx_mock, name: str, number: str = NUMBER) -> Any:
    route(respx_mock).respond(200, content=xml(name), headers=XML)
    (result,) = await adapter.track([number])
    return result


def event(code: str, time: str = "2026-11-20T10:00:00.000", **extra: Any) -> dict[str, Any]:
    """One customerEventV3 as the adapter hands it to the parser (zeep's dicts)."""
    return {"businessCode": code, "country": "PL", "eventTime": time, "objectId": 1, **extra}


# --- the request ---


async def test_it_sends_the_documented_soap_request(adapter, respx_mock):
    sent = route(respx_mock).respond(200, content=xml("delivered.xml"), headers=XML)

    assert await adapter.track([]) == [] and not sent.called
    await adapter.track([f" {NUMBER} "])

    request = sent.calls.last.request
    assert request.headers["Content-Type"].startswith("text/xml")
    assert request.headers["SOAPAction"] == '""'
    body = request.content.decode()
    assert 'xmlns:ns0="http://events.dpdinfoservices.dpd.com.pl/"' in body
    assert "<ns0:getEventsForWaybillV1" in body
    assert f"<waybill>{NUMBER}</waybill>" in body
    assert "<eventsSelectType>ALL</eventsSelectType>" in body
    assert "<language>EN</language>" in body
    assert "<login>10203</login>" in body
    assert "<password>s3cret&amp;&lt;pw&gt;</password>" in body  # escaped by zeep
    assert "<channel>" not in body  # optional, left out when not given


async def test_the_channel_is_sent_when_given(client, respx_mock):
    sent = route(respx_mock).respond(200, content=xml("empty.xml"), headers=XML)

    await DPDPolandAdapter({**CREDENTIALS, "channel": "APP"}, client=client).track([NUMBER])

    assert "<channel>APP</channel>" in sent.calls.last.request.content.decode()


async def test_a_base_url_moves_the_endpoint(client, respx_mock):
    demo = "https://dpdinfoservicesdemo.dpd.com.pl"
    sent = respx_mock.post(f"{demo}/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents")
    sent.respond(200, content=xml("empty.xml"), headers=XML)

    await DPDPolandAdapter(CREDENTIALS, client=client, base_url=demo + "/").track([NUMBER])

    assert sent.called


async def test_one_call_per_waybill_in_order(adapter, respx_mock):
    def answer(request: httpx.Request) -> httpx.Response:
        waybill = re.search(rb"<waybill>(.*?)</waybill>", request.content)
        assert waybill is not None
        name = "empty.xml" if waybill.group(1) == b"0000000000000U" else "delivered.xml"
        return httpx.Response(200, content=xml(name), headers=XML)

    sent = route(respx_mock).mock(side_effect=answer)
    numbers = [NUMBER, "0000000000000U", "1000123456790U"]

    results = await adapter.track(numbers)

    assert [r.number for r in results] == numbers
    assert [r.not_found for r in results] == [False, True, False]
    assert sent.call_count == 3


# --- documented answers ---


async def test_it_reads_a_delivered_journey(adapter, respx_mock):
    result = await track(adapter, respx_mock, "delivered.xml")

    assert result.status is Status.DELIVERED and not result.not_found
    assert [e.carrier_code for e in result.events] == [
        "030103", "040101", "120101", "170102", "190101",
    ]  # fmt: skip
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED, Status.IN_TRANSIT, Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY, Status.DELIVERED,
    ]  # fmt: skip
    # Offset-less Polish wall time: 13:41:07.3 in Warsaw (CET) is 12:41:07.3 UTC.
    assert result.delivered_at == utc(2026, 11, 20, 12, 41, 7, 300000)
    assert result.signed_by == "Kowalska"
    last = result.events[-1]
    assert (last.description, last.city, last.country) == ("Przesyłka doręczona", "Kraków", "PL")
    assert result.carrier_url == f"https://tracktrace.dpd.com.pl/parcelDetails?typ=1&p1={NUMBER}"
    assert result.pickup_point is None


async def test_it_reports_a_parcel_waiting_at_a_dpd_pickup_point(adapter, respx_mock):
    result = await track(adapter, respx_mock, "pickup.xml", "1000123456790U")

    # The reminder the point sends is the newest event and keeps the status.
    assert result.events[-1].carrier_code == "511701"
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    point = result.pickup_point
    assert point is not None
    assert (point.point_id, point.kind) == ("PL11033", PickupKind.SHOP)
    assert point.name == "Żabka, ul. Długa 5"
    assert point.country == "PL"


def test_a_pickup_point_without_data_takes_the_depot_and_a_locker_is_a_locker():
    text = "Przesyłka doręczona do automatu (locker)"
    raw = event("511901", depot="PL21077", depotName="DPD Pickup Station", description=text)
    doc = {"eventsList": [raw]}

    result = parse.parse_events(doc, NUMBER)

    assert result.pickup_point is not None
    assert result.pickup_point.point_id == "PL21077"
    assert result.pickup_point.kind is PickupKind.LOCKER


async def test_it_reports_a_parcel_returned_after_it_was_not_collected(adapter, respx_mock):
    result = await track(adapter, respx_mock, "not_collected.xml", "1000123456791U")

    assert result.status is Status.RETURNED_TO_SENDER
    assert [(e.status, e.reason) for e in result.events] == [
        (Status.AVAILABLE_FOR_PICKUP, None),
        (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),
        (Status.RETURNED_TO_SENDER, None),
    ]
    assert result.delivered_at is None


async def test_a_waybill_without_events_is_not_found(adapter, respx_mock):
    result = await track(adapter, respx_mock, "empty.xml")

    assert result.not_found and result.number == NUMBER and result.events == []
    assert parse.parse_events(None, NUMBER).not_found
    assert parse.parse_events({"eventsList": [None]}, NUMBER).not_found


# --- every code in the table ---


@pytest.mark.parametrize("code", sorted(codes.CODES))
def test_every_business_code_maps_as_the_table_says(code):
    doc = {"eventsList": [event(code)]}

    result = parse.parse_events(doc, NUMBER)

    assert (result.events[0].status, result.events[0].reason) == codes.CODES[code]
    assert result.events[0].carrier_code == code
    assert (result.status, result.reason) == codes.CODES[code]
    if code in codes.AT_PICKUP_POINT:
        assert result.pickup_point is not None


@pytest.mark.parametrize(
    ("code", "expected"),
    [("209999", (Status.FAILED_ATTEMPT, None)), ("219999", (Status.FAILED_ATTEMPT, None)),
     ("999999", (Status.IN_TRANSIT, None)), ("", (Status.IN_TRANSIT, None))],
)  # fmt: skip
def test_unknown_codes_fall_back_on_their_family(code, expected):
    assert codes.classify(code) == expected


def test_a_notification_does_not_replace_the_status_before_it():
    doc = {
        "eventsList": [
            event("170304", "2026-11-20T07:30:00"),  # newest first, as DPD lists
            event("170101", "2026-11-20T07:10:00"),
        ]
    }

    result = parse.parse_events(doc, NUMBER)

    assert result.status is Status.OUT_FOR_DELIVERY
    only = parse.parse_events({"eventsList": [event("170304")]}, NUMBER)
    assert only.status is Status.IN_TRANSIT  # nothing before it to keep


def test_events_abroad_are_read_in_their_own_time_zone():
    doc = {"eventsList": [event("501300", "2026-07-01 12:00:00", country="DE"),
                          event("120101", "2026-07-01 08:00:00", country=None)]}  # fmt: skip

    result = parse.parse_events(doc, NUMBER)

    assert [e.occurred_at for e in result.events] == [
        utc(2026, 7, 1, 6, 0),  # Warsaw, summer time
        utc(2026, 7, 1, 10, 0),  # Berlin, summer time
    ]


# --- faults and whole-call failures ---


@pytest.mark.parametrize("status", [500, 200])
@pytest.mark.parametrize("name", ["fault_login.xml", "fault_denied.xml"])
async def test_credential_faults_are_auth_errors(adapter, respx_mock, name, status):
    route(respx_mock).respond(status, content=xml(name), headers=XML)

    with pytest.raises(AuthError):
        await adapter.track([NUMBER])


@pytest.mark.parametrize("credentials", [{}, {"login": "10203"}, {"password": "x"}])
async def test_missing_credentials_make_no_call(client, respx_mock, credentials):
    sent = route(respx_mock)
    with pytest.raises(AuthError):
        await DPDPolandAdapter(credentials, client=client).track([NUMBER])
    assert not sent.called


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_http_is_auth_error(adapter, respx_mock, status):
    route(respx_mock).respond(status, text="Forbidden")

    with pytest.raises(AuthError):
        await adapter.track([NUMBER])


async def test_another_fault_is_a_bad_response(adapter, respx_mock):
    route(respx_mock).respond(500, content=xml("fault_other.xml"), headers=XML)

    with pytest.raises(BadResponse, match="Internal error"):
        await adapter.track([NUMBER])


@pytest.mark.parametrize(("header", "expected"), [("30", 30.0), (None, None)])
async def test_429_is_rate_limited(adapter, respx_mock, header, expected):
    route(respx_mock).respond(429, headers={"Retry-After": header} if header else {})

    with pytest.raises(RateLimited) as caught:
        await adapter.track([NUMBER])
    assert caught.value.retry_after == expected


async def test_503_with_retry_after_is_rate_limited(adapter, respx_mock):
    route(respx_mock).respond(503, headers={"Retry-After": "60"})

    with pytest.raises(RateLimited) as caught:
        await adapter.track([NUMBER])
    assert caught.value.retry_after == 60.0


@pytest.mark.parametrize("answer", [500, 502, 503, httpx.ReadTimeout, httpx.ConnectError])
async def test_5xx_and_timeouts_are_carrier_unavailable(adapter, respx_mock, answer):
    sent = route(respx_mock)
    if isinstance(answer, int):
        sent.respond(answer, text="<html>Service Unavailable</html>")
    else:
        sent.mock(side_effect=answer("boom"))

    with pytest.raises(CarrierUnavailable):
        await adapter.track([NUMBER])


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"not xml at all"),
        (200, b"<html><body>maintenance</body></html>"),
        (200, b'<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/'
              b'envelope/"><S:Body><other xmlns="urn:x"/></S:Body></S:Envelope>'),
        (404, b"<html>Not Found</html>"),
    ],
)  # fmt: skip
async def test_garbage_is_a_bad_response(adapter, respx_mock, status, body):
    route(respx_mock).respond(status, content=body, headers=XML)

    with pytest.raises(BadResponse):
        await adapter.track([NUMBER])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("eventTime"),
        lambda e: e.__setitem__("eventTime", "yesterday"),
        lambda e: e.__setitem__("eventDataList", {"not": "a list"}),
        lambda e: e.__setitem__("eventDataList", ["entry"]),
        lambda e: e.__setitem__("businessCode", {"x": 1}),
    ],
)
def test_it_rejects_what_it_cannot_read(mutate):
    raw = event("190101")
    mutate(raw)

    with pytest.raises(BadResponse):
        parse.parse_events({"eventsList": [raw]}, NUMBER)
    with pytest.raises(BadResponse):
        parse.parse_events({"eventsList": "x"}, NUMBER)
    with pytest.raises(BadResponse):
        parse.parse_events(["x"], NUMBER)


# --- metadata and numbers ---


def test_it_declares_its_metadata():
    assert registry.get("dpd_pl") is DPDPolandAdapter
    assert (DPDPolandAdapter.batch_size, DPDPolandAdapter.supports_push) == (1, False)
    assert set(DPDPolandAdapter.credential_fields) == {"login", "password", "channel"}
    assert DPDPolandAdapter.default_base_url == "https://dpdinfoservices.dpd.com.pl"


def test_the_wsdl_is_read_from_disk_only():
    assert soap.WSDL.is_file() and soap.WSDL.with_suffix(".xsd").is_file()
    assert soap.wsdl_document().bindings  # parsed without any HTTP (respx is not active)
    with pytest.raises(BadResponse):
        soap._NoFetching().load("https://example.invalid/x.xsd")


def test_the_iso7064_check_character():
    # Business::DPD's test vector; then every single-character typo is caught.
    assert iso7064_mod37_36_check("01905002345615") == "Y"
    payload = "01905002345615"
    for i in range(len(payload)):
        for digit in "0123456789":
            if digit != payload[i]:
                typo = payload[:i] + digit + payload[i + 1 :]
                assert iso7064_mod37_36_check(typo) != "Y", typo


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("01905002345615Y", "DPD parcel number with check character"),
        ("01905002345615Z", None),  # mistyped check character
        ("01905002345616Y", None),  # mistyped digit
        ("1000123456789U", "DPD Polska waybill (13 digits + U)"),
        ("100012345678U", None),
        ("01905002345615", "DPD parcel number (14 digits)"),
        ("0190500234561", None),
    ],
)
def test_number_formats(number, expected):
    matched = [f.name for f in DPDPolandAdapter.number_formats if f.matches(number)]
    assert matched == ([expected] if expected else [])


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "190101", "511901", "230506", "170304", "2026-11-20T10:00:00.000", "2026-11-20 10:00:00",
     "0001-01-01T00:00:00", "9999-12-31T23:59:59", "PL", "XX", "pudoId", 0, -1, True, None, [], {}]
)  # fmt: skip

DOCUMENTS = [
    {"confirmId": "x", "eventsList": [event("511901", eventDataList=[
        {"code": "pudoId", "description": "d", "value": "PL1"}]), event("190101")]},
    {"eventsList": [event("230506"), event("170304"), None]},
]  # fmt: skip


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.parse_events(copy.deepcopy(doc), NUMBER)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_values(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DOCUMENTS).flatmap(lambda doc: mutated(doc, JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_answer(doc):
    _parse_or_bad_response(doc)
