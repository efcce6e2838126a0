"""The timeline of a status fragment ("Journey"), written without a Jinja call per value.

A parcel's 30 scans were most of ``_status.html``'s render: some eight expressions per
scan, each through Jinja's attribute lookup, ``escape`` and its output machinery, the
largest single cost of an uncached tracking page (benchmarks/README.md, issue 20). This
writes the same markup ``_status.html`` used to lay out itself, byte for byte (the test
renders both), from the presenter's ``DayView``s; the template places it with
``{{ journey }}``. Every value is escaped as the template escaped it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup

from portal.i18n import _
from portal.tracking_page.presenter import DayView


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
