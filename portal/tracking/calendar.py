"""Business days of a destination country: weekends and its public holidays are not counted.

Holidays come from the ``holidays`` package (kept up to date by its maintainers, one
module per country), never from a list of ours. A country the package does not know counts
weekends only.

Two forms of the same rule:

- in Python (:func:`business_days_between`, :func:`add_business_days`) for a prediction
  made on the sweep's path;
- in the database (:class:`portal.models.BusinessDay`, filled by :func:`ensure_calendar`),
  where each day carries the running count of business days since :data:`EPOCH`, so the
  nightly recomputation measures a million transit times with one join and a subtraction.

Both count the same way: the business days *after* the start day up to and including the
end day. A parcel handed over on Friday and delivered on Monday took one business day;
one delivered the same day took none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import cast

import holidays
from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import BusinessDay

#: The first day of the database calendar: transit times before it are not learned from.
EPOCH = date(2020, 1, 1)
#: Added countries get days up to the end of next year; a run later in time extends them.
_AHEAD_YEARS = 1


@lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        found = holidays.country_holidays(country.upper(), years=year)
    except (NotImplementedError, KeyError):
        return frozenset()
    return frozenset(found.keys())


def is_business_day(country: str, day: date) -> bool:
    """Monday to Friday and not a public holiday of ``country``."""
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def business_days_between(country: str, start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (negative when ``end`` is
    before ``start``)."""
    if end < start:
        return -business_days_between(country, end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_business_day(country, day)
    return count


def add_business_days(country: str, start: date, days: int) -> date:
    """The day on which ``days`` business days after ``start`` have passed (``start`` itself
    for zero, as a parcel delivered the day it was handed over)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        left -= is_business_day(country, day)
    return day


def _ordinals(country: str, until: date) -> Iterable[tuple[date, int, bool]]:
    count = 0
    day = EPOCH
    while day <= until:
        business = is_business_day(country, day)
        count += business
        yield day, count, business
        day += timedelta(days=1)


async def ensure_calendar(conn: BaseDBAsyncClient, countries: Iterable[str], today: date) -> int:
    """Make sure every country has its days from :data:`EPOCH` to the end of next year;
    returns the rows added. The running counts always start at the epoch, so rows added
    later agree with the ones already there."""
    until = date(today.year + _AHEAD_YEARS, 12, 31)
    added = 0
    for country in sorted({(c or "").upper()[:2] for c in countries}):
        found = (
            await BusinessDay.filter(country=country)
            .using_db(conn)
            .order_by("-day")
            .limit(1)
            .values_list("day", flat=True)
        )
        last = cast("date", found[0]) if found else None
        if last is not None and last >= until:
            continue
        rows = [
            BusinessDay(country=country, day=day, ordinal=ordinal, is_business=business)
            for day, ordinal, business in _ordinals(country, until)
            if last is None or day > last
        ]
        await BusinessDay.bulk_create(rows, batch_size=1000, using_db=conn)
        added += len(rows)
    return added
