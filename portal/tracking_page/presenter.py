"""Turns a shipment and its events into what the tracking page shows.

Pure functions of stored data and the clock: the progress stages, the timeline grouped by
local day in the customer's time zone, the ETA, plain-words explanations, the "no news
for a while" hint and the pickup point. Templates only lay the result out.

Each scan is worded by us first, in the page's language (its status and, when the carrier
gave one, its reason); the carrier's own text follows as a secondary line, because it is
in whatever language the carrier writes and says less to a customer than our wording,
and it is left out when it only repeats ours (``Delivered`` under "Delivered").

The pickup point is a public place (a locker, a shop, a post office), shown at every tier
while the parcel is on its way there or waits in it; its pickup code opens the locker, so
it is shown only to a viewer who proved they are the customer (the order tier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_timezone_location
from markupsafe import Markup

from carriers import registry
from carriers.base import PickupKind, PickupPoint, Reason, Status
from portal import i18n
from portal.carrier_display import carrier_name
from portal.core import pickup
from portal.core.promise import Promise, open_promise
from portal.core.timezones import recipient_zone
from portal.i18n import _
from portal.models import Merchant, Order, Shipment
from portal.opening_hours import localise_hours
from portal.tracking import cadence
from portal.tracking_page import wording
from portal.tracking_page.journey import timeline_html
from portal.tracking_page.lookup import PageCustomer, PageMerchant, PageOrder, mask_words
from portal.tracking_page.scans import (
    ALERTS,
    EventLike,
)

#: Where each ordinary status sits on the progress bar (index into wording.STAGES).
STAGE_OF: dict[Status, int] = {
    Status.PENDING: 0,
    # A label exists but the carrier does not have the parcel yet: it has not shipped.
    Status.INFO_RECEIVED: 0,
    Status.IN_TRANSIT: 2,
    Status.OUT_FOR_DELIVERY: 3,
    Status.FAILED_ATTEMPT: 3,
    Status.AVAILABLE_FOR_PICKUP: 3,
    Status.DELIVERED: 4,
}
#: The stage a parcel for a pickup point waits at ("Ready for pickup", not "Out for delivery").
PICKUP_STAGE = STAGE_OF[Status.AVAILABLE_FOR_PICKUP]
_AT_THE_DOOR = frozenset({Status.OUT_FOR_DELIVERY, Status.FAILED_ATTEMPT})
_OCCURRED_AT = attrgetter("occurred_at")
#: The carrier has not taken the parcel yet: its dates are the shop's plan, not a promise.
NOT_HANDED_OVER = frozenset({Status.PENDING, Status.INFO_RECEIVED})


@dataclass(frozen=True, slots=True)
class StageView:
    label: str
    #: "done", "current" or "upcoming"
    state: str
    problem: bool = False


@dataclass(frozen=True, slots=True)
class PickupView:
    """Where to collect the parcel, as the page shows it."""

    kind: str
    kind_label: str
    point_id: str
    name: str | None
    street: str | None
    locality: str | None
    opening_hours: str | None
    deadline_iso: str | None
    deadline_text: str | None
    map_url: str | None
    #: Only for a viewer who proved they are the customer; None otherwise.
    code: str | None


@dataclass(frozen=True, slots=True)
class ShipmentView:
    id: int
    tracking_number: str
    status: str
    status_label: str
    reason: str | None
    is_final: bool
    alert: str | None
    stage_index: int
    stages: tuple[StageView, ...]
    explanation: str
    next_step: str
    eta_text: str | None
    #: The expected day has passed and the parcel is still on its way.
    late: bool
    delivered_text: str | None
    carrier_name: str
    carrier_url: str | None
    signed_by: str | None
    #: The timeline's HTML, newest day first (``journey.timeline_html``: what
    #: ``journey_html(timeline(…))`` writes); empty without scans.
    journey: Markup
    stale: bool
    #: The page's time zone as its readers name it: its city in the page's language
    #: ("Київ" for Europe/Kyiv in Ukrainian), see :func:`zone_label`.
    zone: str
    event_count: int
    pickup: PickupView | None = None
    #: Whose date ``eta_text`` is: "carrier", or "predicted" (ours, from the shop's history).
    eta_source: str | None = None
    #: Set instead of ``eta_text`` once the window has passed without delivery.
    late_text: str | None = None


def zone_for(
    merchant: Merchant | PageMerchant,
    order: Order | PageOrder | None,
    customer: PageCustomer | None,
    default_time_zone: str = "UTC",
) -> ZoneInfo:
    """The customer's zone, else the order country's single zone, else the merchant's."""
    return recipient_zone(
        customer=customer, order=order, merchant=merchant, default_time_zone=default_time_zone
    )


@lru_cache(maxsize=1024)
def zone_label(zone: ZoneInfo, locale: str) -> str:
    """``Europe/Kyiv`` → "Київ" (uk), "Kyiv" (en), as CLDR names the zone's city; a zone
    without a city ("UTC", "Etc/GMT+3") by its own name. Remembered per (zone, language):
    Babel's look-up was ≈ 9 µs of every uncached page (benchmarks/README.md, issue 20)."""
    try:
        return str(get_timezone_location(zone, locale=locale, return_city=True))
    except Exception:  # a zone or locale CLDR does not know: the name we have
        return zone.key


