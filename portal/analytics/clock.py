"""The shop's clock: analytics cut days at the merchant's local midnight, not UTC's.

A parcel delivered at 00:30 in Athens belongs to that Athenian day, though it is still the
evening before in UTC. Two things follow from the merchant's time zone (``merchant.time_zone``):

- a period of days is the half-open range of instants between two local midnights
  (:func:`midnight`), computed here with :mod:`zoneinfo`, so range filters stay plain
  comparisons that use the (merchant, time) indexes;
- grouping rows by day needs each row's own offset (it changes at DST). PostgreSQL does
  that with ``AT TIME ZONE``; SQLite has no time zones, so the offset is a ``CASE`` over
  the zone's transitions inside the rows' time range (:func:`local_day`), found here once
  per statement. Both are deterministic and exact across DST changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from portal.core import timezones


def zone_name(name: str | None) -> str:
    """The IANA name to count days in: ``name`` when it is a zone (checked, so it may be
    written into SQL), else ``UTC``."""
    return timezones.zone_name_or_none(name) or "UTC"


def zone(name: str | None) -> tzinfo:
    return timezones.zone_or_none(name) or UTC


def midnight(day: date, name: str) -> datetime:
    """The instant ``day`` begins on the shop's clock (in that zone, so ``.date()`` is
    ``day``). Where DST skips midnight, the day begins at the first instant that exists."""
    tz = zone(name)
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC).astimezone(tz)


def local_date(instant: datetime, name: str) -> date:
    return instant.astimezone(zone(name)).date()


def today(name: str, now: datetime | None = None) -> date:
    return local_date(now or datetime.now(UTC), name)


def utc_days_of(day: date, name: str) -> set[date]:
    """The UTC days the local ``day`` overlaps (one, or two)."""
    first = midnight(day, name).astimezone(UTC)
    last = midnight(day + timedelta(days=1), name).astimezone(UTC) - timedelta(microseconds=1)
    return {first.date(), last.date()}


def local_days_of(day: date, name: str) -> set[date]:
    """The local days the UTC ``day`` overlaps (one, or two)."""
    first = datetime.combine(day, time(), tzinfo=UTC)
    last = first + timedelta(days=1) - timedelta(microseconds=1)
    return {local_date(first, name), local_date(last, name)}


def _offset(tz: tzinfo, at: datetime) -> int:
    found = at.astimezone(tz).utcoffset()
    return int(found.total_seconds()) if found is not None else 0


@lru_cache(maxsize=256)
def offsets(name: str, first: date, last: date) -> tuple[tuple[datetime | None, int], ...]:
    """The zone's UTC offset (seconds) from ``first`` to ``last`` (UTC days) as
    ``(until, offset)`` pieces, the last with ``until`` None. Days are stepped, and a
    change is narrowed down to the second (zones change on whole seconds, in fact minutes)."""
    tz = zone(name)
    at = datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC)
    stop = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    pieces: list[tuple[datetime | None, int]] = []
    current = _offset(tz, at)
    while at < stop:
        step = at + timedelta(days=1)
        if _offset(tz, step) != current:
            low, high = 0, 86_400  # seconds after ``at``: same offset at low, not at high
            while high - low > 1:
                mid = (low + high) // 2
                low, high = (
                    (mid, high)
                    if _offset(tz, at + timedelta(seconds=mid)) == current
                    else (low, mid)
                )
            change = at + timedelta(seconds=high)
            pieces.append((change, current))
            current = _offset(tz, change)
        at = step
    pieces.append((None, current))
    return tuple(pieces)
