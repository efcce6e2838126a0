"""Geniki Taxydromiki: zeep over httpx, faked by respx; answers in tests/fixtures/geniki/.

Shapes: the JobServicesV2 WSDL (carriers/geniki/wsdl/, from
https://voucher.taxydromiki.gr/JobServicesV2.asmx?WSDL) and its documentation,
https://voucher.taxydromiki.gr/help/jobservicesapiv2.pdf; tests/fixtures/geniki/SOURCE.md
says where each fact comes from. Rate limits, 5xx and timeouts, unusable bodies, unknown
vouchers and refused credentials over HTTP are rows of ``test_contract.py``; this file
keeps what only Geniki does (its key, its ``Result`` codes, its languages).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from decimal import Decimal
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
from carriers.geniki import KEYS, GenikiAdapter, codes, parse, soap
from tests.carriers.helpers import (
    GENIKI_ACCOUNT,
    GENIKI_URL,
    JSON,
    SoapFake,
    geniki_action,
    mutated,
    utc,
)

NUMBER = "4912345678"
GENIKI = SoapFake("geniki", GENIKI_URL, soap, "TrackAndTrace")
NS = "{http://voucher.taxydromiki.gr/JobServicesV2.asmx}"
KALAMARIA = "ΘΕΣΣΑΛΟΝΙΚΗ - ΚΑΛΑΜΑΡΙΑ"
FIRST_KEY = "5e0c6a3f-8b1d-4c2e-9f47-0a6d2b9e71c4"
SECOND_KEY = "c7d1e2f3-0a4b-4c5d-8e6f-1a2b3c4d5e6f"


def sent(request: httpx.Request, operation: str) -> dict[str, str | None]:
    """The parameters of one JobServicesV2 call, by name."""
    body = etree.fromstring(request.content).find(f".//{NS}{operation}")
    assert body is not None, request.content
    return {etree.QName(child).localname: child.text for child in body}


class Service:
    """JobServicesV2 at one address: ``Authenticate`` hands out keys in turn, and
    ``TrackAndTrace`` answers the fixtures queued (the last one again when they run out)."""

    def __init__(self, respx_mock, *traces: str, keys: tuple[str, ...] = ("authenticate.xml",)):
        self.keys = list(keys)
        self.traces = list(traces)
        self.auth = respx_mock.post(GENIKI_URL, headers=geniki_action("Authenticate")).mock(
            side_effect=self._authenticate
        )
        self.trace = respx_mock.post(GENIKI_URL, headers=geniki_action("TrackAndTrace")).mock(
            side_effect=self._track
        )

    def _authenticate(self, request: httpx.Request) -> httpx.Response:
        name = self.keys.pop(0) if len(self.keys) > 1 else self.keys[0]
        return GENIKI.reply(name)

    def _track(self, request: httpx.Request) -> httpx.Response:
        name = self.traces.pop(0) if len(self.traces) > 1 else self.traces[0]
        status = 500 if name == "server_fault.xml" else 200
        return GENIKI.reply(name, status)

    def keys_used(self) -> list[str | None]:
        return [sent(c.request, "TrackAndTrace")["authKey"] for c in self.trace.calls]


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> GenikiAdapter:
    made = GenikiAdapter(GENIKI_ACCOUNT, client=client)
    made.rate_limit = 1000.0  # keep the tests fast; the pacing is ELTA's and the base class's
    return made


async def track_fixture(adapter, respx_mock, name: str, hint: NumberHint | None = None) -> Any:
    Service(respx_mock, name)
    (result,) = await adapter.track([NUMBER], {NUMBER: hint} if hint else None)
    return result


# --- journeys ---


async def test_it_reads_a_delivered_voucher(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "delivered.xml")

    assert result.number == NUMBER and not result.not_found
    assert (result.status, result.reason) == (Status.DELIVERED, None)
    assert [(e.carrier_code, e.status) for e in result.events] == [
        ("C_NW", Status.INFO_RECEIVED),
        ("C_T1", Status.IN_TRANSIT),  # a code the table does not list: its wording, movement
        ("C_A3", Status.OUT_FOR_DELIVERY),
        ("C_W2", Status.DELIVERED),
    ]
    first = result.events[0]
    assert first.occurred_at == utc(2026, 11, 18, 7, 12)  # 09:12 in Athens, EET
    assert (first.description, first.city, first.country) == (
        "Δημιουργία αποστολής",
        "ΑΘΗΝΑ - ΑΜΠΕΛΟΚΗΠΟΙ",
        "GR",
    )
    assert result.delivered_at == utc(2026, 11, 20, 10, 41)
    assert result.signed_by == "ΠΑΠΑΔΟΠΟΥΛΟΣ Γ"
    assert result.pickup_point is None
    assert result.carrier_url == f"https://www.taxydromiki.com/track/{NUMBER}"


async def test_english_checkpoints_map_the_same_way(adapter, respx_mock):
    greek = await track_fixture(adapter, respx_mock, "delivered.xml")
    respx_mock.reset()
    english = await track_fixture(adapter, respx_mock, "delivered_en.xml")

    assert [(e.status, e.occurred_at) for e in english.events] == [
        (e.status, e.occurred_at) for e in greek.events
    ]
    assert english.events[-1].description == "Delivered"
    assert english.signed_by == "PAPADOPOULOS G"


async def test_a_voucher_waiting_at_a_geniki_shop(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "shop_pickup.xml")

    assert (result.status, result.reason) == (Status.AVAILABLE_FOR_PICKUP, None)
    assert result.pickup_point == PickupPoint(
        point_id=KALAMARIA,
        kind=PickupKind.SHOP,
        name=KALAMARIA,
        country="GR",
        latitude=40.5825,
        longitude=22.9476,
    )
    assert result.delivered_at is None  # .NET's empty DeliveryDate is no date


async def test_a_voucher_in_a_locker(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "locker_en.xml")

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    point = result.pickup_point
    assert point is not None and point.kind is PickupKind.LOCKER
    assert (point.point_id, point.latitude) == ("PATRA - LOCKER AGIOS ANDREAS", 38.2419)


async def test_a_failed_attempt_gives_its_cause(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "failed_attempt.xml")

    assert (result.status, result.reason) == (
        Status.FAILED_ATTEMPT,
        Reason.RECIPIENT_UNAVAILABLE,
    )
    assert result.events[-1].carrier_code == "C_EA_AP"


async def test_a_return_to_sender(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "returned.xml")

    assert result.status is Status.RETURNED_TO_SENDER
    assert [(e.status, e.reason) for e in result.events[1:]] == [
        (Status.FAILED_ATTEMPT, Reason.REFUSED),
        (Status.RETURNED_TO_SENDER, None),
    ]
    assert result.delivered_at is None and result.pickup_point is None


async def test_a_voucher_only_created_is_info_received(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "created.xml")

    assert result.status is Status.INFO_RECEIVED and len(result.events) == 1
    assert result.delivered_at is None and result.signed_by is None


def test_a_return_voucher_means_returning_whatever_the_last_checkpoint_says():
    doc = GENIKI.answer("shop_pickup.xml")
    doc["ReturningServiceVoucher"] = "4914457812"

    result = parse.parse_answer(NUMBER, doc)

    assert result.status is Status.RETURNED_TO_SENDER and result.pickup_point is None


def test_a_delivery_date_means_delivered_whatever_the_last_checkpoint_says():
    doc = GENIKI.answer("failed_attempt.xml")
    doc["DeliveryDate"] = GENIKI.answer("delivered.xml")["DeliveryDate"]

    result = parse.parse_answer(NUMBER, doc)

    assert (result.status, result.delivered_at) == (Status.DELIVERED, utc(2026, 11, 20, 10, 41))


def test_checkpoints_are_put_in_time_order():
    doc = GENIKI.answer("delivered.xml")
    doc["Checkpoints"]["Checkpoint"].reverse()

    result = parse.parse_answer(NUMBER, doc)

    assert [e.carrier_code for e in result.events] == ["C_NW", "C_T1", "C_A3", "C_W2"]


# --- the code table and the wording ---


@pytest.mark.parametrize(("code", "outcome"), list(codes.CODES.items()))
def test_every_code_maps_as_the_table_says(code, outcome):
    doc = GENIKI.answer("created.xml")
    doc["Checkpoints"]["Checkpoint"][0].update(StatusCode=code, Status="-")
    doc["Status"] = None

    result = parse.parse_answer(NUMBER, doc)

    assert (result.status, result.reason) == outcome
    assert result.events[-1].carrier_code == code


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("C_EA_XX", "Ανεπιτυχής επίδοση", (Status.FAILED_ATTEMPT, None)),
        ("C_EA_DA", "Ανεπιτυχής επίδοση - λάθος διεύθυνση",
         (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)),
        (None, "Άρνηση παραλαβής", (Status.FAILED_ATTEMPT, Reason.REFUSED)),
        ("C_ZZ", "Επιστράφηκε στον αποστολέα - μη παραλαβή",
         (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)),
        ("C_ZZ", "Παραδόθηκε", (Status.DELIVERED, None)),
        ("C_ZZ", "Out for delivery", (Status.OUT_FOR_DELIVERY, None)),
        ("C_ZZ", "Not delivered - recipient absent",
         (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)),
        ("C_ZZ", "Στη θυρίδα προς παραλαβή", (Status.AVAILABLE_FOR_PICKUP, None)),
        ("C_ZZ", "Απώλεια αποστολής", (Status.EXCEPTION, Reason.LOST)),
        ("C_ZZ", "Άφιξη στο κατάστημα", (Status.IN_TRANSIT, None)),
        ("c_w2", None, (Status.DELIVERED, None)),
    ],
)  # fmt: skip
def test_other_checkpoints_are_read_by_their_code_prefix_or_wording(code, text, expected):
    assert codes.classify(code, text) == expected


def test_the_tables_stay_in_the_vocabulary():
    for status, reason in [*codes.CODES.values(), *(o for _, o in codes.WORDING), codes.DEFAULT]:
        assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))
        assert status is not Status.EXPIRED
    for code in codes.CODES:
        assert code == code.strip().upper()
    for phrases, _ in [*codes.WORDING, *codes.REASONS]:
        assert all(phrase == codes.normalise(phrase) for phrase in phrases)


def test_summer_times_are_read_in_athens():
    doc = GENIKI.answer("created.xml")
    naive = doc["Checkpoints"]["Checkpoint"][0]["StatusDate"]
    doc["Checkpoints"]["Checkpoint"][0]["StatusDate"] = naive.replace(month=7, day=1, hour=12)

    assert parse.parse_answer(NUMBER, doc).events[0].occurred_at == utc(2026, 7, 1, 9, 12)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["Checkpoints"]["Checkpoint"][0].update(StatusDate=None),
        lambda d: d["Checkpoints"]["Checkpoint"][0].update(StatusDate="2026-11-18"),
        lambda d: d["Checkpoints"]["Checkpoint"][0].update(Status=None, StatusCode=None),
        lambda d: d["Checkpoints"]["Checkpoint"][-1].update(Latitude=Decimal("123")),
        lambda d: d["Checkpoints"].update(Checkpoint="row"),
        lambda d: d.update(Checkpoints=[]),
        lambda d: d.update(DeliveryDate="yesterday"),
        lambda d: d.update(Result="0"),
    ],
)
def test_it_rejects_what_it_cannot_read(mutate):
    doc = GENIKI.answer("shop_pickup.xml")
    mutate(doc)

    with pytest.raises(BadResponse):
        parse.result_code(doc)
        parse.parse_answer(NUMBER, doc)


# --- the key: authenticate once, reuse it, again once when it expires ---


async def test_it_authenticates_with_the_account_and_sends_the_documented_request(
    adapter, respx_mock
):
    service = Service(respx_mock, "delivered.xml")

    (result,) = await adapter.track(["491 234 5678"])

    assert sent(service.auth.calls.last.request, "Authenticate") == {
        "sUsrName": "shop_api",
        "sUsrPwd": "s3cret",
        "applicationKey": "app-key-1",
    }
    request = service.trace.calls.last.request
    assert request.headers["Content-Type"].startswith("text/xml")
    assert sent(request, "TrackAndTrace") == {
        "authKey": FIRST_KEY,
        "voucherNo": NUMBER,
        "language": "el",
    }
    assert result.number == "491 234 5678"


async def test_the_key_is_reused_by_every_adapter_of_the_account(client, respx_mock):
    service = Service(respx_mock, "delivered.xml")
    first = GenikiAdapter(GENIKI_ACCOUNT, client=client)
    first.rate_limit = 1000.0

    await first.track([NUMBER, "4912345679"])
    await GenikiAdapter(GENIKI_ACCOUNT, client=client).track([NUMBER])

    assert service.auth.call_count == 1
    assert service.keys_used() == [FIRST_KEY] * 3


async def test_another_account_gets_its_own_key(client, respx_mock):
    service = Service(
        respx_mock, "delivered.xml", keys=("authenticate.xml", "authenticate_again.xml")
    )
    other = {**GENIKI_ACCOUNT, "username": "second_shop"}

    await GenikiAdapter(GENIKI_ACCOUNT, client=client).track([NUMBER])
    await GenikiAdapter(other, client=client).track([NUMBER])

    assert service.auth.call_count == 2
    assert service.keys_used() == [FIRST_KEY, SECOND_KEY]
    assert len(KEYS._tokens) == 2


async def test_concurrent_polls_of_one_account_authenticate_once(client, respx_mock):
    service = Service(respx_mock, "delivered.xml")
    adapters = [GenikiAdapter(GENIKI_ACCOUNT, client=client) for _ in range(3)]

    await asyncio.gather(*(a.track([NUMBER]) for a in adapters))

    assert service.auth.call_count == 1 and service.keys_used() == [FIRST_KEY] * 3


async def test_changed_credentials_get_a_new_key(client, respx_mock):
    service = Service(
        respx_mock, "delivered.xml", keys=("authenticate.xml", "authenticate_again.xml")
    )

    await GenikiAdapter(GENIKI_ACCOUNT, client=client).track([NUMBER])
    changed = {**GENIKI_ACCOUNT, "password": "a-new-password"}
    await GenikiAdapter(changed, client=client).track([NUMBER])

    assert sent(service.auth.calls.last.request, "Authenticate")["sUsrPwd"] == "a-new-password"
    assert service.keys_used() == [FIRST_KEY, SECOND_KEY]
    assert all("a-new-password" not in part for owner in KEYS._tokens for part in owner)


async def test_an_expired_key_is_replaced_once_and_the_call_made_again(adapter, respx_mock):
    service = Service(
        respx_mock,
        "key_expired.xml",
        "delivered.xml",
        keys=("authenticate.xml", "authenticate_again.xml"),
    )

    (result,) = await adapter.track([NUMBER])

    assert result.status is Status.DELIVERED
    assert service.auth.call_count == 2
    assert service.keys_used() == [FIRST_KEY, SECOND_KEY]
    # The new key is kept: the next poll does not authenticate.
    await adapter.track([NUMBER])
    assert service.auth.call_count == 2 and service.keys_used()[-1] == SECOND_KEY


async def test_a_key_refused_twice_is_an_auth_error(adapter, respx_mock):
    service = Service(respx_mock, "key_expired.xml")

    with pytest.raises(AuthError, match="Result 11"):
        await adapter.track([NUMBER])
    assert (service.auth.call_count, service.trace.call_count) == (2, 2)
    assert not KEYS._tokens, "a refused key is not kept"


async def test_refused_credentials_are_an_auth_error_before_any_tracking(adapter, respx_mock):
    service = Service(respx_mock, "delivered.xml", keys=("authenticate_refused.xml",))

    with pytest.raises(AuthError, match="Result 1"):
        await adapter.track([NUMBER])
    assert not service.trace.called


async def test_missing_credentials_are_refused_before_any_call(client, respx_mock):
    service = Service(respx_mock, "delivered.xml")

    with pytest.raises(AuthError, match="application_key"):
        await GenikiAdapter({"username": "u", "password": "p"}, client=client).track([NUMBER])
    assert not service.auth.called and not service.trace.called


# --- other result codes and faults ---


async def test_another_customers_voucher_is_not_found(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "no_access.xml")

    assert result.not_found and result.events == []


async def test_the_request_limit_is_rate_limited(adapter, respx_mock):
    with pytest.raises(RateLimited):
        await track_fixture(adapter, respx_mock, "busy.xml")


async def test_another_result_is_carrier_unavailable(adapter, respx_mock):
    with pytest.raises(CarrierUnavailable, match="Result 8"):
        await track_fixture(adapter, respx_mock, "sql_error.xml")


async def test_a_soap_fault_is_carrier_unavailable(adapter, respx_mock):
    with pytest.raises(CarrierUnavailable, match="fault"):
        await track_fixture(adapter, respx_mock, "server_fault.xml")


async def test_a_key_missing_from_a_successful_authenticate_is_a_bad_response(adapter, respx_mock):
    respx_mock.post(GENIKI_URL, headers=geniki_action("Authenticate")).respond(
        200,
        content=GENIKI.xml("authenticate_refused.xml").replace(b">1<", b">0<"),
        headers=GENIKI.headers,
    )

    with pytest.raises(BadResponse, match="Key"):
        await adapter.track([NUMBER])


# --- languages ---


@pytest.mark.parametrize(
    ("hint", "language"),
    [
        (None, "el"),
        (NumberHint(), "el"),
        (NumberHint(language="el"), "el"),
        (NumberHint(language="en"), "en"),
        (NumberHint(language="bg"), "en"),  # English reads better than Greek abroad
    ],
)
async def test_it_asks_in_the_customers_language(adapter, respx_mock, hint, language):
    service = Service(respx_mock, "delivered.xml")

    await adapter.track([NUMBER], {NUMBER: hint} if hint else None)

    assert sent(service.trace.calls.last.request, "TrackAndTrace")["language"] == language


def test_it_offers_greek_and_english_and_no_push(adapter):
    assert GenikiAdapter.accepts_hints and GenikiAdapter.answer_languages == {"el", "en"}
    assert not GenikiAdapter.supports_push and adapter.verify_webhook({}, b"{}") is False


# --- detection: no documented format, so nothing is proposed ---


@pytest.mark.parametrize("number", [NUMBER, "1507196110", "491234567812"])
def test_detection_does_not_propose_geniki(number):
    registry.reload()
    assert all(key != "geniki" for key, _ in detection.detect(number))


def test_the_wsdl_loads_from_disk_and_names_the_two_operations():
    binding = soap.document().bindings[soap.BINDING]

    assert sorted(binding._operations) == ["Authenticate", "TrackAndTrace"]


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "C_W2", "C_EA_EP", "Παραδόθηκε", "DELIVERED", "IN RETURN", 0, -1, 9, 11,
     Decimal("91"), 1e308, float("nan"), True, None, [], {}]
)  # fmt: skip

FUZZED = ["delivered.xml", "shop_pickup.xml", "returned.xml"]
SERIALISED = {name: GENIKI.answer(name) for name in FUZZED}


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.result_code(doc)
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