def carrier_display(shipment: Shipment) -> tuple[str, str | None]:
    """The carrier's display name and public tracking link (the stored link wins)."""
    try:
        adapter = registry.get(shipment.carrier_key)
    except KeyError:
        return shipment.carrier_key, shipment.carrier_url
    url = shipment.carrier_url
    if not url and adapter.tracking_url:
        url = adapter.tracking_url.format(number=shipment.tracking_number)
    return carrier_name(shipment.carrier_key, i18n.current_locale()), url


def reached_stage(shipment: Shipment, events: Sequence[EventLike]) -> int:
    """The furthest ordinary stage the parcel reached (for exceptional statuses)."""
    stages = [STAGE_OF[e.status] for e in events if e.status in STAGE_OF]
    best = max(stages, default=0)
    if shipment.shipped_at is not None:
        best = max(best, 1)
    return min(best, 3)  # an exceptional parcel was not delivered


def progress(shipment: Shipment, events: Sequence[EventLike]) -> tuple[int, tuple[StageView, ...]]:
    status = shipment.status
    index = STAGE_OF[status] if status in STAGE_OF else reached_stage(shipment, events)
    # A parcel bound for a locker or pickup point is not brought to the door: its last
    # stage before delivery is waiting there (unless a courier is out with it after all).
    at_point = status is Status.AVAILABLE_FOR_PICKUP or (
        bool(shipment.pickup_point) and status not in _AT_THE_DOOR
    )
    return index, _stages(status, index, at_point, i18n.current_locale())


@lru_cache(maxsize=512)
def _stages(status: Status, index: int, at_point: bool, speaking: str) -> tuple[StageView, ...]:
    """The progress bar's stages: the same for every parcel at this stage, in the language
    ``_`` translates into (``speaking``), so built once (frozen views, safe to share)."""
    problem = status in ALERTS
    stages = []
    for i, label in enumerate(wording.STAGES):
        if i == PICKUP_STAGE and at_point:
            label = wording.STATUS_LABELS[Status.AVAILABLE_FOR_PICKUP]
        if i < index or (i == index and status is Status.DELIVERED):
            state = "done"
        elif i == index:
            state = "current"
        else:
            state = "upcoming"
        stages.append(StageView(_(label), state, problem=problem and i == index))
    return tuple(stages)


def eta_text(
    shipment: Shipment,
    zone: ZoneInfo,
    locale: str,
    now: datetime | None = None,
    *,
    calendar: ZoneInfo | None = None,
) -> str | None:
    """The expected delivery day, or window, in the customer's time: the carrier's when it
    gave one, else ours; never a day already past (see :func:`late_text`). ``calendar`` is
    the parcel's :func:`~portal.core.timezones.delivery_zone` (``zone`` when not given):
    the days of the window are on its clock."""
    if shipment.status.is_final:
        return None
    calendar = calendar or zone
    return _eta_text(shipment, open_promise(shipment, calendar), zone, calendar, locale, now)


def _eta_text(
    shipment: Shipment,
    promise: Promise | None,
    zone: ZoneInfo,
    calendar: ZoneInfo,
    locale: str,
    now: datetime | None,
) -> str | None:
    """:func:`eta_text` with the parcel's ``open_promise`` worked out already."""
    if promise is None:
        return None
    if now is not None and _is_late(shipment, promise, calendar, now):
        return None
    start, end = shipment.eta_window_start, shipment.eta_window_end
    if promise.source == "carrier" and start is not None and end is not None:
        start, end = start.astimezone(zone), end.astimezone(zone)
        if start.date() == end.date():
            return _("%(day)s, between %(start)s and %(end)s") % {
                "day": format_date(start.date(), format="full", locale=locale),
                "start": format_time(start, format="short", locale=locale),
                "end": format_time(end, format="short", locale=locale),
            }
        return _("between %(start)s and %(end)s") % {
            "start": _stamp(start, locale),
            "end": _stamp(end, locale),
        }
    if promise.start == promise.end:
        return format_date(promise.end, format="full", locale=locale)
    return _("between %(start)s and %(end)s") % {
        "start": format_date(promise.start, format="full", locale=locale),
        "end": format_date(promise.end, format="full", locale=locale),
    }


def _is_late(shipment: Shipment, promise: Promise, calendar: ZoneInfo, now: datetime) -> bool:
    """Its last day is over on the destination's calendar (the clock the late watch goes
    by), or the carrier's timed window closed earlier today: either way the page must not
    show it as still to come."""
    if promise.late_at(now, calendar):
        return True
    end = shipment.eta_window_end
    return promise.source == "carrier" and end is not None and end < now


def late_text(
    shipment: Shipment,
    zone: ZoneInfo,
    locale: str,
    now: datetime,
    *,
    calendar: ZoneInfo | None = None,
) -> str | None:
    """What the page says instead of a date in the past: the parcel is late. Before the
    carrier has the parcel (a label only) a past date means nothing and nothing is said."""
    calendar = calendar or zone
    return _late_text(shipment, open_promise(shipment, calendar), calendar, locale, now)


