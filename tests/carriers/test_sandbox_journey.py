"""Sandbox carrier, the simulation alone: deterministic journeys from the number, the time
and the epoch (:mod:`carriers.sandbox.journey`), and the code table they use.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import carriers.sandbox
from carriers.base import DeliveryWindow, Reason, Status
from carriers.sandbox import SCENARIO_EXAMPLES, codes, make_numbers
from carriers.sandbox.journey import (
    DEFAULT_EPOCH,
    DESCRIPTIONS,
    FORCED,
    Scenario,
    check_digit,
    journey,
    make_number,
    plan,
    scenario_of,
    split_number,
)
from tests.carriers.helpers import SANDBOX_END_STATES as END_STATES

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
#: Every example was labelled on 2026-01-05; all their journeys are over by this time.
AFTER_EXAMPLES = datetime(2026, 2, 1, tzinfo=UTC)
EX = SCENARIO_EXAMPLES


# --- journeys ------------------------------------------------------------------------------


def test_the_same_number_and_time_give_the_same_journey() -> None:
    numbers = make_numbers(300, seed=1, now=NOW)
    first = [journey(n, NOW) for n in numbers]
    plan.cache_clear()
    assert [journey(n, NOW) for n in numbers] == first


def test_journeys_do_not_depend_on_the_process_hash_seed() -> None:
    code = (
        "from datetime import datetime, UTC;"
        "from carriers.sandbox.journey import journey, make_numbers;"
        "now = datetime(2026, 11, 20, tzinfo=UTC);"
        "print([(e.code, e.at.isoformat(), e.place.city) for n in make_numbers(20, 3, now=now)"
        " for e in journey(n, now)])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_moving_time_forward_only_adds_events() -> None:
    for number in make_numbers(200, seed=2, now=NOW):
        label = plan(number).label_time  # type: ignore[union-attr]
        seen: list[Any] = []
        for hours in range(-2, 24 * 14, 5):
            now_events = journey(number, label + timedelta(hours=hours))
            assert now_events[: len(seen)] == seen
            seen = now_events


@pytest.mark.parametrize("name", sorted(END_STATES))
def test_every_scenario_ends_in_its_documented_status(name: str) -> None:
    events = journey(EX[name], AFTER_EXAMPLES)
    assert codes.lookup(events[-1].code) == END_STATES[name]
    assert journey(EX[name], AFTER_EXAMPLES + timedelta(days=365)) == events


def test_the_not_found_family_and_malformed_numbers_have_no_journey() -> None:
    assert journey(EX["not_found"], AFTER_EXAMPLES) == []
    assert scenario_of(EX["not_found"]) is Scenario.NOT_FOUND
    for bad in ("SBX1234", "1Z999AA10123456784", "", "SBX10527040018", "SBX1052704001X"):
        assert split_number(bad) is None
        assert journey(bad, NOW) == []


def test_the_check_digit_catches_a_typo() -> None:
    number = EX["delivered"]
    typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    assert split_number(number) is not None
    assert split_number(typo) is None
    assert check_digit("7992739871") == "3"  # the textbook Luhn example


def test_the_digit_after_sbx_forces_the_scenario() -> None:
    for digit, scenario in FORCED.items():
        numbers = [make_number(digit, 52_704, serial) for serial in range(0, 1000, 37)]
        assert {scenario_of(n) for n in numbers} == {scenario}


def test_hashed_numbers_are_mostly_delivered_and_cover_every_scenario() -> None:
    counts = Counter(scenario_of(n) for n in make_numbers(3000, seed=4, now=NOW))
    assert 0.62 < counts[Scenario.DELIVERED] / 3000 < 0.82
    assert set(counts) == set(Scenario) - {Scenario.NOT_FOUND}


def test_journeys_cross_two_to_four_real_hubs_in_time_order() -> None:
    for number in make_numbers(500, seed=5, now=NOW):
        events = plan(number).events  # type: ignore[union-attr]
        assert all(a.at < b.at for a, b in itertools.pairwise(events))
        if scenario_of(number) in (Scenario.DELIVERED, Scenario.FAILED_ATTEMPT):
            hubs = {(e.place.city, e.place.country) for e in events if e.code == "ARR"}
            assert 2 <= len(hubs) <= 4
        for ev in events:
            assert ev.place.city and ev.place.region and ev.place.postcode
            assert len(ev.place.country) == 2
            ZoneInfo(ev.place.zone)


def test_deliveries_happen_in_local_daytime_with_a_signer() -> None:
    for number in make_numbers(300, seed=6, now=NOW, scenario=Scenario.DELIVERED):
        last = plan(number).events[-1]  # type: ignore[union-attr]
        local = last.at.astimezone(ZoneInfo(last.place.zone))
        assert last.code in ("DLV", "DLN")
        assert 8 <= local.hour < 18 and local.weekday() != 6
        assert last.signed_by


def test_nothing_is_visible_before_the_label_time() -> None:
    number = EX["delivered"]
    label = plan(number).label_time  # type: ignore[union-attr]
    assert label.date() == date(2026, 1, 5)
    assert journey(number, label - timedelta(seconds=1)) == []
    assert [e.code for e in journey(number, label)] == ["LBL"]


def test_the_epoch_moves_every_label_time() -> None:
    later = DEFAULT_EPOCH + timedelta(days=10)
    a, b = plan(EX["delivered"]), plan(EX["delivered"], later)
    assert a is not None and b is not None
    assert b.label_time - a.label_time == timedelta(days=10)
    assert [e.code for e in a.events] == [e.code for e in b.events]


def test_the_estimate_is_a_date_then_a_window_then_a_narrow_window_then_none() -> None:
    events = plan(EX["delivered"]).events  # type: ignore[union-attr]
    by_code = {e.code: e.eta for e in events}
    assert isinstance(by_code["LBL"], date)
    day_window, van_window = by_code["PKP"], by_code["OFD"]
    assert isinstance(day_window, DeliveryWindow) and isinstance(van_window, DeliveryWindow)
    assert van_window.end - van_window.start == timedelta(hours=3)
    assert day_window.start <= events[-1].at <= day_window.end
    assert van_window.start <= events[-1].at <= van_window.end
    assert by_code["DLV"] is None


def test_make_numbers_is_reproducible_distinct_and_recent() -> None:
    numbers = make_numbers(2000, seed=7, now=NOW, days=3)
    assert numbers == make_numbers(2000, seed=7, now=NOW, days=3)
    assert numbers != make_numbers(2000, seed=8, now=NOW, days=3)
    assert len(set(numbers)) == 2000
    for number in numbers[:200]:
        label = plan(number).label_time  # type: ignore[union-attr]
        assert NOW - timedelta(days=3, hours=1) <= label <= NOW


def test_make_numbers_can_force_a_scenario_and_refuses_impossible_counts() -> None:
    numbers = make_numbers(50, seed=1, now=NOW, scenario=Scenario.RETURNED)
    assert {scenario_of(n) for n in numbers} == {Scenario.RETURNED}
    with pytest.raises(ValueError):
        make_numbers(5000, now=NOW, days=0.01, scenario=Scenario.RETURNED)


def test_the_package_docstring_lists_every_example_number() -> None:
    doc = carriers.sandbox.__doc__ or ""
    for name, number in EX.items():
        assert f"{name} " in doc and number in doc


# --- codes ---------------------------------------------------------------------------------


def test_every_code_maps_to_a_valid_status_and_reason() -> None:
    for code, (status, reason) in codes.CODES.items():
        assert isinstance(status, Status) and status is not Status.EXPIRED, code
        assert reason is None or isinstance(reason, Reason), code
        if status in (Status.EXCEPTION, Status.FAILED_ATTEMPT):
            assert reason is not None, code


def test_every_code_the_journeys_emit_is_in_the_table_and_described() -> None:
    emitted = {e.code for n in make_numbers(3000, seed=9, now=NOW) for e in plan(n).events}  # type: ignore[union-attr]
    emitted |= {e.code for n in EX.values() for e in journey(n, AFTER_EXAMPLES)}
    assert emitted == set(codes.CODES) == set(DESCRIPTIONS)


def test_unknown_codes_fall_back_safely() -> None:
    assert codes.lookup("QQQ") == (Status.IN_TRANSIT, None)
    assert codes.lookup("XZZ") == (Status.EXCEPTION, Reason.UNKNOWN)
    assert codes.lookup(" dlv ") == (Status.DELIVERED, None)
