"""Pure parsing of InPost ShipX tracking responses (already JSON-decoded).

``GET /v1/tracking/{number}`` answers one *Tracking* resource: ``tracking_number``,
``status`` (the current one), ``tracking_details`` (newest first: ``status``,
``origin_status``, ``agency``, ``datetime``) and, for locker parcels,
``custom_attributes`` with the target locker's id and details (name, address lines,
opening hours, location). Anything else raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from carriers.base import (
    PickupKind,
    PickupPoint,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.inpost import codes
from carriers.parsing import JsonReader, short_repr

_read = JsonReader("inpost:", short_repr)

#: ShipX PL serves Polish parcels; its wall times (when offset-less) are Polish too.
COUNTRY = "PL"

#: What InPost calls its parcel lockers in Poland (Paczkomat®), before the locker's code.
LOCKER = "Paczkomat"

#: ``line2`` of a ShipX address: "31-870 Kraków".
_POSTAL_LINE = re.compile(r"^(\d{2}-\d{3})\s+(.+)$")


def _time(text: str) -> datetime:
    return _read.iso_time(text, COUNTRY, what="datetime")


def parse_event(raw: Any) -> TrackingEvent:
    """One ``tracking_details`` entry; its status name is kept as the carrier code, InPost's
    Polish title for it (:data:`codes.TITLES`) as the description."""
    raw = _read.obj(raw, "tracking detail")
    name = _read.field_text(raw, "status")
    stamp = _read.field_text(raw, "datetime")
    if name is None or stamp is None:
        raise _read.fail("tracking detail without status or datetime", raw)
    status, reason = codes.classify(name)
    return TrackingEvent(
        occurred_at=_time(stamp),
        status=status,
        reason=reason,
        carrier_code=name.lower(),
        description=codes.TITLES.get(name.strip().lower(), ""),
        country=COUNTRY,
    )


def _kind(detail: dict[str, Any]) -> PickupKind:
    """A locker unless ShipX says the point is a partner shop (``pop``)."""
    listed: Sequence[Any] = _read.optional_list(detail, "type")
    types = {t.lower() for t in listed if isinstance(t, str)}
    if types and "parcel_locker" not in types and types & {"pop", "parcel_point"}:
        return PickupKind.SHOP
    return PickupKind.LOCKER


def point_name(point_id: str, kind: PickupKind, directions: str | None) -> str:
    """A locker as Poles know it and InPost names it, by its code ("Paczkomat KRA01M");
    a partner shop by ShipX's ``location_description``, else its code. (A locker's
    description, "Przy sklepie Biedronka", is no name: its address and map say where.)"""
    if kind is PickupKind.LOCKER:
        return f"{LOCKER} {point_id}"
    return directions or point_id


def parse_pickup_point(raw: dict[str, Any]) -> PickupPoint | None:
    """The target locker from ``custom_attributes``, or None when ShipX names none."""
    attributes = _read.optional_obj(raw, "custom_attributes")
    detail = _read.optional_obj(attributes, "target_machine_detail")
    point_id = _read.field_text(attributes, "target_machine_id") or _read.field_text(detail, "name")
    if point_id is None:
        return None
    address = _read.optional_obj(detail, "address")
    line2 = _read.field_text(address, "line2")
    postal_code, city = None, line2
    if line2 and (match := _POSTAL_LINE.match(line2)):
        postal_code, city = match.group(1), match.group(2).strip()
    location = _read.optional_obj(detail, "location")
    hours = _read.field_text(detail, "opening_hours")
    if hours is None and detail.get("location247") is True:
        hours = "24/7"
    kind = _kind(detail)
    return PickupPoint(
        point_id=point_id,
        kind=kind,
        name=point_name(point_id, kind, _read.field_text(detail, "location_description")),
        street=_read.field_text(address, "line1"),
        city=city,
        postal_code=postal_code,
        country=COUNTRY,
        latitude=_read.coordinate(location, "latitude", 90.0),
        longitude=_read.coordinate(location, "longitude", 180.0),
        opening_hours=hours,
    )


def parse_tracking(doc: Any) -> TrackingResult:
    """A Tracking resource -> a result numbered by its ``tracking_number``."""
    raw = _read.obj(doc, "tracking")
    number = _read.field_text(raw, "tracking_number")
    if number is None:
        raise _read.fail("tracking without tracking_number", raw)
    details: Sequence[Any] = _read.optional_list(raw, "tracking_details")
    # ShipX lists newest first: reverse, then a stable sort keeps its order for equal times.
    events = sorted((parse_event(item) for item in reversed(details)), key=lambda e: e.occurred_at)
    result = TrackingResult(number=number, events=events)

    current = (_read.field_text(raw, "status") or "").lower()
    if current:
        result.status, result.reason = codes.classify(current)
    elif events:
        result.status, result.reason = events[-1].status, events[-1].reason

    expired = any(event.carrier_code in codes.EXPIRED for event in events)
    if result.status is Status.RETURNED_TO_SENDER and expired:
        result.reason = Reason.NOT_COLLECTED

    delivered = [event for event in events if event.status is Status.DELIVERED]
    if delivered:
        result.delivered_at = delivered[-1].occurred_at

    latest = current or (events[-1].carrier_code if events else "")
    pickup = parse_pickup_point(raw)  # read even when dropped, so a bad one is refused
    # At a branch (or on its way back) the parcel is no longer bound for its locker, and
    # ShipX does not say which branch holds it: naming the locker would mislead.
    away = latest in codes.AT_BRANCH or result.status is Status.RETURNED_TO_SENDER
    result.pickup_point = None if away else pickup
    return result


def is_error(doc: Any) -> bool:
    """True for a ShipX error body (``{"status": 404, "error": "...", ...}``)."""
    if not isinstance(doc, dict) or "tracking_number" in doc:
        return False
    return "error" in doc or "status" in doc
