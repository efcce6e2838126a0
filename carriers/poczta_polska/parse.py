"""Pure parsing of Poczta Polska ``Przesylka`` answers, as zeep serialises them.

The adapter turns zeep's reply into plain dicts and lists (``zeep.helpers.serialize_object``)
so this module never touches XML: ``{"numer", "status", "danePrzesylki": {..., "zdarzenia":
{"zdarzenie": [...]}}}``. Events come with ``czas`` ("2026-11-20 10:15", Polish wall time),
``kod``, ``nazwa``, ``konczace``, ``przyczyna`` and ``jednostka`` (the post office, with
``daneSzczegolowe``: address, coordinates and opening hours when the ``...Pl`` operations
are used). Anything that is not such an answer raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from carriers.base import (
    PickupKind,
    PickupPoint,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.parsing import JsonReader, short_repr
from carriers.poczta_polska import codes

_read = JsonReader("poczta_polska:", short_repr)

#: The service reports Polish local time without an offset.
TIME_COUNTRY = "PL"

_HOURS = (("dniRobocze", "Mon–Fri"), ("soboty", "Sat"), ("niedzISw", "Sun & holidays"))


def answer_status(doc: Any) -> int:
    """The ``status`` of a ``Przesylka`` answer (see :data:`codes.ANSWER_STATUSES`)."""
    raw = _read.obj(doc, "answer")
    status = raw.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        raise _read.fail("answer without an integer status", raw)
    return status


def _opening_hours(details: dict[str, Any]) -> str | None:
    """``godzinyPracy`` as one line: "Mon–Fri 08:00-20:00; Sat 09:00-14:00 (note)"."""
    week = _read.optional_obj(details, "godzinyPracy")
    parts = []
    for key, label in _HOURS:
        day = _read.optional_obj(week, key)
        hours, note = _read.field_text(day, "godziny"), _read.field_text(day, "uwagi")
        if hours or note:
            parts.append(" ".join(filter(None, (label, hours))) + (f" ({note})" if note else ""))
    return "; ".join(parts) or None


def _street(details: dict[str, Any]) -> str | None:
    street, house = _read.field_text(details, "ulica"), _read.field_text(details, "nrDomu")
    flat = _read.field_text(details, "nrLokalu")
    if house and flat:
        house = f"{house}/{flat}"
    return " ".join(filter(None, (street, house))) or None


def parse_pickup_point(unit: dict[str, Any]) -> PickupPoint | None:
    """The post office (``jednostka``) holding a parcel after a notice, or None unnamed."""
    name = _read.field_text(unit, "nazwa")
    if name is None:
        return None
    details = _read.optional_obj(unit, "daneSzczegolowe")
    return PickupPoint(
        point_id=name,
        kind=PickupKind.POST_OFFICE,
        name=name,
        street=_street(details),
        city=_read.field_text(details, "miejscowosc"),
        postal_code=_read.field_text(details, "pna"),
        country="PL",
        latitude=_read.coordinate(details, "szerGeogr", 90.0),
        longitude=_read.coordinate(details, "dlGeogr", 180.0),
        opening_hours=_opening_hours(details),
    )


def parse_event(raw: Any) -> tuple[TrackingEvent, dict[str, Any]]:
    """One ``zdarzenie`` -> (event, its ``jednostka``); the code is kept as carrier code."""
    raw = _read.obj(raw, "zdarzenie")
    stamp = _read.field_text(raw, "czas")
    if stamp is None:
        raise _read.fail("event without czas", raw)
    code = (_read.field_text(raw, "kod") or "").upper()
    name = _read.field_text(raw, "nazwa") or ""
    cause = _read.field_text(_read.optional_obj(raw, "przyczyna"), "nazwa") or ""
    status, reason = codes.classify(code, name, cause)
    unit = _read.optional_obj(raw, "jednostka")
    details = _read.optional_obj(unit, "daneSzczegolowe")
    event = TrackingEvent(
        occurred_at=_read.iso_time(stamp, TIME_COUNTRY, what="czas"),
        status=status,
        reason=reason,
        carrier_code=code,
        description=f"{name}: {cause}" if name and cause else name or cause,
        city=_read.field_text(details, "miejscowosc") or _read.field_text(unit, "nazwa"),
        postal_code=_read.field_text(details, "pna"),
    )
    return event, unit


def parse_przesylka(doc: Any) -> TrackingResult:
    """A found ``Przesylka`` (status 0, 1 or 2) -> a result numbered by its ``numer``."""
    raw = _read.obj(doc, "answer")
    data = _read.optional_obj(raw, "danePrzesylki")
    number = _read.field_text(raw, "numer") or _read.field_text(data, "numer")
    if number is None:
        raise _read.fail("answer without numer", raw)
    listed: Sequence[Any] = _read.optional_list(_read.optional_obj(data, "zdarzenia"), "zdarzenie")
    parsed = [parse_event(item) for item in listed if item is not None]
    # The service lists oldest first; a stable sort keeps its order for equal minutes.
    parsed.sort(key=lambda pair: pair[0].occurred_at)
    events = [event for event, _ in parsed]
    result = TrackingResult(number=number, events=events)
    if not events:
        return result
    latest, unit = parsed[-1]
    result.status, result.reason = latest.status, latest.reason

    noticed = any(event.carrier_code in codes.NOTICE_CODES for event in events)
    if result.status is Status.RETURNED_TO_SENDER and result.reason is None and noticed:
        result.reason = Reason.NOT_COLLECTED

    delivered = [event for event in events if event.status is Status.DELIVERED]
    if delivered:
        result.delivered_at = delivered[-1].occurred_at
    if result.status is Status.AVAILABLE_FOR_PICKUP:
        result.pickup_point = parse_pickup_point(unit)
    return result
