"""Business days in the destination country: weekends and its public holidays do not count."""

from __future__ import annotations

from datetime import date

import pytest
from tortoise.transactions import in_transaction

from portal.models import BusinessDay
from portal.tracking.calendar import (
    EPOCH,
    add_business_days,
    business_days_between,
    ensure_calendar,
    is_business_day,
)

#: Wednesday 11 November 2026 is Poland's Independence Day, a working day in Romania.
HOLIDAY = date(2026, 11, 11)


def test_a_public_holiday_is_not_a_business_day_in_its_country_only() -> None:
    assert not is_business_day("PL", HOLIDAY)
    assert is_business_day("RO", HOLIDAY)


def test_ukraine_under_martial_law_works_on_its_public_holidays() -> None:
    """Law 2136-IX: while martial law lasts (since 24 February 2022) Ukraine's holidays are
    working days; the ``holidays`` package keeps them as its WORKDAY category, not PUBLIC.
    Before, they were days off, Christmas on 7 January (Julian) until the 2023 reform moved
    it to 25 December, and Defenders' Day from 14 October to 1 October."""
    assert is_business_day("UA", date(2026, 12, 25))  # Christmas, a Friday
    assert is_business_day("UA", date(2026, 8, 24))  # Independence Day, a Monday
    assert add_business_days("UA", date(2026, 12, 24), 1) == date(2026, 12, 25)
    assert not is_business_day("UA", date(2021, 8, 24))  # before martial law: a day off
    assert not is_business_day("UA", date(2021, 1, 7))  # Christmas, then Julian
    assert not is_business_day("UA", date(2021, 10, 14))  # Defenders' Day, then in October


def test_weekends_are_not_business_days_even_where_no_holidays_are_known() -> None:
    assert not is_business_day("ZZ", date(2026, 11, 14))  # a Saturday
    assert is_business_day("ZZ", date(2026, 11, 11))


def test_counting_across_a_holiday_skips_it() -> None:
    tuesday, thursday = date(2026, 11, 10), date(2026, 11, 12)
    assert business_days_between("PL", tuesday, thursday) == 1
    assert business_days_between("RO", tuesday, thursday) == 2
    assert add_business_days("PL", tuesday, 2) == date(2026, 11, 13)
    assert add_business_days("RO", tuesday, 2) == thursday


def test_bulgaria_keeps_orthodox_easter_and_its_own_holidays() -> None:
    """Orthodox Easter 2026 is 12 April (Western: 5 April): Good Friday 10 April and Easter
    Monday 13 April are off in Bulgaria, Western Easter Monday 6 April is not; 3 March is
    Liberation Day, 24 December Christmas Eve."""
    assert [is_business_day("BG", date(2026, 4, d)) for d in (6, 9, 10, 13, 14)] == [
        True, True, False, False, True,
    ]  # fmt: skip
    assert not is_business_day("BG", date(2026, 3, 3))
    assert not is_business_day("BG", date(2026, 12, 24))
    assert add_business_days("BG", date(2026, 4, 9), 1) == date(2026, 4, 14)
    assert add_business_days("DE", date(2026, 4, 2), 1) == date(2026, 4, 7), "Western Easter"


def test_a_weekend_hand_over_counts_from_the_next_business_day() -> None:
    friday, saturday, monday = date(2026, 11, 6), date(2026, 11, 7), date(2026, 11, 9)
    assert business_days_between("DE", friday, monday) == 1
    assert business_days_between("DE", saturday, monday) == 1
    assert add_business_days("DE", saturday, 1) == monday
    assert add_business_days("DE", saturday, 0) == saturday


async def test_the_stored_calendar_counts_like_the_python_one(db: str) -> None:
    async with in_transaction() as conn:
        added = await ensure_calendar(conn, ["PL", "ro"], date(2026, 12, 6))
        again = await ensure_calendar(conn, ["PL"], date(2026, 12, 6))
    assert added == 2 * ((date(2027, 12, 31) - EPOCH).days + 1)
    assert again == 0
    rows = {
        (r.country, r.day): r.ordinal
        for r in await BusinessDay.filter(day__in=[date(2026, 11, 10), date(2026, 11, 12)])
    }
    assert rows[("PL", date(2026, 11, 12))] - rows[("PL", date(2026, 11, 10))] == 1
    assert rows[("RO", date(2026, 11, 12))] - rows[("RO", date(2026, 11, 10))] == 2


@pytest.mark.parametrize("days", [0, 1, 5, 17])
def test_adding_then_counting_gives_the_days_back(days: int) -> None:
    start = date(2026, 12, 18)  # Christmas ahead
    assert business_days_between("PL", start, add_business_days("PL", start, days)) == days


def test_greek_parcels_count_orthodox_easter_not_the_western_one() -> None:
    """Greece's calendar (``holidays``' GR): Good Friday and Easter Monday follow Orthodox
    Easter (2 May 2027), five weeks after the Western one (28 March 2027), and Labour Day
    falling on Easter Saturday moves to the Tuesday."""
    assert not is_business_day("GR", date(2027, 4, 30))  # Μεγάλη Παρασκευή
    assert not is_business_day("GR", date(2027, 5, 3))  # Δευτέρα του Πάσχα
    assert not is_business_day("GR", date(2027, 5, 4))  # Πρωτομαγιά, moved
    assert is_business_day("GR", date(2027, 3, 29))  # the Western Easter Monday
    assert not is_business_day("PL", date(2027, 3, 29))
    assert not is_business_day("GR", date(2027, 6, 21))  # Αγίου Πνεύματος
    # Handed over on Holy Thursday, two business days: Wednesday then Thursday.
    assert add_business_days("GR", date(2027, 4, 29), 2) == date(2027, 5, 6)
    assert business_days_between("GR", date(2027, 4, 29), date(2027, 5, 6)) == 2
