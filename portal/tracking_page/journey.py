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

from markupsafe import Markup, escape

from portal.i18n import _
from portal.tracking_page.presenter import DayView


def _carrier_words() -> str:
    """Said (hidden) before the carrier's own words of a scan, for screen readers; as the
    templates' ``_()`` gives a translation (trusted, ``%%`` unescaped)."""
    return str(Markup(_("In the carrier's words:")) % {})


def journey_html(days: Sequence[DayView]) -> Markup:
    """The days' headings and timelines, newest first, without the final newline."""
    out: list[str] = []
    add = out.append
    carrier_words = ""
    for day in days:
        add(
            f'  <h4 class="day"><time datetime="{escape(day.day_iso)}">'
            f'{escape(day.heading)}</time></h4>\n  <ol class="timeline">\n'
        )
        for event in day.events:
            add(
                f'    <li class="event{" event-problem" if event.problem else ""}">\n'
                f'      <time class="event-time" datetime="{escape(event.when_iso)}">'
                f"{escape(event.time_text)}</time>\n"
                f'      <span class="event-label">{escape(event.label)}</span>\n'
            )
            if event.reason:
                add(f'      <span class="event-reason">{escape(event.reason)}</span>\n')
            if event.carrier_text:
                carrier_words = carrier_words or _carrier_words()
                add(
                    '      <span class="event-carrier-text"><span class="visually-hidden">'
                    f"{carrier_words} </span>{escape(event.carrier_text)}</span>\n"
                )
            if event.place:
                add(f'      <span class="event-place">{escape(event.place)}</span>\n')
            add("    </li>\n")
        add("  </ol>\n")
    return Markup("".join(out).removesuffix("\n"))
