"""Nova Poshta adapter, faked at the HTTP layer with respx; payloads in
tests/fixtures/nova_poshta (shapes from developers.novaposhta.ua, see SOURCE.md).

Rate limits, 5xx and timeouts, unusable bodies, unknown numbers and a refused key are rows
of ``test_contract.py``; this file keeps what only Nova Poshta does: the phone hint, the
100-number batches, the branch with its schedule, and the code table.
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
from carriers.nova_poshta import WAREHOUSES, NovaPoshtaAdapter, codes, parse, recipient_phone
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

ENDPOINT = "https://api.novaposhta.ua/v2.0/json/"
AT_BRANCH, NEXT, MISSING = "20450912345678", "20450912345679", "20450999999999"
POSHTOMAT = "59000876543210"
#: Branch 12's ``Schedule`` in warehouses.json, as the adapter words it.
HOURS = "Пн–Пт 08:00–20:00; Сб 09:00–17:00; Нд вихідний"


def fixture(name: str) -> Any:
    return load_fixture("nova_poshta", name)


def answering(respx_mock: respx.MockRouter, tracking: str, warehouses: Any = None) -> respx.Route:
    """The one endpoint, answering by ``calledMethod`` as Nova Poshta's API does."""

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["calledMethod"] == "getWarehouses":
            return httpx.Response(200, json=warehouses or fixture("warehouses.json"))
        return httpx.Response(200, json=fixture(tracking))

    return respx_mock.post(ENDPOINT).mock(side_effect=reply)


def sent(route: respx.Route, method: str) -> list[dict[str, Any]]:
    bodies = [json.loads(call.request.content) for call in route.calls]
    return [body for body in bodies if body["calledMethod"] == method]


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> NovaPoshtaAdapter:
    return NovaPoshtaAdapter({"api_key": "np-api-key"}, client=client)


# --- the request ---


async def test_the_recipients_phone_from_the_hint_is_sent_as_nova_poshta_expects(
    adapter, respx_mock
):
    route = answering(respx_mock, "at_branch.json")

    await adapter.track([AT_BRANCH], {AT_BRANCH: NumberHint(phone="+380 50 123 45 67")})

    [body] = sent(route, "getStatusDocuments")
    assert body == {
        "apiKey": "np-api-key",
        "modelName": "TrackingDocument",
        "calledMethod": "getStatusDocuments",
        "methodProperties": {"Documents": [{"DocumentNumber": AT_BRANCH, "Phone": "380501234567"}]},
    }


async def test_a_number_without_a_phone_hint_is_still_tracked_with_what_nova_poshta_gives(
    adapter, respx_mock
):
    route = answering(respx_mock, "batch.json")

    moving, missing = await adapter.track([NEXT, MISSING])

    [body] = sent(route, "getStatusDocuments")
    assert body["methodProperties"]["Documents"] == [
        {"DocumentNumber": NEXT},
        {"DocumentNumber": MISSING},
    ]
    assert moving.number == NEXT and moving.status is Status.IN_TRANSIT
    assert moving.estimated_delivery == date(2026, 12, 5), "the calendar day, not shifted"
    assert moving.events[-1].description == "Відправлення прямує до міста Львів."
    assert missing.not_found and missing.events == [], "code 3: number not found"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+380501234567", "380501234567"),
        ("050 123-45-67", "380501234567"),
        ("501234567", "380501234567"),
        ("+48 601 234 567", None),
        ("", None),
        (None, None),
    ],
)
def test_phones_are_normalised_to_380_and_foreign_ones_are_left_out(given, expected):
    assert recipient_phone(given) == expected


async def test_a_foreign_phone_is_not_sent(adapter, respx_mock):
    route = answering(respx_mock, "batch.json")

    await adapter.track([NEXT], {NEXT: NumberHint(phone="+48601234567", language="pl")})

    assert sent(route, "getStatusDocuments")[0]["methodProperties"]["Documents"] == [
        {"DocumentNumber": NEXT}
    ]


async def test_numbers_go_in_batches_of_a_hundred_with_results_in_the_order_asked(
    adapter, respx_mock
):
    numbers = [f"2045000000{i:04d}" for i in range(150)]
    route = respx_mock.post(ENDPOINT).respond(200, json={"success": True, "data": [], "errors": []})

    results = await adapter.track(numbers)

    sizes = sorted(
        len(json.loads(c.request.content)["methodProperties"]["Documents"]) for c in route.calls
    )
    assert sizes == [50, 100]
    assert [r.number for r in results] == numbers and all(r.not_found for r in results)