def _late_text(
    shipment: Shipment, promise: Promise | None, calendar: ZoneInfo, locale: str, now: datetime
) -> str | None:
    """:func:`late_text` with the parcel's ``open_promise`` worked out already."""
    if shipment.status.is_final or shipment.status in NOT_HANDED_OVER:
        return None
    if promise is None or not _is_late(shipment, promise, calendar, now):
        return None
    return _(
        "Later than expected: it was due by %(day)s. We are keeping an eye on it and will "
        "let you know as soon as it moves."
    ) % {"day": format_date(promise.end, format="full", locale=locale)}


def _stamp(moment: datetime, locale: str) -> str:
    return _("%(day)s at %(time)s") % {
        "day": format_date(moment.date(), format="full", locale=locale),
        "time": format_time(moment, format="short", locale=locale),
    }


def map_url(point: PickupPoint) -> str | None:
    """OpenStreetMap at the point (a link, no tiles on our page), else a search for it."""
    if point.latitude is not None and point.longitude is not None:
        lat, lon = f"{point.latitude:.6f}", f"{point.longitude:.6f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
    words = [point.street, point.postal_code, point.city, point.country]
    query = ", ".join(w for w in words if w)
    if not query or not (point.street or point.city):
        return None
    return "https://www.openstreetmap.org/search?" + urlencode({"query": query}, quote_via=quote)


def pickup_view(
    shipment: Shipment, *, zone: ZoneInfo, locale: str, show_code: bool
) -> PickupView | None:
    """The stored pickup point while it matters (not once the parcel is collected or sent
    back), with its deadline in the customer's time and language."""
    if shipment.status.is_final or not shipment.pickup_point:
        return None
    point = pickup.from_json(shipment.pickup_point)
    if point is None:
        return None
    deadline = point.pickup_deadline
    local = deadline.astimezone(zone) if deadline else None
    locality = " ".join(p for p in (point.postal_code, point.city) if p) or None
    return PickupView(
        kind=point.kind.value,
        kind_label=wording.pickup_kind_label(PickupKind(point.kind)),
        point_id=point.point_id,
        name=point.name,
        street=point.street,
        locality=locality,
        opening_hours=localise_hours(point.opening_hours, locale),
        deadline_iso=local.isoformat() if local else None,
        deadline_text=_stamp(local, locale) if local else None,
        map_url=map_url(point),
        code=point.pickup_code if show_code else None,
    )


def mask_signer(name: str | None) -> str | None:
    """Who signed, as initials (``J*** S***``): enough to recognise, not a name to harvest."""
    return mask_words(name) if name else None


def present(
    shipment: Shipment,
    events: Sequence[EventLike],
    *,
    zone: ZoneInfo,
    locale: str,
    now: datetime,
    full_signer: bool = False,
    calendar: ZoneInfo | None = None,
) -> ShipmentView:
    """Everything the status fragment shows for one shipment.

    ``full_signer`` says the viewer proved they are the customer (the order tier): they
    see the signer's full name and the locker's pickup code. ``calendar`` is the parcel's
    :func:`~portal.core.timezones.delivery_zone` (``zone`` when not given): the expected
    days are on its clock, and it says when the last one is over.
    """
    calendar = calendar or zone
    status = shipment.status
    reason = Reason(shipment.reason) if shipment.reason else None
    index, stages = progress(shipment, events)
    locker = (shipment.pickup_point or {}).get("kind") == PickupKind.LOCKER.value
    what, next_step = wording.explanation(status, reason, locker=locker)
    carrier_name, carrier_url = carrier_display(shipment)
    delivered = None
    if status is Status.DELIVERED and shipment.delivered_at is not None:
        delivered = _stamp(shipment.delivered_at.astimezone(zone), locale)
    last_event = max(map(_OCCURRED_AT, events), default=shipment.last_event_at)
    # worked out once for the three that read it (it was three times a page)
    promise = open_promise(shipment, calendar)
    late = _late_text(shipment, promise, calendar, locale, now)
    return ShipmentView(
        id=shipment.id,
        tracking_number=shipment.tracking_number,
        status=status.value,
        status_label=wording.status_label(status),
        reason=reason.value if reason else None,
        is_final=status.is_final,
        alert=ALERTS.get(status),
        stage_index=index,
        stages=stages,
        explanation=what,
        next_step=next_step,
        eta_text=_eta_text(shipment, promise, zone, calendar, locale, now),
        eta_source=promise.source if promise is not None else None,
        late_text=late,
        late=late is not None,
        delivered_text=delivered,
        carrier_name=carrier_name,
        carrier_url=carrier_url,
        signed_by=shipment.signed_by if full_signer else mask_signer(shipment.signed_by),
        journey=timeline_html(events, zone, locale),
        stale=cadence.is_stale(status, last_event, now, since=shipment.created_at),
        zone=zone_label(zone, locale),
        event_count=len(events),
        pickup=pickup_view(shipment, zone=zone, locale=locale, show_code=full_signer),
    )
