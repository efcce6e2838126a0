"""The timeline of a status fragment ("Journey"), written without a Jinja call per value.

A parcel's 30 scans were most of ``_status.html``'s render: some eight expressions per
scan, each through Jinja's attribute lookup, ``escape`` and its output machinery, the
largest single cost of an uncached tracking page (benchmarks/README.md, issue 20). This
writes the same markup ``_status.html`` used to lay out itself, byte for byte (the test
renders both), from the presenter's ``DayView``s; the template places it with
``{{ journey }}``. Every value is escaped as the template escaped it.

The page itself writes the same bytes in one pass from the event rows
(``timeline_html``): no ``EventView`` or ``DayView`` between, a scan's words and place
written and escaped once per distinct (status, reason, carrier's text, place, language)
and a clock time once per (language, hour, minute). Building those views and walking
them again was the largest part of presenting a parcel (benchmarks/README.md, issue 20);
``scans.timeline`` keeps the structured form, and the test holds the two to the same
bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from operator import attrgetter
from zoneinfo import ZoneInfo

from markupsafe import Markup

from portal.i18n import _, current_locale
from portal.tracking_page.scans import (
    DayView,
    EventLike,
    clock_text,
    day_heading,
    place_of,
    scan_words,
)


@lru_cache(maxsize=8192)  # labels, places, clock times and days repeat across parcels
def _e(text: str) -> str:
    """``markupsafe.escape`` for a plain string, without building a Markup: a third of
    the time for the 150 values of a 30-scan timeline."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _carrier_words() -> str:
    """Said (hidden) before the carrier's own words of a scan, for screen readers; as the
    templates' ``_()`` gives a translation (trusted, ``%%`` unescaped)."""
    return str(Markup(_("In the carrier's words:")) % {})


def journey_html(days: Sequence[DayView]) -> Markup:
    """The days' headings and timelines, newest first, without the final newline. The
    ISO dates and times (digits, ``-:+T.``) need no escaping; every other value is."""
    out: list[str] = []
    add = out.append
    carrier_words = ""
    for day in days:
        add(
            f'  <h4 class="day"><time datetime="{day.day_iso}">'
            f'{_e(day.heading)}</time></h4>\n  <ol class="timeline">\n'
        )
        for event in day.events:
            add(
                f'    <li class="event{" event-problem" if event.problem else ""}">\n'
                f'      <time class="event-time" datetime="{event.when_iso}">'
                f"{_e(event.time_text)}</time>\n"
                f'      <span class="event-label">{_e(event.label)}</span>\n'
            )
            if event.reason:
                add(f'      <span class="event-reason">{_e(event.reason)}</span>\n')
            if event.carrier_text:
                carrier_words = carrier_words or _carrier_words()
                add(
                    '      <span class="event-carrier-text"><span class="visually-hidden">'
                    f"{carrier_words} </span>{_e(event.carrier_text)}</span>\n"
                )
            if event.place:
                add(f'      <span class="event-place">{_e(event.place)}</span>\n')
            add("    </li>\n")
        add("  </ol>\n")
    return Markup("".join(out).removesuffix("\n"))


@lru_cache(maxsize=4096)
def _day_head(day: date, locale: str) -> str:
    """A day's heading and the opening of its list, as ``journey_html`` writes them."""
    return (
        f'  <h4 class="day"><time datetime="{day.isoformat()}">'
        f'{_e(day_heading(day, locale))}</time></h4>\n  <ol class="timeline">\n'
    )


@lru_cache(maxsize=8192)
def _clock_html(locale: str, hour: int, minute: int) -> str:
    return _e(clock_text(locale, hour, minute))


