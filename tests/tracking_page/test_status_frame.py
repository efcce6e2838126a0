"""A status fragment filled into its shape's frame is what ``_status.html`` writes."""

from __future__ import annotations

import dataclasses

import pytest
from markupsafe import Markup

from portal import i18n
from portal.tracking_page.journey import journey_html
from portal.tracking_page.presenter import PickupView, ShipmentView, StageView
from portal.tracking_page.render import STATUS_TEMPLATE
from portal.tracking_page.scans import DayView, EventView
from portal.tracking_page.status_frame import fill, render_frame, shape_key
from portal.web.templating import build_environment

DAYS = (
    DayView(
        "2026-12-02",
        "Wednesday, 2 December 2026",
        (
            EventView("2026-12-02T10:02:00+01:00", "10:02", "On its way", "", "", "Łódź", False),
            EventView("2026-12-02T09:00:00+01:00", "09:00", "Attempt", "Nobody <&>", "", "", True),
        ),
    ),
)
STAGES = (
    StageView("Ordered", "done"),
    StageView("Shipped", "done"),
    StageView("On its way", "current"),
    StageView("Out for delivery", "upcoming"),
    StageView("Delivered", "upcoming"),
)
PICKUP = PickupView(
    kind="locker",
    kind_label="Parcel locker",
    point_id="KRA01M",
    name="Paczkomat <KRA01M>",
    street="ul. Długa 1",
    locality="31-123 Kraków",
    opening_hours="24/7",
    deadline_iso="2026-12-09T10:00:00+01:00",
    deadline_text="Wednesday, 9 December 2026 at 10:00",
    map_url="https://www.openstreetmap.org/?mlat=50&mlon=19",
    code=None,
)
VIEW = ShipmentView(
    id=17,
    tracking_number='SBX<"&>01',
    status="in_transit",
    status_label="On its way",
    reason=None,
    is_final=False,
    alert=None,
    stage_index=2,
    stages=STAGES,
    explanation="The carrier has your parcel & is moving it.",
    next_step="Nothing: we will let you know.",
    eta_text="Friday, 4 December 2026",
    late=False,
    delivered_text=None,
    carrier_name="Sandbox",
    carrier_url="https://carrier.example/track?n=SBX%3C01&x=1",
    signed_by=None,
    journey=journey_html(DAYS),
    stale=False,
    zone="Europe/Warsaw",
    event_count=2,
)
VIEWS = {
    "in transit": VIEW,
    "no carrier link, no scans": dataclasses.replace(
        VIEW, carrier_url=None, journey=Markup(""), event_count=0
    ),
    "stale, predicted": dataclasses.replace(VIEW, stale=True, eta_source="predicted"),
    "late": dataclasses.replace(VIEW, eta_text=None, late=True, late_text="Later <than> due"),
    "pickup": dataclasses.replace(
        VIEW, status="available_for_pickup", alert="action", pickup=PICKUP
    ),
    "delivered": dataclasses.replace(
        VIEW,
        status="delivered",
        is_final=True,
        eta_text=None,
        delivered_text="Thursday at 12:00",
        signed_by="J*** S***",
    ),
}
URLS = ["/track/SBX%3C01/status", "/track/SBX01/status?shop=a%26b", "/t/abc.def/status"]


def _render(view: ShipmentView, url: str, poll_seconds: int = 30) -> tuple[str, str]:
    """The fragment rendered in full, and filled into a frame rendered for another parcel
    of the same shape."""
    template = build_environment().get_template(STATUS_TEMPLATE)
    journey = view.journey
    full = template.render(view=view, status_url=url, poll_seconds=poll_seconds, journey=journey)
    other = dataclasses.replace(
        view,
        id=99,
        tracking_number="OTHER",
        carrier_url="https://other.example/" if view.carrier_url else view.carrier_url,
        zone="America/New_York",
        journey=journey_html(DAYS[:1]) if view.event_count else Markup(""),
        event_count=1 if view.event_count else 0,
    )
    frame = render_frame(template, other, "/track/OTHER/status", poll_seconds)
    return full, fill(frame, view, url, journey)


@pytest.mark.parametrize("locale", ["en", "pl", "el"])
@pytest.mark.parametrize("name", list(VIEWS))
@pytest.mark.parametrize("url", URLS[:2])
def test_a_filled_frame_is_what_the_template_writes(locale: str, name: str, url: str) -> None:
    token = i18n.set_locale(locale)
    try:
        full, filled = _render(VIEWS[name], url)
    finally:
        i18n.reset_locale(token)
    assert filled == full
    assert "SBX&lt;&#34;&amp;&gt;01" in filled and "OTHER" not in filled
    hash(shape_key(VIEWS[name], url, 30))  # a cache key: every keyed field is hashable


def test_parcels_of_one_shape_share_a_key() -> None:
    other = dataclasses.replace(VIEW, id=2, tracking_number="X", zone="UTC", event_count=9)
    assert shape_key(VIEW, URLS[0], 30) == shape_key(other, URLS[1], 30)


@pytest.mark.parametrize(
    "change",
    [
        {"status_label": "Delivered"},
        {"eta_text": "Monday"},
        {"signed_by": "A*** B***"},
        {"pickup": PICKUP},
        {"event_count": 0},
        {"carrier_url": None},
        {"stages": STAGES[:4]},
    ],
)
def test_anything_shown_but_the_holes_is_in_the_key(change: dict[str, object]) -> None:
    assert shape_key(VIEW, URLS[0], 30) != shape_key(
        dataclasses.replace(VIEW, **change),  # type: ignore[arg-type]
        URLS[0],
        30,
    )


def test_the_language_and_the_poll_interval_are_in_the_key() -> None:
    token = i18n.set_locale("pl")
    try:
        polish = shape_key(VIEW, URLS[0], 30)
    finally:
        i18n.reset_locale(token)
    assert polish != shape_key(VIEW, URLS[0], 30)
    assert shape_key(VIEW, URLS[0], 60) != shape_key(VIEW, URLS[0], 30)


def test_a_signed_link_fragment_is_rendered_in_full() -> None:
    assert shape_key(VIEW, URLS[2], 30) is None
