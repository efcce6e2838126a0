"""Ukrposhta adapter, faked at the HTTP layer with respx; payloads in tests/fixtures/ukrposhta
(shapes from Ukrposhta's Status tracking API documentation,
https://dev.ukrposhta.ua/documentation; see SOURCE.md for each).

Rate limits, 5xx and timeouts, unusable bodies, unknown numbers and a refused token are
rows of ``test_contract.py``; this file keeps what only Ukrposhta does: the batch of 50
with its ``notFound`` list, the answer language, the post office a parcel waits at, the
return told by the delivery's reason, and the code table.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings

from carriers import detection, registry
from carriers.base import AuthError, BadResponse, NumberHint, PickupKind, Reason, Status
from carriers.ukrposhta import UkrposhtaAdapter, codes, parse
from tests.carriers.helpers import load_fixture, mutated, utc

ENDPOINT = "https://www.ukrposhta.ua/status-tracking/0.0.1/statuses/with-not-found"
AT_OFFICE, RETURNED, MISSING = "0500100031143", "0503800012345", "0500199999999"
ABROAD = "RR123456785UA"


def fixture(name: str) -> Any:
    return load_fixture("ukrposhta", name)


def answering(respx_mock: respx.MockRouter, name: str) -> respx.Route:
    return respx_mock.post(url__startswith=ENDPOINT).respond(200, json=fixture(name))


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> UkrposhtaAdapter:
    return UkrposhtaAdapter({"api_token": "c22bfca9-83cf-45b6-a598-74c02d86a2ca"}, client=client)


# --- the request ---


async def test_barcodes_are_posted_as_a_list_with_the_bearer_token(adapter, respx_mock):
    route = answering(respx_mock, "batch.json")

    await adapter.track([ABROAD, " 0500 1000 31143", MISSING])

    [call] = route.calls
    assert call.request.url == ENDPOINT  # Ukrainian: no lang parameter
    assert call.request.headers["Authorization"] == ("Bearer c22bfca9-83cf-45b6-a598-74c02d86a2ca")
    assert json.loads(call.request.content) == [ABROAD, AT_OFFICE, MISSING]


async def test_english_speaking_customers_are_asked_with_lang_en_in_a_call_of_their_own(
    adapter, respx_mock
):
    english = respx_mock.post(f"{ENDPOINT}?lang=en").respond(200, json=fixture("delivered_en.json"))
    ukrainian = respx_mock.post(ENDPOINT).respond(200, json=fixture("returned.json"))

    results = await adapter.track(
        [RETURNED, AT_OFFICE],
        {AT_OFFICE: NumberHint(language="en"), RETURNED: NumberHint(language="uk")},
    )

    assert [json.loads(c.request.content) for c in english.calls] == [[AT_OFFICE]]
    assert [json.loads(c.request.content) for c in ukrainian.calls] == [[RETURNED]]
    assert [r.number for r in results] == [RETURNED, AT_OFFICE]
    assert results[1].events[-1].description == "Delivery (personally)"
    assert results[0].events[-1].description == "Вручення (відправнику)"


async def test_a_language_ukrposhta_does_not_answer_in_gets_ukrainian(adapter, respx_mock):
    route = answering(respx_mock, "at_office.json")

    await adapter.track([AT_OFFICE], {AT_OFFICE: NumberHint(language="pl")})

    assert route.calls.last.request.url == ENDPOINT


async def test_more_than_fifty_barcodes_go_in_batches_of_fifty(adapter, respx_mock):
    route = respx_mock.post(ENDPOINT).respond(200, json={"found": {}, "notFound": []})
    numbers = [f"05001{n:08d}" for n in range(120)]

    results = await adapter.track(numbers)

    assert sorted(len(json.loads(c.request.content)) for c in route.calls) == [20, 50, 50]
    assert [r.number for r in results] == numbers
    assert all(r.not_found for r in results)


async def test_without_a_token_nothing_is_asked(client, respx_mock):
    route = respx_mock.post(url__startswith=ENDPOINT)

    with pytest.raises(AuthError):
        await UkrposhtaAdapter({}, client=client).track([AT_OFFICE])
    assert not route.called


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_token_is_an_auth_error(adapter, respx_mock, status):
    respx_mock.post(ENDPOINT).respond(status, json={"message": "Unauthorized"})

    with pytest.raises(AuthError):
        await adapter.track([AT_OFFICE])


# --- the answers ---


async def test_a_parcel_at_the_post_office_waits_there_for_pickup(adapter, respx_mock):
    answering(respx_mock, "at_office.json")

    [result] = await adapter.track([AT_OFFICE])

    assert (result.status, result.reason) == (Status.AVAILABLE_FOR_PICKUP, None)
    point = result.pickup_point
    assert point is not None
    assert (point.point_id, point.kind, point.name, point.postal_code, point.country) == (
        "65501",
        PickupKind.POST_OFFICE,
        "ОДЕСА 501",
        "65501",
        "UA",
    )
    assert result.carrier_url == (
        f"https://track.ukrposhta.ua/tracking_UA.html?barcode={AT_OFFICE}"
    )
    # Sorted by time, not by step; Kyiv wall time (UTC+2 in winter) read as UTC.
    assert [e.carrier_code for e in result.events][:3] == ["10100", "20700", "20800"]
    assert result.events[0].occurred_at == utc(2026, 11, 30, 14, 33)
    assert result.events[-1].description == "Надходження до відділення"
    assert (result.events[-1].city, result.events[-1].postal_code) == ("ОДЕСА 501", "65501")


async def test_a_delivered_parcel_is_delivered_at_its_delivery_time(adapter, respx_mock):
    respx_mock.post(f"{ENDPOINT}?lang=en").respond(200, json=fixture("delivered_en.json"))

    [result] = await adapter.track([AT_OFFICE], {AT_OFFICE: NumberHint(language="en")})

    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2017, 7, 29, 17, 24)  # 20:24 in Kyiv, summer time
    assert result.pickup_point is None
    assert [e.status for e in result.events].count(Status.AVAILABLE_FOR_PICKUP) == 1


async def test_a_delivery_back_to_the_sender_is_a_return_not_a_delivery(adapter, respx_mock):
    answering(respx_mock, "returned.json")

    [result] = await adapter.track([RETURNED])

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, None)
    assert result.delivered_at is None
    assert [(e.carrier_code, e.status) for e in result.events][-3:] == [
        ("31100", Status.FAILED_ATTEMPT),
        ("31200", Status.RETURNED_TO_SENDER),
        ("41000", Status.RETURNED_TO_SENDER),
    ]


async def test_a_batch_answers_each_barcode_and_the_not_found_ones(adapter, respx_mock):
    answering(respx_mock, "batch.json")

    abroad, office, missing = await adapter.track([ABROAD, AT_OFFICE, MISSING])

    assert abroad.status is Status.DELIVERED and abroad.events[-1].country == "PL"
    assert abroad.events[-1].occurred_at == utc(2026, 12, 2, 12, 45)  # Warsaw time
    assert office.status is Status.AVAILABLE_FOR_PICKUP
    assert missing.not_found and missing.events == []
    assert missing.carrier_url == (f"https://track.ukrposhta.ua/tracking_UA.html?barcode={MISSING}")


async def test_an_unlisted_code_is_kept_and_read_from_its_words(adapter, respx_mock):
    answering(respx_mock, "unknown_code.json")

    [result] = await adapter.track(["0500100031150"])

    assert result.events[-1].carrier_code == "99999"
    assert result.status is Status.RETURNED_TO_SENDER


async def test_an_answer_without_found_or_not_found_is_a_bad_response(adapter, respx_mock):
    respx_mock.post(ENDPOINT).respond(200, json=[fixture("at_office.json")["found"][AT_OFFICE]])

    with pytest.raises(BadResponse):
        await adapter.track([AT_OFFICE])


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(doc=mutated(load_fixture("ukrposhta", "batch.json")))
def test_a_damaged_answer_raises_bad_response_and_nothing_else(doc: Any) -> None:
    try:
        found, _missing = parse.split_batch(doc)
        for number, raw_events in found.items():
            parse.parse_events(number, raw_events)
    except BadResponse:
        pass


# --- the code table ---


@pytest.mark.parametrize(
    ("code", "reason_id", "expected"),
    [
        ("10601", None, (Status.INFO_RECEIVED, None)),
        ("10100", "1", (Status.IN_TRANSIT, None)),
        ("21700", "1", (Status.AVAILABLE_FOR_PICKUP, None)),
        ("21400", None, (Status.AVAILABLE_FOR_PICKUP, Reason.HELD_AT_CARRIER)),
        ("31100", "7", (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)),
        ("31200", None, (Status.RETURNED_TO_SENDER, None)),
        ("41000", "2", (Status.DELIVERED, None)),
        ("41000", "10", (Status.RETURNED_TO_SENDER, None)),
        ("48000", None, (Status.DELIVERED, None)),
        ("10603", None, (Status.EXCEPTION, Reason.UNKNOWN)),
    ],
)
def test_documented_codes_map_to_our_statuses(code, reason_id, expected):
    assert codes.classify(code, reason_id) == expected


def test_an_unknown_code_without_telling_words_is_movement():
    assert codes.classify("55555", None, "Обробка") == codes.DEFAULT


def test_every_table_row_is_a_five_digit_code_with_an_optional_reason():
    assert all(k.split(":")[0].isdigit() and len(k.split(":")[0]) == 5 for k in codes.CODES)


# --- detection ---


def test_ukrposhta_is_registered_with_its_documented_metadata():
    adapter = registry.get("ukrposhta")
    assert adapter is UkrposhtaAdapter
    assert adapter.batch_size == 50 and adapter.postal_countries == frozenset({"UA"})
    assert set(adapter.credential_fields) == {"api_token"}


@pytest.mark.parametrize("number", ["RR123456785UA", "rr 123 456 785 ua", "CA123456785UA"])
def test_s10_numbers_from_ukraine_are_proposed_for_ukrposhta(number):
    assert detection.detect(number) == [("ukrposhta", detection.S10_CONFIDENCE)]


def test_an_s10_number_from_ukraine_with_a_wrong_check_digit_is_nobodys():
    assert detection.detect("RR123456789UA") == []


def test_a_domestic_barcode_is_proposed_after_the_carriers_that_claimed_13_digits_first():
    assert detection.detect(AT_OFFICE) == [("econt", 0.3), ("ukrposhta", 0.25)]
    assert [key for key, _ in detection.detect("2000000000082")] == [
        "econt",
        "fan_courier",
        "ukrposhta",
    ]