@lru_cache(maxsize=8192)  # carriers word their scans from a small vocabulary, depots repeat
def _scan_html(
    status: str,
    reason: str | None,
    description: str | None,
    city: str | None,
    region: str | None,
    country: str | None,
    locale: str,
    speaking: str,
) -> tuple[str, str]:
    """A scan's class suffix and its lines after the time, as ``journey_html`` writes
    them: the same for every scan with these columns in these languages (``speaking`` is
    the one ``_`` translates into, see ``scans.scan_words``)."""
    label, why, carrier_text, problem = scan_words(status, reason, description, locale, speaking)
    place = place_of(city, region, country)
    lines = [f'      <span class="event-label">{_e(label)}</span>\n']
    if why:
        lines.append(f'      <span class="event-reason">{_e(why)}</span>\n')
    if carrier_text:
        lines.append(
            '      <span class="event-carrier-text"><span class="visually-hidden">'
            f"{_carrier_words()} </span>{_e(carrier_text)}</span>\n"
        )
    if place:
        lines.append(f'      <span class="event-place">{_e(place)}</span>\n')
    lines.append("    </li>\n")
    return (" event-problem" if problem else ""), "".join(lines)


@lru_cache(maxsize=256)
def _offset_iso(offset: timedelta | None) -> str:
    """What ``datetime.isoformat`` ends with for a time at this UTC offset."""
    if offset is None:
        return ""
    return datetime(2000, 1, 1, tzinfo=timezone(offset)).isoformat()[len("2000-01-01T00:00:00") :]


_NEWEST_FIRST = attrgetter("occurred_at", "id")


def _newest_first(events: Sequence[EventLike]) -> list[EventLike]:
    """The events by time then id, newest first (``scans.timeline``'s order)."""
    try:  # the key in C; an event without an id (unsaved) cannot be compared by it
        return sorted(events, key=_NEWEST_FIRST, reverse=True)
    except TypeError:
        return sorted(events, key=lambda e: (e.occurred_at, e.id or 0), reverse=True)


def timeline_html(events: Sequence[EventLike], zone: ZoneInfo, locale: str) -> Markup:
    """``journey_html(scans.timeline(events, zone, locale))`` in one pass over the
    events: newest first, grouped by local calendar day. A day's ISO date and an offset's
    text are worked out when the day or the offset changes from the scan before, not per
    scan (a parcel's scans mostly share both with their neighbours)."""
    speaking = current_locale()
    clocks = _clocks(locale)
    days: dict[date, list[str]] = {}
    day: date | None = None
    day_iso = ""
    scans: list[str] = []
    offset: timedelta | None = _NO_OFFSET
    offset_iso = ""
    for event in _newest_first(events):
        local = event.occurred_at.astimezone(zone)
        if (this_day := local.date()) != day:
            day, day_iso = this_day, this_day.isoformat()
            if (kept := days.get(this_day)) is None:  # a day seen before: clocks turned back
                kept = days[this_day] = [_day_head(this_day, locale)]
            scans = kept
        if (this_offset := local.utcoffset()) is not offset:
            offset, offset_iso = this_offset, _offset_iso(this_offset)
        minute = local.hour * 60 + local.minute
        if (clock := clocks.get(minute)) is None:
            clock = clocks[minute] = _clock_html(locale, local.hour, local.minute)
        problem, lines = _scan_html(
            event.status,
            event.reason,
            event.description,
            event.city,
            event.region,
            event.country,
            locale,
            speaking,
        )
        scans.append(
            f'    <li class="event{problem}">\n'
            f'      <time class="event-time" datetime="{day_iso}T{local.time().isoformat()}'
            f'{offset_iso}">{clock}</time>\n{lines}'
        )
    html = "  </ol>\n".join("".join(scans) for scans in days.values())
    return Markup(html + "  </ol>" if html else "")


#: No offset seen yet (None is a naive time's).
_NO_OFFSET = timedelta(days=2)


@lru_cache(maxsize=64)
def _clocks(locale: str) -> dict[int, str]:
    """A language's clock times by minute of the day, filled as they are written: a look-up
    a scan instead of a cached call with three arguments."""
    return {}
