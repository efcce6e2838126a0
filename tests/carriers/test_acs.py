"""ACS Courier adapter: faked at the HTTP layer with respx, answers from tests/fixtures/acs/.

Rate limits (406), 5xx and timeouts, unusable bodies, unknown vouchers and a refused API
key are rows of ``test_contract.py``; this file keeps what only ACS does: two methods per
voucher on one endpoint, the account in every body, the language asked, the summary's
codes and the store or Smartpoint a parcel waits at.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest
import respx

from carriers.acs import ACSAdapter, codes
from carriers.base import AuthError, BadResponse, NumberHint, PickupKind, Reason, Status
from carriers.detection import detect
from tests.carriers.helpers import ACS_ACCOUNT, ACS_URL, load_fixture, utc

NUMBER = "7227889174"


def fixture(name: str) -> Any:
    return load_fixture("acs", name)


def answer(summary: str, details: str | None = None):
    """A side effect answering each ACSAlias with its own fixture."""

    def respond(request: httpx.Request) -> httpx.Response:
        alias = json.loads(request.content)["ACSAlias"]
        if alias == "ACS_Trackingsummary":
            return httpx.Response(200, json=fixture(summary))
        assert alias == "ACS_TrackingDetails" and details is not None
        return httpx.Response(200, json=fixture(details))

    return respond


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> ACSAdapter:
    return ACSAdapter(ACS_ACCOUNT, client=client)


def bodies(route: respx.Route) -> list[dict[str, Any]]:
    return [json.loads(call.request.content) for call in route.calls]


# --- the documented journey ---


async def test_a_delivered_voucher_reads_its_checkpoints_in_athens_time(adapter, respx_mock):
    respx_mock.post(ACS_URL).mock(
        side_effect=answer("summary_delivered.json", "details_delivered.json")
    )

    [result] = await adapter.track([NUMBER])

    assert result.status is Status.DELIVERED and result.reason is None
    assert [e.status for e in result.events] == [
        Status.IN_TRANSIT,  # ΠΑΡΑΛΑΒΗ: picked up from the shop
        Status.IN_TRANSIT,  # ΑΝΑΧΩΡΗΣΗ
        Status.IN_TRANSIT,  # ΑΦΙΞΗ ΣΕ ΚΑΤΑΣΤΗΜΑ
        Status.OUT_FOR_DELIVERY,  # ΚΑΤΑΝΟΜΗ ΣΕ COURIER
        Status.DELIVERED,  # ΠΑΡΑΔΟΣΗ
    ]
    # 2026-11-24 13:37 in Athens (UTC+2 in winter) is 11:37 UTC.
    assert result.delivered_at == utc(2026, 11, 24, 11, 37)
    assert result.events[1].occurred_at == utc(2026, 11, 23, 20, 38, 44, 153000)
    assert result.events[2].city == "ΛΑΜΙΑ" and result.events[2].country == "GR"
    assert result.events[2].description == "ΑΦΙΞΗ ΣΕ ΚΑΤΑΣΤΗΜΑ"
    assert result.signed_by == "ΠΑΠΑΔΟΠΟΥΛΟΣ"
    assert result.pickup_point is None and result.estimated_delivery is None
    assert (
        result.carrier_url == f"https://www.acscourier.net/el/track-and-trace/?generalCode={NUMBER}"
    )


async def test_every_call_carries_the_api_key_the_account_and_the_voucher(adapter, respx_mock):
    route = respx_mock.post(ACS_URL).mock(
        side_effect=answer("summary_delivered.json", "details_delivered.json")
    )

    await adapter.track([f" {NUMBER} "])

    assert [b["ACSAlias"] for b in bodies(route)] == ["ACS_Trackingsummary", "ACS_TrackingDetails"]
    for call, body in zip(route.calls, bodies(route), strict=True):
        assert call.request.headers["ACSApiKey"] == "acs-api-key"
        assert body["ACSInputParameters"] == {
            "Company_ID": "demo",
            "Company_Password": "demo-pw",
            "User_ID": "shop",
            "User_Password": "shop-pw",
            "Language": "GR",
            "Voucher_No": NUMBER,
        }


async def test_an_unknown_voucher_asks_no_details(adapter, respx_mock):
    route = respx_mock.post(ACS_URL).respond(200, json=fixture("not_found.json"))

    [result] = await adapter.track([NUMBER])

    assert result.not_found and route.call_count == 1


# --- language ---


@pytest.mark.parametrize(
    ("hint", "language"),
    [
        (NumberHint(language="en"), "EN"),
        (NumberHint(language="el"), "GR"),
        (NumberHint(language="uk"), "GR"),  # not offered: ACS's default, Greek
        (NumberHint(phone="+302101234567"), "GR"),
        (None, "GR"),
    ],
)
async def test_it_asks_in_the_customers_language_when_acs_offers_it(
    adapter, respx_mock, hint, language
):
    route = respx_mock.post(ACS_URL).mock(
        side_effect=answer("summary_in_transit_en.json", "details_in_transit_en.json")
    )

    await adapter.track([NUMBER], {NUMBER: hint} if hint else None)

    assert {b["ACSInputParameters"]["Language"] for b in bodies(route)} == {language}


async def test_english_checkpoints_are_read_as_well(adapter, respx_mock):
    respx_mock.post(ACS_URL).mock(
        side_effect=answer("summary_in_transit_en.json", "details_in_transit_en.json")
    )

    [result] = await adapter.track([NUMBER], {NUMBER: NumberHint(language="en")})

    assert [e.description for e in result.events] == [
        "Pickup", "Departure", "Arrival at store", "Allocated to courier",
    ]  # fmt: skip
    # "status 5" says little; the newest checkpoint says the courier has it.
    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.estimated_delivery == date(2026, 11, 25)
    assert ACSAdapter.answer_languages == {"el", "en"} and ACSAdapter.accepts_hints


# --- the summary's codes ---


async def test_a_parcel_held_at_the_store_waits_there_for_pickup(adapter, respx_mock):
    respx_mock.post(ACS_URL).mock(
        side_effect=answer("summary_collect_at_store.json", "details_in_transit_en.json")
    )

    [result] = await adapter.track([NUMBER])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    point = result.pickup_point
    assert point is not None and point.kind is PickupKind.DEPOT
    assert point.point_id == "ΛΜ" and point.name == "ACS ΛΑΜΙΑ (22310-12345)"
    assert point.country == "GR" and point.pickup_code is None


async def test_a_checkpoint_naming_a_smartpoint_gives_the_locker(adapter, respx_mock):
    respx_mock.post(ACS_URL).mock(
        side_effect=answer("summary_in_transit_en.json", "details_smartpoint.json")
    )

    [result] = await adapter.track([NUMBER])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point is not None
    assert result.pickup_point.kind is PickupKind.LOCKER
    assert result.pickup_point.point_id == "ΛΑΜΙΑ ΠΛΑΤΕΙΑ ΠΑΡΚΟΥ"


async def test_an_absent_recipient_is_a_failed_attempt(adapter, respx_mock):
    respx_mock.post(ACS_URL).mock(
        side_effect=answer("summary_absent.json", "details_in_transit_en.json")
    )

    [result] = await adapter.track([NUMBER])

    # The reason code wins over the newest checkpoint (the courier had it; nobody was in).
    assert (result.status, result.reason) == (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)
    assert result.pickup_point is None


async def test_the_returned_flag_wins_over_the_reason_code(adapter, respx_mock):
    respx_mock.post(ACS_URL).mock(
        side_effect=answer("summary_returned.json", "details_in_transit_en.json")
    )

    [result] = await adapter.track([NUMBER])

    assert result.status is Status.RETURNED_TO_SENDER and result.estimated_delivery is None


@pytest.mark.parametrize(("code", "outcome"), list(codes.REASONS.items()))
async def test_every_documented_reason_code_maps(adapter, respx_mock, code, outcome):
    summary = fixture("summary_in_transit_en.json")
    summary["ACSOutputResponce"]["ACSTableOutput"]["Table_Data"][0]["non_delivery_reason_code"] = (
        code
    )
    respx_mock.post(ACS_URL).mock(
        side_effect=[
            httpx.Response(200, json=summary),
            httpx.Response(200, json=fixture("not_found.json")),
        ]
    )

    [result] = await adapter.track([NUMBER])

    assert (result.status, result.reason) == outcome


@pytest.mark.parametrize(("value", "outcome"), list(codes.SHIPMENT_STATUS.items()))
async def test_every_documented_shipment_status_maps(adapter, respx_mock, value, outcome):
    summary = fixture("summary_in_transit_en.json")
    summary["ACSOutputResponce"]["ACSTableOutput"]["Table_Data"][0]["shipment_status"] = int(value)
    respx_mock.post(ACS_URL).mock(
        side_effect=[
            httpx.Response(200, json=summary),
            httpx.Response(200, json=fixture("not_found.json")),
        ]
    )

    [result] = await adapter.track([NUMBER])

    assert (result.status, result.reason) == outcome


def test_the_code_table_holds_every_documented_code():
    assert set(codes.REASONS) == {
        "ΑΔ1", "ΑΔ3", "ΑΔ8", "ΑΠ1", "ΑΠ2", "ΑΠ3", "ΑΣ1", "ΔΔ1", "ΕΑ1", "ΕΔ1", "ΛΣ1", "ΛΣ3",
        "ΠΑ2", "ΠΑ4",
    }  # fmt: skip
    assert set(codes.SHIPMENT_STATUS) == {"1", "2", "3", "4", "5"}
    assert len(codes.CODES) == len(codes.REASONS) + len(codes.SHIPMENT_STATUS)


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("Παράδοση", (Status.DELIVERED, None)),  # accents and case do not matter
        ("ΑΦΙΞΗ ΣΕ ΚΑΤΑΣΤΗΜΑ ΠΑΡΑΔΟΣΗΣ", (Status.IN_TRANSIT, None)),
        ("ΜΗ ΠΑΡΑΔΟΣΗ", (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
        ("Επιστροφή σε αποστολέα", (Status.RETURNED_TO_SENDER, None)),
        ("Returned to sender", (Status.RETURNED_TO_SENDER, None)),
        ("something new", codes.DEFAULT),
    ],
)
def test_checkpoint_wording_is_read_by_keywords(text, outcome):
    assert codes.classify_text(text) == outcome


# --- refusals and failures ---


async def test_an_execution_error_about_the_account_is_an_auth_error(adapter, respx_mock):
    route = respx_mock.post(ACS_URL).respond(200, json=fixture("execution_error.json"))

    with pytest.raises(AuthError):
        await adapter.track([NUMBER])
    assert route.call_count == 1


async def test_any_other_execution_error_is_a_bad_response(adapter, respx_mock):
    body = fixture("execution_error.json") | {"ACSExecutionErrorMessage": "Timeout expired"}
    respx_mock.post(ACS_URL).respond(200, json=body)

    with pytest.raises(BadResponse, match="Timeout expired"):
        await adapter.track([NUMBER])


@pytest.mark.parametrize("missing", sorted(ACS_ACCOUNT))
async def test_a_missing_credential_fails_before_any_call(client, respx_mock, missing):
    route = respx_mock.post(ACS_URL)
    adapter = ACSAdapter({k: v for k, v in ACS_ACCOUNT.items() if k != missing}, client=client)

    with pytest.raises(AuthError):
        await adapter.track([NUMBER])
    assert not route.called


async def test_a_checkpoint_without_a_time_is_a_bad_response(adapter, respx_mock):
    details = fixture("details_delivered.json")
    del details["ACSOutputResponce"]["ACSTableOutput"]["Table_Data"][0]["checkpoint_date_time"]
    respx_mock.post(ACS_URL).mock(
        side_effect=[
            httpx.Response(200, json=fixture("summary_delivered.json")),
            httpx.Response(200, json=details),
        ]
    )

    with pytest.raises(BadResponse):
        await adapter.track([NUMBER])


# --- detection ---


def test_a_ten_digit_voucher_is_proposed_for_acs():
    proposed = dict(detect(NUMBER))
    assert proposed["acs"] == 0.3, "ten bare digits, no check digit: a weak proposal"
    assert "acs" not in dict(detect("722788917"))  # nine digits