async def test_the_api_key_is_required_before_any_call(client, respx_mock):
    route = respx_mock.post(ENDPOINT)
    with pytest.raises(AuthError):
        await NovaPoshtaAdapter({}, client=client).track([NEXT])
    assert not route.called


async def test_a_refused_key_named_only_in_the_error_text_is_an_auth_error(adapter, respx_mock):
    body = {"success": False, "data": [], "errors": ["API key expired"], "errorCodes": []}
    respx_mock.post(ENDPOINT).respond(200, json=body)
    with pytest.raises(AuthError):
        await adapter.track([NEXT])


# --- journeys ---


async def test_a_parcel_waiting_at_its_branch_has_the_branch_with_hours_and_deadline(
    adapter, respx_mock
):
    route = answering(respx_mock, "at_branch.json")

    [result] = await adapter.track([AT_BRANCH], {AT_BRANCH: NumberHint(phone="380501234567")})

    assert result.status is Status.AVAILABLE_FOR_PICKUP and result.reason is None
    created, arrived = result.events
    assert (created.carrier_code, created.status) == ("1", Status.INFO_RECEIVED)
    assert created.occurred_at == utc(2026, 12, 2, 8, 15, 7), "Kyiv wall time (UTC+2)"
    assert (arrived.carrier_code, arrived.description) == ("7", "Прибув на відділення")
    assert arrived.occurred_at == utc(2026, 12, 4, 7, 41, 12) and arrived.city == "Львів"
    point = result.pickup_point
    assert point is not None
    assert point.point_id == "12" and point.kind is PickupKind.POST_OFFICE
    assert point.name == "Відділення №12 (до 30 кг): вул. Городоцька, 120"
    assert (point.street, point.city, point.country) == ("вул. Городоцька, 120", "Львів", "UA")
    assert point.opening_hours == "Пн–Пт 08:00–20:00; Сб 09:00–17:00; Нд вихідний"
    assert (point.latitude, point.longitude, point.postal_code) == (49.826135, 23.987512, "79041")
    assert point.pickup_deadline == utc(2026, 12, 10, 22, 0), "DateReturnCargo, Kyiv midnight"
    [lookup] = sent(route, "getWarehouses")
    assert lookup["modelName"] == "AddressGeneral"
    assert lookup["methodProperties"] == {
        "CityRef": "db5c88f5-391c-11dd-90d9-001a92567626",
        "WarehouseId": "12",
    }
    assert result.carrier_url == f"https://novaposhta.ua/tracking/?cargo_number={AT_BRANCH}"


# --- the branch's schedule, kept a week per process and account (carriers.point_cache) ---
# getWarehouses answers as warehouses.json (developers.novaposhta.ua/documentation, model
# AddressGeneral; see tests/fixtures/nova_poshta/SOURCE.md); failures are the gateway's.


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The warehouse cache's clock, in seconds, moved by the test."""
    moment = [1000.0]
    monkeypatch.setattr(WAREHOUSES, "clock", lambda: moment[0])
    return moment


