"""Turning carrier timestamps into timezone-aware UTC datetimes.

The rule, the same for every adapter:

1. A timestamp that carries an offset (``2026-11-20T14:05:00-05:00``) is converted to UTC.
2. Where the carrier also sends a GMT/UTC field or a separate offset, that wins over the
   local wall time.
3. A wall time with no offset at all is read in the time zone of the scan's country when
   that country has one (``FR`` → Europe/Paris), keeps one by law (``UA`` → Europe/Kyiv,
   :data:`LEGAL_ZONES`) or all its zones agree at that moment (``DE`` → Europe/Berlin), and
   as UTC otherwise (``US``; ``RU`` unless its zones agree then).

Never the server's own time zone: the same payload gives the same instant on every machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

#: Country -> the zone its law keeps everywhere, where tz also lists another clock on its
#: territory. Ukraine's legal time is Kyiv time throughout: Europe/Simferopol is the clock
#: Crimea is made to keep under occupation since 2014, not Ukrainian time. The one table:
#: the portal's clocks (:func:`portal.core.timezones.zone_for_country`, a shop's or an
#: address's zone) read it from here, so a scan and a message agree on Ukraine's time.
LEGAL_ZONES: Final[Mapping[str, str]] = MappingProxyType({"UA": "Europe/Kyiv"})


def legal_zone(country: str | None) -> ZoneInfo | None:
    """The zone ``country``'s law keeps everywhere (:data:`LEGAL_ZONES`), else None."""
    name = LEGAL_ZONES.get((country or "").strip().upper())
    return ZoneInfo(name) if name is not None else None


@lru_cache(maxsize=512)
def country_zones(country: str | None) -> tuple[ZoneInfo, ...]:
    """The IANA zones of a country (ISO 3166 alpha-2), empty when unknown."""
    found: list[ZoneInfo] = []
    for name in get_global("territory_zones").get((country or "").strip().upper(), ()):
        try:
            found.append(ZoneInfo(name))
        except ZoneInfoNotFoundError:
            continue
    return tuple(found)


def country_zone(country: str | None, moment: datetime | None = None) -> ZoneInfo | None:
    """The zone a naive wall time in ``country`` is read in.

    The zone its law keeps (UA: Europe/Kyiv, though tz also lists Simferopol), else its
    only zone, or the first when all its zones agree on the offset at ``moment`` (DE lists
    Europe/Berlin and Europe/Busingen), else None (the US has many, Russia eleven clocks).
    """
    if (legal := legal_zone(country)) is not None:
        return legal
    zones = country_zones(country)
    if len(zones) == 1:
        return zones[0]
    if not zones or moment is None:
        return None
    wall = moment.replace(tzinfo=None)
    if len({wall.replace(tzinfo=zone).utcoffset() for zone in zones}) == 1:
        return zones[0]
    return None


def to_utc(moment: datetime, *, country: str | None = None) -> datetime:
    """``moment`` as aware UTC, a naive one placed by rule 3 above."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=country_zone(country, moment) or UTC)
    return moment.astimezone(UTC)


def parse_iso(value: str, *, country: str | None = None) -> datetime:
    """Parse an ISO-8601 timestamp (``Z`` allowed) to aware UTC; ValueError when it is not one."""
    try:  # the common case, a clean stamp with its offset, in one C call (a sweep has ~10^5)
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        pass
    else:
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return to_utc(datetime.fromisoformat(text), country=country)


def parse_offset(value: str) -> timezone:
    """``-05:00``, ``-0500``, ``+1`` or ``-5.5`` hours as a fixed offset; ValueError otherwise."""
    text = value.strip()
    if not text:
        raise ValueError("empty offset")
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-")
    if ":" in body:
        hours, minutes = body.split(":", 1)
        delta = timedelta(hours=int(hours), minutes=int(minutes))
    elif len(body) == 4 and body.isdigit():
        delta = timedelta(hours=int(body[:2]), minutes=int(body[2:]))
    else:
        delta = timedelta(hours=float(body))
    if delta > timedelta(hours=14):
        raise ValueError(f"offset out of range: {value!r}")
    return timezone(sign * delta)
