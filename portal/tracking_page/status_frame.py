"""The status fragment rendered once per shape, with holes for the parcel's own values.

``_status.html`` is a pure function of a ShipmentView, the status URL, the poll interval
and the language. Most of a view is shared by many parcels: the status and its stages,
the explanation and next step, the carrier, the expected day, the pickup point. A few
values are the parcel's own: its id, tracking number, carrier link, time zone, timeline
and status URL. Rendering the fragment in Jinja was the largest part of an uncached
page's CPU after the lookup (benchmarks/README.md, issue 20), so a number-tier fragment
is rendered once per *shape* (the view without those values, with the language and the
poll interval), with holes for them, and each parcel's fragment is the pieces joined
around its own escaped values: byte for byte what the template writes (the test renders
both ways).

The key is every field of the view but the holes, read from the dataclass, so a field
added to ShipmentView later is part of the key unless it is made a hole on purpose: a
frame never shows one parcel's data for another. Signed-link fragments (``/t/…``), whose
template slices the status URL, are rendered in full.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import fields
from operator import attrgetter
from typing import Any

from jinja2 import Template
from markupsafe import Markup, escape

from portal.i18n import current_locale
from portal.tracking_page.page_cache import Frame
from portal.tracking_page.presenter import ShipmentView

#: The frame's holes, in the order ``fill`` passes their values.
HOLES = ("id", "tracking_number", "carrier_url", "zone", "journey", "status_url")
#: The view's fields a frame is keyed by: all but its holes (``journey``, the timeline's
#: HTML, is one) and ``event_count``, of which the fragment shows only whether there are
#: any scans (keyed).
_KEYED = tuple(f.name for f in fields(ShipmentView) if f.name not in {*HOLES, "event_count"})
#: The keyed fields' values, in ``_KEYED`` order.
_keyed = attrgetter(*_KEYED)


def shape_key(view: ShipmentView, status_url: str, poll_seconds: int) -> tuple[Any, ...] | None:
    """What the fragment is rendered from but the holes' values; None for a fragment
    rendered in full."""
    if status_url.startswith("/t/"):
        return None
    return (
        _keyed(view),
        bool(view.event_count),
        bool(view.carrier_url),
        poll_seconds,
        current_locale(),
    )


class _HoledView:
    """A ShipmentView whose hole fields read as their markers (for the template)."""

    def __init__(self, view: ShipmentView, marks: dict[str, str]) -> None:
        self._view = view
        self._marks = marks

    def __getattr__(self, name: str) -> Any:
        if name in self._marks:
            return self._marks[name]
        return getattr(self._view, name)


def render_frame(
    template: Template, view: ShipmentView, status_url: str, poll_seconds: int
) -> Frame:
    """``template`` rendered for ``view``'s shape, its per-parcel values left as holes."""
    mark = secrets.token_hex(16)  # plain letters and digits: the same escaped or quoted
    hole = {name: f"{mark}{i}x" for i, name in enumerate(HOLES)}
    marks = {name: hole[name] for name in ("id", "tracking_number", "zone")}
    if view.carrier_url:
        marks["carrier_url"] = hole["carrier_url"]
    html = template.render(
        {
            "view": _HoledView(view, marks),
            "status_url": hole["status_url"],
            "poll_seconds": poll_seconds,
            "journey": Markup(hole["journey"]),
        }
    )
    pieces = re.split(f"{mark}([0-9]+)x", html)
    return Frame(tuple(int(p) if i % 2 else p for i, p in enumerate(pieces)))


def fill(frame: Frame, view: ShipmentView, status_url: str, journey: str) -> str:
    """The fragment for ``view``: the frame's pieces around its values, escaped as the
    template escapes them."""
    return frame.html(
        (
            str(view.id),
            str(escape(view.tracking_number)),
            str(escape(view.carrier_url or "")),
            str(escape(view.zone)),
            journey,
            str(escape(status_url)),
        )
    )