def warehouses_answering(
    respx_mock: respx.MockRouter, *answers: httpx.Response | Exception
) -> respx.Route:
    """Tracking answers at_branch.json; ``getWarehouses`` gives ``answers`` in turn."""
    queue = list(answers)

    def reply(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["calledMethod"] != "getWarehouses":
            return httpx.Response(200, json=fixture("at_branch.json"))
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return respx_mock.post(ENDPOINT).mock(side_effect=reply)


def schedule() -> httpx.Response:
    return httpx.Response(200, json=fixture("warehouses.json"))


async def hours_on_a_poll(adapter: NovaPoshtaAdapter) -> str | None:
    """One poll of the parcel waiting at branch 12: it is tracked whatever the lookup did."""
    [result] = await adapter.track([AT_BRANCH])
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point is not None and result.pickup_point.point_id == "12"
    return result.pickup_point.opening_hours


async def test_a_branchs_schedule_is_not_asked_again_for_a_week(adapter, respx_mock, now):
    route = warehouses_answering(respx_mock, schedule(), schedule())

    assert await hours_on_a_poll(adapter) == HOURS
    now[0] += WAREHOUSES.fresh_for - 1
    assert await hours_on_a_poll(adapter) == HOURS
    assert len(sent(route, "getWarehouses")) == 1, "fresh: not asked again"
    now[0] += 1
    assert await hours_on_a_poll(adapter) == HOURS
    assert len(sent(route, "getWarehouses")) == 2, "a week on, asked again"


async def test_a_failed_schedule_lookup_is_not_asked_again_before_its_backoff(
    adapter, respx_mock, now
):
    route = warehouses_answering(
        respx_mock, httpx.Response(503), httpx.ConnectTimeout("timed out"), schedule()
    )

    assert await hours_on_a_poll(adapter) is None
    now[0] += WAREHOUSES.first_retry - 1
    assert await hours_on_a_poll(adapter) is None
    assert len(sent(route, "getWarehouses")) == 1, "the next poll does not ask"
    now[0] += 1
    assert await hours_on_a_poll(adapter) is None
    assert len(sent(route, "getWarehouses")) == 2, "asked after the backoff, failed again"
    now[0] += WAREHOUSES.first_retry
    assert await hours_on_a_poll(adapter) is None
    assert len(sent(route, "getWarehouses")) == 2, "the second wait is twice the first"
    now[0] += WAREHOUSES.first_retry
    assert await hours_on_a_poll(adapter) == HOURS
    assert len(sent(route, "getWarehouses")) == 3


async def test_a_branchs_hours_are_kept_while_their_refresh_fails(adapter, respx_mock, now):
    route = warehouses_answering(respx_mock, schedule(), httpx.Response(502))

    assert await hours_on_a_poll(adapter) == HOURS
    now[0] += WAREHOUSES.fresh_for

    assert await hours_on_a_poll(adapter) == HOURS
    assert len(sent(route, "getWarehouses")) == 2


async def test_one_shops_failed_lookups_do_not_hold_back_anothers(client, respx_mock, now):
    def by_key(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["calledMethod"] != "getWarehouses":
            return httpx.Response(200, json=fixture("at_branch.json"))
        return schedule() if body["apiKey"] == "np-api-key" else httpx.Response(502)

    route = respx_mock.post(ENDPOINT).mock(side_effect=by_key)
    failing = NovaPoshtaAdapter({"api_key": "another-shops-key"}, client=client)
    working = NovaPoshtaAdapter({"api_key": "np-api-key"}, client=client)

    assert await hours_on_a_poll(failing) is None
    assert await hours_on_a_poll(working) == HOURS
    assert len(sent(route, "getWarehouses")) == 2


async def test_a_failed_schedule_lookup_leaves_the_branch_without_hours(adapter, respx_mock):
    def reply(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["calledMethod"] == "getWarehouses":
            return httpx.Response(502)
        return httpx.Response(200, json=fixture("at_branch.json"))

    respx_mock.post(ENDPOINT).mock(side_effect=reply)

    [result] = await adapter.track([AT_BRANCH])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point and result.pickup_point.opening_hours is None
    assert result.pickup_point.name and result.pickup_point.pickup_deadline


async def test_a_poshtomat_is_a_locker(adapter, respx_mock):
    answering(respx_mock, "poshtomat.json", warehouses={"success": True, "data": []})

    [result] = await adapter.track([POSHTOMAT])

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.pickup_point and result.pickup_point.kind is PickupKind.LOCKER
    assert result.pickup_point.point_id == "25610"
    assert result.pickup_point.pickup_deadline == utc(2026, 12, 8, 22, 0)


async def test_a_delivered_parcel_has_its_time_and_signer_and_no_point(adapter, respx_mock):
    answering(respx_mock, "delivered.json")

    [result] = await adapter.track([AT_BRANCH])

    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 12, 5, 15, 22, 5), "RecipientDateTime, Kyiv time"
    assert result.signed_by == "Коваленко Олена Петрівна"
    assert result.pickup_point is None and result.estimated_delivery is None


async def test_a_refusal_is_returned_to_sender_as_refused(adapter, respx_mock):
    answering(respx_mock, "refused.json")

    [result] = await adapter.track([AT_BRANCH])

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.REFUSED)
    assert result.pickup_point is None


async def test_a_failed_courier_attempt_names_the_absent_recipient(adapter, respx_mock):
    answering(respx_mock, "failed_attempt.json")

    [result] = await adapter.track([AT_BRANCH])

    assert (result.status, result.reason) == (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)
    assert result.pickup_point is None, "a courier delivery has no branch (zero reference)"


async def test_an_unknown_code_is_kept_and_read_from_its_words(adapter, respx_mock):
    answering(respx_mock, "unknown_code.json")

    [result] = await adapter.track(["20450912345670"])

    assert result.events[-1].carrier_code == "115"
    assert result.status is Status.RETURNED_TO_SENDER, "«повернення» in the status text"


# --- the code table and the parser ---


@pytest.mark.parametrize(("code", "outcome"), list(codes.CODES.items()))
def test_every_documented_code_maps_to_a_valid_status(code, outcome):
    status, reason = codes.classify(code)
    assert (status, reason) == outcome
    assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))


