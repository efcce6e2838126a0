"""Time zones and quiet hours: whose clock a message or a page goes by, and when night falls.

The recipient's zone comes from the customer, else the shipping address's US state
(:mod:`portal.core.region_zones`), else the shipping country when it keeps one clock, else
the merchant. Every computation happens on local wall-clock times converted back
to UTC instants through zoneinfo, so "08:00" stays 08:00 on the morning after a
daylight-saving change. A wall time that does not exist (inside a spring-forward gap)
resolves to the moment the clocks jump. Messages (notifications, returns, surveys) and pages
(tracking, returns) use the same rules, so they live on the neutral floor.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

from carriers.timestamps import legal_zone
from portal.core import zone_names
from portal.core.region_zones import zone_for_region

DEFAULT_QUIET_START = "21:00"
DEFAULT_QUIET_END = "08:00"


class QuietHourDefaults(Protocol):
    """The portal-wide quiet hours (``portal.settings.Settings`` has them). Named by shape,
    not imported: the settings check their own zone with :func:`zone_name_or_none`."""

    @property
    def quiet_hours_start(self) -> str: ...

    @property
    def quiet_hours_end(self) -> str: ...


def parse_hhmm(value: str | None, default: str) -> time:
    """``"21:30"`` → ``time(21, 30)``; ``default`` when empty or malformed."""
    for candidate in (value, default):
        try:
            hours, minutes = (candidate or "").split(":")
            return time(int(hours), int(minutes))
        except ValueError:
            continue
    raise ValueError(f"not a HH:MM time: {default!r}")


#: What a zone name may look like: analytics write it into SQL as a literal
#: (``AT TIME ZONE '<zone>'``), so a name is checked against this before anything else.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-/]{0,63}")


@lru_cache(maxsize=512)
def zone_name_or_none(name: str | None) -> str | None:
    """``name`` when it is an IANA zone zoneinfo knows and looks like one (safe to write
    into SQL as a literal), else None. The one check of a zone name, stored or given: an
    empty name, one with path parts (``../etc/passwd``, ``Europe//Warsaw``) or one
    zoneinfo cannot find are all None, so callers say "unknown" in their own words."""
    if not name or not _ZONE_NAME.fullmatch(name):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def zone_or_none(name: str | None) -> ZoneInfo | None:
    found = zone_name_or_none(name)
    return ZoneInfo(found) if found is not None else None


def _clocks(country: str) -> list[list[str]]:
    """The country's zones (CLDR territory zones) grouped by the clock they keep all year,
    west to east; each group in CLDR's order."""
    year = datetime.now(UTC).year
    samples = [datetime(year, month, 15, 12, tzinfo=UTC) for month in (1, 4, 7, 10)]
    clocks: dict[tuple[Any, ...], list[str]] = {}
    for name in get_global("territory_zones").get(country.upper(), ()):
        zone = zone_or_none(name)
        if zone is not None:
            clock = tuple(s.astimezone(zone).utcoffset() for s in samples)
            clocks.setdefault(clock, []).append(name)
    return [clocks[clock] for clock in sorted(clocks)]


@lru_cache(maxsize=512)
def zone_for_country(country: str | None) -> ZoneInfo | None:
    """The zone of a country that keeps one clock, named by its principal zone
    (:mod:`portal.core.zone_names`), else None.

    Countries listing several zones that agree all year (Germany: Berlin and Busingen)
    count as one; the United States or Russia do not. Ukraine keeps Kyiv time by law
    everywhere (:data:`carriers.timestamps.LEGAL_ZONES`, the table carriers read naive scan
    times by), whatever tz lists for Crimea.
    """
    if not country:
        return None
    if (legal := legal_zone(country)) is not None:
        return legal
    clocks = _clocks(country)
    if len(clocks) != 1:
        return None
    return zone_or_none(zone_names.principal(country, clocks[0]))


@lru_cache(maxsize=4096)
def delivery_zone(country: str | None, region: str | None, shop_zone: str | None) -> ZoneInfo:
    """The clock whose calendar a parcel's delivery days are counted on: the destination
    country's when it keeps one clock (the carrier delivers on its working days), else the
    shipping address's region's when it names one (a US state,
    :func:`portal.core.region_zones.zone_for_region`: a New York shop's parcel to
    California is due by midnight in Los Angeles), else the shop's (a US address without a
    known state), else UTC.

    Predictions, the late watch, the tracking page's "late" and analytics' date accuracy
    all ask this one function (analytics through
    :meth:`portal.analytics.sql.Sql.delivery_day`, its SQL twin), so they agree on when a
    day begins and ends. Remembered per triple: it is on the prediction's path (one
    look-up per parcel and stage) and the tracking page's.
    """
    return (
        zone_for_country(country)
        or zone_for_region(country, region)
        or zone_or_none(shop_zone)
        or ZoneInfo("UTC")
    )


def zone_choices(country: str | None) -> list[str]:
    """One zone per distinct clock of a country that keeps several (Russia: Kaliningrad
    to Kamchatka), west to east; empty for a country of one clock (or one by law) or none.

    Each clock is named by its principal zone (:func:`portal.core.zone_names.principal`):
    Spain's mainland Europe/Madrid, not Africa/Ceuta. ``portal merchant create`` offers
    these when a shop's country alone cannot say its zone.
    """
    if not country or zone_for_country(country) is not None:
        return []
    return [zone_names.principal(country, names) for names in _clocks(country)]


def recipient_zone(
    *,
    customer: Any | None,
    order: Any | None,
    merchant: Any,
    default_time_zone: str = "UTC",
) -> ZoneInfo:
    """The customer's zone, else the shipping address's state's (a country of several
    clocks: the United States), else the shipping (or customer) country's, else the
    merchant's."""
    if customer is not None and (zone := zone_or_none(customer.time_zone)):
        return zone
    if order is not None and (
        zone := zone_for_region(
            getattr(order, "ship_country", None), getattr(order, "ship_region", None)
        )
    ):
        return zone
    countries = (
        getattr(order, "ship_country", None) if order is not None else None,
        getattr(customer, "country", None) if customer is not None else None,
    )
    for country in countries:
        if zone := zone_for_country(country):
            return zone
    return zone_or_none(merchant.time_zone) or zone_or_none(default_time_zone) or ZoneInfo("UTC")


def first_instant_at_or_after(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first UTC instant whose local wall time on ``day`` is ``wall`` or later.

    Ambiguous walls (autumn) take their first occurrence; walls inside a spring gap take
    the instant the clocks jump over it.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(first, second), max(first, second)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def in_quiet_hours(wall: time, start: time, end: time) -> bool:
    """Whether a local wall time falls inside [start, end); the window may wrap midnight."""
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def defer_out_of_quiet_hours(due: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """``due`` itself when allowed, else the end of the quiet hours it falls into."""
    local = due.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if not in_quiet_hours(wall, start, end):
        return due
    day = local.date()
    if start > end and wall >= start:
        day += timedelta(days=1)
    return first_instant_at_or_after(day, end, zone)


def local_day_bounds(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where the recipient's calendar day containing ``moment`` begins/ends."""
    day = moment.astimezone(zone).date()
    return (
        first_instant_at_or_after(day, time(0), zone),
        first_instant_at_or_after(day + timedelta(days=1), time(0), zone),
    )


def merchant_quiet_hours(
    merchant: Any, settings: QuietHourDefaults | None = None
) -> tuple[time, time]:
    """The merchant's quiet hours, falling back to the portal-wide defaults."""
    start_default = getattr(settings, "quiet_hours_start", None) or DEFAULT_QUIET_START
    end_default = getattr(settings, "quiet_hours_end", None) or DEFAULT_QUIET_END
    return (
        parse_hhmm(getattr(merchant, "quiet_hours_start", None), start_default),
        parse_hhmm(getattr(merchant, "quiet_hours_end", None), end_default),
    )


def last_whole_day(deadline: datetime, zone: tzinfo) -> date:
    """The last local day wholly before ``deadline``: "hand it in by 16 December" then holds
    all day, however late on the 17th the deadline falls (the returns pages and the
    return's messages promise the same day)."""
    return deadline.astimezone(zone).date() - timedelta(days=1)
