"""A scan as the tracking page words it: its label, reason, carrier's words, place, clock
time and day heading, in the page's language, and the timeline's structure.

Shared by the presenter (which builds the page's view) and ``journey`` (which writes the
timeline's HTML in one pass), so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from functools import lru_cache
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from carriers.base import Reason, Status
from portal.i18n import current_locale
from portal.tracking_page import wording


class EventLike(Protocol):
    """What the page reads of a tracking event: a TrackingEvent, or the plain row the page
    loads (events.EventRow)."""

    @property
    def id(self) -> int: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def status(self) -> Status: ...
    @property
    def description(self) -> str: ...
    @property
    def city(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...


#: Statuses that need the customer's attention, and how loudly.
ALERTS: dict[Status, str] = {
    Status.FAILED_ATTEMPT: "warning",
    Status.AVAILABLE_FOR_PICKUP: "action",
    Status.EXCEPTION: "problem",
    Status.RETURNED_TO_SENDER: "problem",
    Status.EXPIRED: "warning",
}


class EventView(NamedTuple):
    """One scan as the timeline shows it (a tuple: 30 of them a page, built cheaply)."""

    when_iso: str
    time_text: str
    #: Our wording of the scan's status, in the page's language.
    label: str
    #: Our sentence for its reason (empty when the carrier gave none).
    reason: str
    #: The carrier's own text, shown under ours; empty when absent or a repeat of ours.
    carrier_text: str
    place: str
    problem: bool


class DayView(NamedTuple):
    day_iso: str
    heading: str
    events: tuple[EventView, ...]


@lru_cache(maxsize=8192)
def clock_text(locale: str, hour: int, minute: int) -> str:
    """A wall time as the language writes it; cached, as babel formatting is costly."""
    return format_time(time(hour, minute), format="short", locale=locale)


@lru_cache(maxsize=4096)
def day_heading(day: date, locale: str) -> str:
    return format_date(day, format="full", locale=locale)


@lru_cache(maxsize=8192)  # a carrier's depots and towns repeat across parcels
def place_of(city: str | None, region: str | None, country: str | None) -> str:
    """City, region and country of a scan; never a street or a postcode."""
    return ", ".join(p for p in (city, region, country) if p)


@lru_cache(maxsize=8192)  # carriers word their scans from a small vocabulary
def scan_words(
    status: str, reason: str | None, description: str | None, locale: str, speaking: str
) -> tuple[str, str, str, bool]:
    """A scan's label, reason, carrier's words (see ``wording``) and whether it is a
    problem: the same for every parcel's scan with these columns. ``speaking`` is the
    language ``_`` translates into (the request's), part of the key like ``locale``."""
    state = Status(status)
    why = Reason(reason) if reason else None
    return (
        wording.status_label(state),
        wording.event_reason(state, why),
        wording.carrier_text(description, state, why, locale),
        state in ALERTS,
    )


def timeline(events: Sequence[EventLike], zone: ZoneInfo, locale: str) -> tuple[DayView, ...]:
    """Events newest first, grouped by the local calendar day they happened on: the
    timeline's structure, which ``journey.journey_html`` lays out. The page writes the
    same HTML in one pass (``journey.timeline_html``, held to the same bytes by a test)."""
    days: dict[date, list[EventView]] = {}
    speaking = current_locale()
    for event in sorted(events, key=lambda e: (e.occurred_at, e.id or 0), reverse=True):
        local = event.occurred_at.astimezone(zone)
        label, reason, carrier_text, problem = scan_words(
            event.status, event.reason, event.description, locale, speaking
        )
        day = local.date()
        scans = days.get(day)
        if scans is None:
            scans = days[day] = []
        scans.append(
            EventView(
                local.isoformat(),
                clock_text(locale, local.hour, local.minute),
                label,
                reason,
                carrier_text,
                place_of(event.city, event.region, event.country),
                problem,
            )
        )
    return tuple(
        DayView(day.isoformat(), day_heading(day, locale), tuple(scans))
        for day, scans in days.items()
    )
