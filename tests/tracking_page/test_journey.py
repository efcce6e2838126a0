"""``journey_html`` writes what ``_status.html``'s own loop wrote, byte for byte."""

from __future__ import annotations

import pytest

from portal import i18n
from portal.tracking_page.journey import journey_html
from portal.tracking_page.presenter import DayView, EventView
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
