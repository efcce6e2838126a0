"""InPost ShipX adapter, faked at the HTTP layer with respx; payloads in tests/fixtures/inpost/.

Rate limits, 5xx and timeouts, unusable bodies, unknown and malformed numbers and refused
credentials are rows of ``test_contract.py``; this file keeps what only InPost does.
"""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import registry
from carriers.base import (
    BadResponse,
    PickupKind,
    PickupPoint,
    Reason,
    Status,
)
from carriers.inpost import InPostAdapter, codes, parse
from tests.carriers.helpers import JSON, load_fixture, mutated, utc

BASE = "https://api-shipx-pl.easypack24.net"
NUMBER = "602677439331630337653846"
COURIER = "520000014433330021832563"
TRACK_URL = f"{BASE}/v1/tracking/{NUMBER}"


def fixture(name: str) -> Any:
    return load_fixture("inpost", name)


@pytest.fixture
def adapter(client: httpx.AsyncClient) -> InPostAdapter:
    return InPostAdapter({}, client=client)


async def track_fixture(
    adapter: InPostAdapter, respx_mock: respx.MockRouter, name: str, number: str = NUMBER
) -> Any:
    respx_mock.get(f"{BASE}/v1/tracking/{number}").respond(200, json=fixture(name))
    (result,) = await adapter.track([number])
    return result


# --- journeys, lockers and statuses ---


async def test_it_reads_a_parcel_waiting_in_its_locker(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "ready_to_pickup.json")

    assert result.number == NUMBER and not result.not_found
    assert (result.status, result.reason) == (Status.AVAILABLE_FOR_PICKUP, None)
    assert [e.carrier_code for e in result.events] == [
        "confirmed", "dispatched_by_sender", "taken_by_courier", "adopted_at_sorting_center",
        "sent_from_sorting_center", "adopted_at_target_branch", "out_for_delivery",
        "ready_to_pickup",
    ]  # fmt: skip
    assert [e.status for e in result.events] == [Status.INFO_RECEIVED] + [Status.IN_TRANSIT] * 5 + [
        Status.OUT_FOR_DELIVERY,
        Status.AVAILABLE_FOR_PICKUP,
    ]
    assert result.events[-1].occurred_at == utc(2026, 11, 20, 9, 15, 12)  # +01:00 honoured
    assert result.events[-1].country == "PL"
    assert result.carrier_url == f"https://inpost.pl/sledzenie-przesylek?number={NUMBER}"
    assert result.pickup_point == PickupPoint(
        point_id="KRA01M",
        kind=PickupKind.LOCKER,
        name="Paczkomat KRA01M",  # the code Poles know it by, not "Przy sklepie Biedronka"
        street="Karmelicka 44",
        city="Kraków",
        postal_code="31-128",
        country="PL",
        latitude=50.06143,
        longitude=19.93658,
        opening_hours="24/7",
    )
    assert result.delivered_at is None


async def test_scans_read_in_inpost_s_own_polish_words(adapter, respx_mock):
    """A customer reads what InPost's tracking page says ("Przyjęta w Sortowni."), never
    the status's machine name; a status without a known title adds no words of its own."""
    result = await track_fixture(adapter, respx_mock, "delivered.json")

    words = {e.carrier_code: e.description for e in result.events}
    assert words["adopted_at_sorting_center"] == "Przyjęta w Sortowni."
    assert words["ready_to_pickup"] == "Umieszczona w automacie Paczkomat (odbiorczym)."
    assert words["delivered"] == "Dostarczona."
    assert words["pickup_reminder_sent"] == ""
    assert set(codes.TITLES) <= set(codes.STATUS_CODES), "titles of statuses ShipX lists"


async def test_it_reports_a_collected_parcel(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "delivered.json")

    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 11, 21, 17, 42, 9)
    assert [e.status for e in result.events][-3:] == [
        Status.AVAILABLE_FOR_PICKUP, Status.AVAILABLE_FOR_PICKUP, Status.DELIVERED
    ]  # fmt: skip
    assert result.events[-2].carrier_code == "pickup_reminder_sent"


async def test_an_uncollected_parcel_goes_back_not_collected(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "returned.json")

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.pickup_point is None  # on its way back, not waiting in the locker
    assert (result.events[-2].status, result.events[-2].reason) == (
        Status.EXCEPTION, Reason.NOT_COLLECTED
    )  # fmt: skip
    refused = fixture("returned.json")
    refused["tracking_details"][1]["status"] = "rejected_by_receiver"
    assert parse.parse_tracking(refused).reason is None  # a refusal is not "not collected"


