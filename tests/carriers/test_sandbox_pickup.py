"""Sandbox carrier, pickup points: lockers, shops and post offices with a deadline (and a
code for lockers), a reminder the day before, then collected or sent back not collected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from carriers.base import BadResponse, PickupKind, Reason, Status
from carriers.sandbox import SandboxAdapter, codes, make_numbers
from carriers.sandbox import places as sandbox_places
from carriers.sandbox.journey import Scenario, journey, make_number, plan
from carriers.sandbox.parse import parse_pickup_point
from carriers.sandbox.pickup_points import HOLD_DAYS, SpotKind
from carriers.sandbox.server import create_app
from carriers.sandbox.waiting import make_waiting

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOUR = 52_704  # 2026-01-05, long finished


def forced(serial: int) -> str:
    return make_number(4, HOUR, serial)


def events_of(number: str) -> list[Any]:
    planned = plan(number)
    assert planned is not None
    return list(planned.events)


async def track_at(number: str, now: datetime) -> Any:
    app = create_app(clock=lambda: now)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        adapter = SandboxAdapter({"api_key": "demo"}, client=client, base_url="http://sb.test")
        (result,) = await adapter.track([number])
    return result


@pytest.mark.parametrize(
    ("serial", "last", "end"),
    [
        (0, "RPR", (Status.AVAILABLE_FOR_PICKUP, None)),  # waits (the documented examples)
        (2, "RPC", (Status.DELIVERED, None)),
        (4, "RTN", (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)),
        (5, "RTN", (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)),  # after an attempt
    ],
)
def test_forced_pickup_numbers_play_each_outcome(
    serial: int, last: str, end: tuple[Status, Reason | None]
) -> None:
    events = events_of(forced(serial))
    assert events[-1].code == last
    assert codes.lookup(last) == end
    ready = next(e for e in events if e.code == "RPP")
    assert ready.spot is not None and ready.collection is not None
    if last == "RTN":
        gone = next(e for e in events if e.code == "RPX")
        assert gone.at > ready.collection.deadline


def test_the_deadline_is_two_days_at_a_locker_and_a_week_at_a_counter() -> None:
    kinds = set()
    for number in make_numbers(400, seed=11, now=NOW, scenario=Scenario.PICKUP_POINT):
        ready = next((e for e in events_of(number) if e.code == "RPP"), None)
        assert ready is not None and ready.spot is not None and ready.collection is not None
        kind = ready.spot.kind
        kinds.add(kind)
        waits = ready.collection.deadline - ready.at
        if kind is SpotKind.LOCKER:
            assert waits == timedelta(days=HOLD_DAYS[kind])
            assert ready.collection.code is not None and len(ready.collection.code) == 6
        else:
            assert timedelta(days=6) < waits < timedelta(days=HOLD_DAYS[kind] + 1)  # closing time
            assert ready.collection.code is None
    assert kinds == set(SpotKind)


def test_a_reminder_comes_the_day_before_the_deadline_while_it_waits() -> None:
    for number in make_numbers(300, seed=12, now=NOW, scenario=Scenario.PICKUP_POINT):
        for event in events_of(number):
            if event.code == "RPR":
                assert event.collection is not None
                assert event.at == event.collection.deadline - timedelta(days=1)


def test_a_full_locker_redirects_the_parcel_to_another() -> None:
    every = [
        events_of(n) for n in make_numbers(400, seed=13, now=NOW, scenario=Scenario.PICKUP_POINT)
    ]
    redirected = [events for events in every if any(e.code == "RPD" for e in events)]
    assert redirected
    for events in redirected:
        before = events[0].spot
        after = next(e for e in events if e.code == "RPD").spot
        assert before is not None and after is not None and before != after
        assert next(e for e in events if e.code == "RPP").spot == after


async def test_the_api_gives_the_point_then_its_deadline_and_code() -> None:
    number = forced(0)  # chose its point when ordering: known from the label on
    events = events_of(number)
    ready = next(e for e in events if e.code == "RPP")
    if events[1].spot is None:
        pytest.skip("this example went to a point after an attempt")
    early = await track_at(number, events[1].at)
    assert early.pickup_point is not None and early.pickup_point.pickup_deadline is None
    result = await track_at(number, ready.at)
    point = result.pickup_point
    assert result.status is Status.AVAILABLE_FOR_PICKUP and point is not None
    assert point.point_id == ready.spot.point_id and point.name == ready.spot.name
    assert point.kind is PickupKind(ready.spot.kind.value)
    assert point.pickup_deadline == ready.collection.deadline
    assert point.pickup_code == ready.collection.code
    assert point.latitude is not None and point.opening_hours


async def test_a_collected_parcel_reads_as_delivered_with_its_signer() -> None:
    number = forced(2)
    last = events_of(number)[-1]
    result = await track_at(number, last.at + timedelta(hours=1))
    assert result.status is Status.DELIVERED
    assert result.delivered_at == last.at and result.signed_by == last.signed_by


def test_every_delivery_town_has_a_centre_and_streets() -> None:
    for _, homes in sandbox_places.DOMESTIC:
        for home in homes:
            assert home.city in sandbox_places.CENTRES
            assert sandbox_places.STREETS[home.country]
    for home in sandbox_places.GB_HOMES:
        assert home.city in sandbox_places.CENTRES


@pytest.mark.parametrize(
    "raw",
    [
        "locker",
        {"type": "locker"},
        {"id": "X1", "location": {"lat": "50"}},
        {"id": "X1", "deadline": "tomorrow"},
        {"id": "X1", "address": []},
    ],
)
def test_a_malformed_point_is_a_bad_response(raw: object) -> None:
    with pytest.raises(BadResponse):
        parse_pickup_point(raw)


def test_journeys_still_only_grow_with_time() -> None:
    for number in make_numbers(60, seed=14, now=NOW, scenario=Scenario.PICKUP_POINT):
        label = events_of(number)[0].at
        seen: list[Any] = []
        for hours in range(0, 24 * 20, 7):
            now_events = journey(number, label + timedelta(hours=hours))
            assert now_events[: len(seen)] == seen
            seen = now_events


def test_make_waiting_gives_parcels_waiting_in_a_locker_right_now() -> None:
    numbers = make_waiting(3, NOW, seed=2)
    assert numbers == make_waiting(3, NOW, seed=2) and len(set(numbers)) == 3
    for number in numbers:
        last = journey(number, NOW)[-1]
        assert last.code in ("RPP", "RPR") and last.spot is not None
        assert last.spot.kind is SpotKind.LOCKER
        assert last.collection is not None and last.collection.deadline > NOW
    shops = make_waiting(1, NOW, kind=SpotKind.SHOP)
    assert journey(shops[0], NOW)[-1].spot.kind is SpotKind.SHOP  # type: ignore[union-attr]