def test_the_table_holds_every_code_of_the_documented_list():
    documented = {"1", "2", "3", "4", "41", "5", "6", "7", "8", "9", "10", "11", "12"}
    documented |= {"101", "102", "103", "104", "105", "106", "111", "112"}
    assert documented <= set(codes.CODES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02-12-2026 10:15:07", utc(2026, 12, 2, 8, 15, 7)),
        ("05.12.2026 17:22:05", utc(2026, 12, 5, 15, 22, 5)),
        ("2026-07-04 09:41:13", utc(2026, 7, 4, 6, 41, 13)),
        ("0001-01-01 00:00:00", None),
        (None, None),
    ],
)
def test_nova_poshta_dates_are_kyiv_wall_times(text, expected):
    assert parse.np_time(text, "test") == expected


def test_a_date_that_is_not_one_is_a_bad_response():
    with pytest.raises(BadResponse):
        parse.np_time("tomorrow", "DateScan")


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse, AuthError):
        for raw in parse.check_envelope(copy.deepcopy(doc)):
            parse.parse_document(raw)
            parse.branch_of(raw)
    with contextlib.suppress(BadResponse, AuthError):
        data = parse.check_envelope(copy.deepcopy(doc))
        parse.parse_warehouse(
            data, parse.Branch("7b422fc5-e1b8-11e3-8c4a-0050568002cf", "12", None)
        )


FUZZED = ["at_branch.json", "batch.json", "delivered.json", "warehouses.json"]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_typed_errors_on_arbitrary_json(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda name: mutated(fixture(name))))
def test_the_parser_raises_only_typed_errors_on_a_mutated_fixture(doc):
    _parse_or_bad_response(doc)


# --- detection and capabilities ---


@pytest.mark.parametrize("number", [AT_BRANCH, POSHTOMAT, "2045 0912 3456 78", "10000012345678"])
def test_waybill_numbers_are_proposed_for_nova_poshta(number):
    registry.reload()
    assert "nova_poshta" in [key for key, _ in detection.detect(number)]


@pytest.mark.parametrize("number", ["32450912345678", "2045091234567", "204509123456789"])
def test_other_digit_runs_are_not(number):
    registry.reload()
    assert "nova_poshta" not in [key for key, _ in detection.detect(number)]


def test_it_takes_hints_answers_in_ukrainian_only_and_offers_no_push():
    assert NovaPoshtaAdapter.accepts_hints is True
    assert NovaPoshtaAdapter.answer_languages == frozenset()
    assert NovaPoshtaAdapter.supports_push is False and NovaPoshtaAdapter.batch_size == 100


async def test_a_batch_looks_up_at_most_ten_new_branches(adapter, respx_mock):
    documents = []
    for i in range(12):
        document = copy.deepcopy(fixture("at_branch.json")["data"][0])
        document.update(
            Number=f"204509000000{i:02d}",
            WarehouseRecipientRef=f"7b422fc5-e1b8-11e3-8c4a-0050568002{i:02d}",
            WarehouseRecipientNumber=str(100 + i),
        )
        documents.append(document)
    route = respx_mock.post(ENDPOINT).mock(
        side_effect=lambda request: httpx.Response(
            200,
            json={
                "success": True,
                "data": [] if "getWarehouses" in request.content.decode() else documents,
            },
        )
    )

    results = await adapter.track([d["Number"] for d in documents])

    assert len(sent(route, "getWarehouses")) == 10
    assert all(r.pickup_point is not None for r in results), "the rest keep their branch"

    await adapter.track([d["Number"] for d in documents])

    asked = [body["methodProperties"]["WarehouseId"] for body in sent(route, "getWarehouses")]
    assert sorted(asked[10:]) == ["110", "111"], "the rest on the next poll, the ten kept"