async def test_a_parcel_stored_in_a_temporary_locker_names_that_locker(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "stacked.json")

    assert result.status is Status.AVAILABLE_FOR_PICKUP
    point = result.pickup_point
    assert point is not None and point.point_id == "KRA02N" and point.kind is PickupKind.LOCKER
    assert point.opening_hours == "24/7"  # from location247, opening_hours being null
    assert (point.street, point.postal_code, point.city) == ("Długa 12", "31-147", "Kraków")


async def test_a_courier_parcel_back_at_the_branch_is_a_failed_attempt(adapter, respx_mock):
    result = await track_fixture(adapter, respx_mock, "courier_avizo.json", COURIER)

    assert (result.status, result.reason) == (
        Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE
    )  # fmt: skip
    assert (result.events[-2].status, result.events[-2].reason) == (
        Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE
    )  # fmt: skip
    assert result.events[-3].status is Status.OUT_FOR_DELIVERY
    assert result.pickup_point is None  # courier parcels have no target machine


@pytest.mark.parametrize(("name", "outcome"), list(codes.STATUS_CODES.items()))
def test_every_shipx_status_maps_as_the_table_says(name, outcome):
    doc = fixture("ready_to_pickup.json")
    doc["status"] = name
    doc["tracking_details"][0]["status"] = name

    result = parse.parse_tracking(doc)

    assert (result.status, result.reason) == outcome
    assert (result.events[-1].status, result.events[-1].reason) == outcome
    assert result.events[-1].carrier_code == name


def test_the_table_covers_every_status_shipx_lists():
    listed = [item["name"] for item in fixture("statuses.json")["items"]]

    assert set(listed) == set(codes.STATUS_CODES)
    assert list(codes.STATUS_CODES) == listed, "kept in the documentation's order"
    for status, reason in codes.STATUS_CODES.values():
        assert isinstance(status, Status) and (reason is None or isinstance(reason, Reason))
        assert status is not Status.EXPIRED, "expired is Doorstep's own timeout"


def test_a_status_shipx_adds_later_is_kept_and_read_as_movement():
    doc = fixture("ready_to_pickup.json")
    doc["status"] = None
    doc["tracking_details"][0]["status"] = "Teleported_To_Mars"

    result = parse.parse_tracking(doc)

    assert result.events[-1].carrier_code == "teleported_to_mars"
    assert result.status is Status.IN_TRANSIT  # from the latest event, the status being null


def test_the_pickup_point_follows_what_shipx_says():
    doc = fixture("ready_to_pickup.json")
    doc["custom_attributes"]["target_machine_detail"]["type"] = ["pop"]
    shop = parse.parse_tracking(doc).pickup_point
    assert shop is not None and shop.kind is PickupKind.SHOP
    assert shop.name == "Przy sklepie Biedronka", "a partner shop is no Paczkomat"

    doc["custom_attributes"]["target_machine_detail"]["address"]["line2"] = "Kraków"
    point = parse.parse_tracking(doc).pickup_point
    assert point is not None and (point.city, point.postal_code) == ("Kraków", None)

    bare = {"tracking_number": NUMBER, "custom_attributes": {"target_machine_id": "POZ08A"}}
    point = parse.parse_tracking(bare).pickup_point
    assert point == PickupPoint(point_id="POZ08A", kind=PickupKind.LOCKER,
                                name="Paczkomat POZ08A", country="PL")  # fmt: skip
    assert parse.parse_tracking({"tracking_number": NUMBER}).pickup_point is None
    assert parse.parse_tracking({"tracking_number": NUMBER}).status is Status.PENDING


@pytest.mark.parametrize("status", sorted(codes.AT_BRANCH))
def test_no_locker_is_named_while_the_parcel_is_held_at_a_branch(status):
    doc = fixture("ready_to_pickup.json")
    doc["status"] = status

    assert parse.parse_tracking(doc).pickup_point is None


def test_events_are_sorted_oldest_first_whatever_the_order_sent():
    doc = fixture("ready_to_pickup.json")
    doc["tracking_details"].reverse()

    result = parse.parse_tracking(doc)

    assert [e.occurred_at for e in result.events] == sorted(e.occurred_at for e in result.events)


