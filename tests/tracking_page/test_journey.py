"""``journey_html`` writes what ``_status.html``'s own loop wrote, byte for byte, and the
page's one pass from the event rows (``timeline_html``) writes what it writes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup

from carriers.base import Reason, Status
from portal import i18n
from portal.tracking_page.events import EventRow
from portal.tracking_page.journey import journey_html, timeline_html
from portal.tracking_page.scans import DayView, EventView, timeline
from portal.web.templating import build_environment

#: The loop ``_status.html`` laid the timeline out with before ``journey_html``.
LOOP = """  <h3>x</h3>
  {% if days %}
  {% for day in days %}
  <h4 class="day"><time datetime="{{ day.day_iso }}">{{ day.heading }}</time></h4>
  <ol class="timeline">
    {% for event in day.events %}
    <li class="event{% if event.problem %} event-problem{% endif %}">
      <time class="event-time" datetime="{{ event.when_iso }}">{{ event.time_text }}</time>
      <span class="event-label">{{ event.label }}</span>
      {% if event.reason %}
      <span class="event-reason">{{ event.reason }}</span>
      {% endif %}
      {% if event.carrier_text %}
      <span class="event-carrier-text"><span class="visually-hidden">{{ _("In the carrier's words:") }} </span>{{ event.carrier_text }}</span>
      {% endif %}
      {% if event.place %}
      <span class="event-place">{{ event.place }}</span>
      {% endif %}
    </li>
    {% endfor %}
  </ol>
  {% endfor %}
  <p class="hint">end</p>
  {% endif %}
"""  # noqa: E501
NOW_PLACED = """  <h3>x</h3>
  {% if days %}
{{ journey }}
  <p class="hint">end</p>
  {% endif %}
"""


def _event(n: int, **changes: object) -> EventView:
    fields: dict[str, object] = {
        "when_iso": f"2026-12-0{n}T10:0{n}:00+01:00",
        "time_text": f"10:0{n}",
        "label": "On its way",
        "reason": "",
        "carrier_text": "",
        "place": "",
        "problem": False,
    }
    fields.update(changes)
    return EventView(**fields)  # type: ignore[arg-type]


DAYS = (
    DayView(
        "2026-12-02",
        "Wednesday, 2 December 2026",
        (
            _event(2, problem=True, reason="Nobody was home <&>", place="St John's, &c"),
            _event(1, carrier_text='Przesyłka "w drodze" & <b>', place="Łódź"),
        ),
    ),
    DayView("2026-12-01", "Tuesday, 1 December 2026", (_event(1),)),
)


@pytest.mark.parametrize("locale", ["en", "pl", "uk"])
@pytest.mark.parametrize("days", [DAYS, DAYS[1:], ()])
def test_it_writes_what_the_template_loop_wrote(locale: str, days: tuple[DayView, ...]) -> None:
    env = build_environment()
    token = i18n.set_locale(locale)
    try:
        before = env.from_string(LOOP).render(days=days)
        after = env.from_string(NOW_PLACED).render(days=days, journey=journey_html(days))
    finally:
        i18n.reset_locale(token)
    assert after == before
    if days is DAYS:
        assert "&lt;b&gt;" in after and "event-problem" in after


# --- the page's one pass from the event rows ----------------------------------------------

UTC = ZoneInfo("UTC")
#: Scans around Warsaw's change back to winter time (03:00 → 02:00 on 25 October 2026),
#: across midnight there and in UTC, with and without reasons, carriers' words and places.
IN_TRANSIT, FAILED, PROBLEM = Status.IN_TRANSIT, Status.FAILED_ATTEMPT, Status.EXCEPTION


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


SCANS = (
    (_at(24, 21, 30), Status.INFO_RECEIVED, None, "", None, None, None),
    (_at(24, 22, 30), IN_TRANSIT, None, "Arrived", "Łódź", None, "PL"),
    (_at(25, 0, 30), IN_TRANSIT, None, "In transit", None, "Mazowieckie", "PL"),
    (_at(25, 1, 30), IN_TRANSIT, None, "Sorted <\"&'>", "St John's, &c", None, None),
    (_at(25, 1, 30), Status.OUT_FOR_DELIVERY, None, "Out", "Kraków", None, "PL"),
    (
        _at(26, 9, 5),
        FAILED,
        Reason.RECIPIENT_UNAVAILABLE,
        "Nicht angetroffen",
        "Kraków",
        None,
        "PL",
    ),
    (_at(26, 12), PROBLEM, Reason.UNKNOWN, "Shipment on hold", None, None, None),
    (_at(27, 8), Status.DELIVERED, None, "Delivered", "Kraków", None, "PL"),
)


def _rows(scans: tuple[tuple[object, ...], ...]) -> list[EventRow]:
    return [
        EventRow(n, 1, when, status, words, city, region, country, reason)  # type: ignore[arg-type]
        for n, (when, status, reason, words, city, region, country) in enumerate(scans, start=1)
    ]


@pytest.mark.parametrize("locale", ["en", "pl", "uk"])
@pytest.mark.parametrize("zone", ["Europe/Warsaw", "UTC", "America/Santiago", "Asia/Kolkata"])
@pytest.mark.parametrize("scans", [SCANS, SCANS[5:6], ()], ids=["all", "one", "none"])
def test_the_page_writes_the_timeline_in_one_pass_byte_for_byte(
    locale: str, zone: str, scans: tuple[tuple[object, ...], ...]
) -> None:
    rows = _rows(scans)
    token = i18n.set_locale(locale)
    try:
        structured = journey_html(timeline(rows, ZoneInfo(zone), locale))
        one_pass = timeline_html(list(reversed(rows)), ZoneInfo(zone), locale)
    finally:
        i18n.reset_locale(token)
    assert one_pass == structured
    assert isinstance(one_pass, Markup)
    if scans is SCANS:
        assert "Sorted &lt;&#34;&amp;&#39;&gt;" in one_pass and "event-problem" in one_pass