def test_naive_times_are_read_in_warsaw():
    doc = fixture("ready_to_pickup.json")
    doc["tracking_details"][0]["datetime"] = "2026-07-20T10:15:12"  # CEST, UTC+2

    events = parse.parse_tracking(doc).events
    assert events[0].carrier_code == "ready_to_pickup"  # now the oldest
    assert events[0].occurred_at == utc(2026, 7, 20, 8, 15, 12)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("tracking_number"),
        lambda d: d["tracking_details"][0].pop("datetime"),
        lambda d: d["tracking_details"][0].__setitem__("datetime", "yesterday"),
        lambda d: d.__setitem__("tracking_details", {"not": "a list"}),
        lambda d: d["custom_attributes"].__setitem__("target_machine_detail", "KRA01M"),
        lambda d: d["custom_attributes"]["target_machine_detail"]["location"].__setitem__(
            "latitude", "north"
        ),
        lambda d: d["custom_attributes"]["target_machine_detail"]["location"].__setitem__(
            "longitude", 1e999
        ),
    ],
)
def test_it_rejects_what_it_cannot_read(mutate):
    doc = fixture("ready_to_pickup.json")
    mutate(doc)

    with pytest.raises(BadResponse):
        parse.parse_tracking(doc)


# --- request shape ---


async def test_it_sends_the_documented_request(adapter, client, respx_mock):
    route = respx_mock.get(TRACK_URL).respond(200, json=fixture("ready_to_pickup.json"))

    assert await adapter.track([]) == [] and not route.called
    (result,) = await adapter.track(["6026 7743 9331 6303 3765 3846"])

    request = route.calls.last.request
    assert request.url.path == f"/v1/tracking/{NUMBER}" and not request.url.params
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers  # tracking is public
    assert result.number == "6026 7743 9331 6303 3765 3846"  # as asked

    await InPostAdapter({"api_token": "shipx-token"}, client=client).track([NUMBER])
    assert route.calls.last.request.headers["Authorization"] == "Bearer shipx-token"


async def test_it_makes_one_call_per_number_and_keeps_the_order(client, respx_mock):
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(COURIER):
            return httpx.Response(404, json=fixture("not_found.json"))
        return httpx.Response(200, json=fixture("ready_to_pickup.json"))

    route = respx_mock.get(url__startswith=f"{BASE}/v1/tracking/").mock(side_effect=answer)
    adapter = InPostAdapter({}, client=client, base_url=BASE + "/")

    results = await adapter.track([NUMBER, COURIER])

    assert [r.number for r in results] == [NUMBER, COURIER]
    assert [r.not_found for r in results] == [False, True]
    assert route.call_count == 2


# --- push: not offered ---


def test_push_is_not_offered(adapter):
    body = json.dumps(
        {"event": "shipment_status_changed", "payload": {"tracking_number": NUMBER}}
    ).encode()

    assert InPostAdapter.supports_push is False
    assert not adapter.verify_webhook({"Content-Type": "application/json"}, body)
    with pytest.raises(BadResponse):
        adapter.parse_webhook(body)


# --- metadata and numbers ---


def test_it_declares_its_metadata():
    assert InPostAdapter.key == "inpost"
    assert InPostAdapter.default_base_url == BASE
    assert (InPostAdapter.batch_size, InPostAdapter.rate_limit) == (1, 2.0)
    assert "api_token" in InPostAdapter.credential_fields
    assert InPostAdapter.postal_countries == frozenset()
    assert registry.get("inpost") is InPostAdapter


@pytest.mark.parametrize(
    ("number", "matches"),
    [
        (NUMBER, True),
        (COURIER, True),
        ("62345678901234567890123", False),  # 23 digits
        ("6234567890123456789012345", False),  # 25 digits
        ("60267743933163033765384A", False),
        ("RR123456785PL", False),
    ],
)
def test_its_number_format(number, matches):
    (fmt,) = InPostAdapter.number_formats
    assert fmt.matches(number) is matches
    assert 0 < fmt.confidence <= 0.5, "no documented check digit: a bare length proves little"


# --- the parser never raises anything but BadResponse ---

plausible = st.sampled_from(
    ["", "ready_to_pickup", "returned_to_sender", "pickup_time_expired", "2026-11-20T08:00:00",
     "2026-11-20T08:00:00+14:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00",
     "31-128 Kraków", 0, -1, 1e308, True, None, [], {}, ["pop"]]
)  # fmt: skip

FUZZED = ["ready_to_pickup.json", "returned.json", "stacked.json", "courier_avizo.json"]


def _parse_or_bad_response(doc: Any) -> None:
    with contextlib.suppress(BadResponse):
        parse.parse_tracking(copy.deepcopy(doc))
    parse.is_error(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_parser_raises_only_bad_response_on_arbitrary_json(doc):
    _parse_or_bad_response(doc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZED).flatmap(lambda name: mutated(fixture(name), JSON | plausible)))
def test_the_parser_raises_only_bad_response_on_a_mutated_fixture(doc):
    _parse_or_bad_response(doc)
