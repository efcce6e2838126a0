"""Pure parsing of CDEK API v2 answers (already JSON-decoded).

``GET /v2/orders?cdek_number=…`` answers ``{"entity": {...}, "requests": [...],
"related_entities": [...]}`` (https://apidoc.cdek.ru/, "Информация о заказе";
https://api-docs.cdek.ru/33828849.html in English). The entity carries ``cdek_number``,
``delivery_point`` (the PVZ or postamat code, for orders to a point), ``statuses``
(``code``, ``name``, ``date_time`` as ``2026-12-02T10:15:07+0300``, ``reason_code``,
``city``, ``deleted``), ``delivery_detail`` (``date``, ``recipient_name``),
``planned_delivery_date`` and ``keep_free_until`` (the end of free storage). A number
CDEK does not know comes back with ``requests[].state = "INVALID"`` and an error whose
code names the missing entity.

``GET /v2/deliverypoints?code=…`` answers a list of offices: ``code``, ``name``,
``type`` (``PVZ`` / ``POSTAMAT``), ``work_time``, ``location`` (``city``,
``postal_code``, ``address``, ``latitude``, ``longitude``, ``country_code``), read by
:func:`parse_delivery_point`. Anything malformed raises :class:`BadResponse`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from carriers.base import (
    PickupKind,
    PickupPoint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.cdek import codes
from carriers.parsing import JsonReader, short_repr, word_week

_read = JsonReader("cdek:", short_repr)

_OFFSET = re.compile(r"(?:[zZ]|[+-]\d{2}:?\d{2})$")

#: Where an offset-less time is read: CDEK's documented times carry an offset, and Russia
#: has many zones (rule 3 alone would read it as UTC), so a bare one is Moscow time, the
#: time CDEK's own systems keep.
MOSCOW = ZoneInfo("Europe/Moscow")


def parse_token(doc: Any) -> tuple[str, float]:
    """``(access_token, expires_in seconds)`` from ``/v2/oauth/token``."""
    return _read.token(doc)


def _requests(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [_read.obj(item, "request") for item in _read.optional_list(body, "requests")]


def errors_of(doc: Any) -> list[tuple[str, str]]:
    """``(code, message)`` of every error in an answer's ``requests`` (or ``errors``)."""
    if not isinstance(doc, dict):
        return []
    found: list[tuple[str, str]] = []
    sources = [*_requests(doc), doc]
    for source in sources:
        for raw in _read.optional_list(source, "errors"):
            error = _read.obj(raw, "error")
            found.append(
                (_read.field_text(error, "code") or "", _read.field_text(error, "message") or "")
            )
    return found


def is_refusal(doc: Any) -> bool:
    """True for an answer whose request CDEK refused: ``state`` INVALID, or only errors."""
    if not isinstance(doc, dict):
        return False
    invalid = any(_read.field_text(r, "state") == "INVALID" for r in _requests(doc))
    return invalid or (doc.get("entity") is None and bool(errors_of(doc)))


def _time(text: str, what: str) -> datetime:
    moment = _read.iso_time(text, None, what=what)
    if _OFFSET.search(text.strip()) is None:  # naive: read as Moscow wall time
        moment = moment.replace(tzinfo=MOSCOW).astimezone(UTC)
    return moment


def parse_status(raw: Any) -> TrackingEvent | None:
    """One ``statuses[]`` entry; None for a status CDEK marked ``deleted``."""
    item = _read.obj(raw, "status")
    if item.get("deleted") is True:
        return None
    code = _read.field_text(item, "code")
    stamp = _read.field_text(item, "date_time")
    if code is None or stamp is None:
        raise _read.fail("status without code or date_time", item)
    name = _read.field_text(item, "name") or ""
    status, reason = codes.classify(code, name, _read.field_text(item, "reason_code"))
    return TrackingEvent(
        occurred_at=_time(stamp, "date_time"),
        status=status,
        reason=reason,
        carrier_code=code.upper(),
        description=name,
        city=_read.field_text(item, "city"),
    )


def parse_order(doc: Any) -> TrackingResult:
    """An order answer → a result numbered by its ``cdek_number``."""
    body = _read.obj(doc, "answer")
    entity = _read.obj(body.get("entity"), "entity")
    number = _read.field_text(entity, "cdek_number")
    if number is None:
        raise _read.fail("entity without cdek_number", entity)
    parsed = [parse_status(raw) for raw in _read.optional_list(entity, "statuses")]
    # CDEK lists the newest first: reverse, then a stable sort keeps its order for ties.
    events = sorted((e for e in reversed(parsed) if e is not None), key=lambda e: e.occurred_at)
    result = TrackingResult(number=number, events=events)
    if events:
        result.status, result.reason = events[-1].status, events[-1].reason
    detail = _read.optional_obj(entity, "delivery_detail")
    if result.status is Status.DELIVERED:
        result.delivered_at = events[-1].occurred_at
        result.signed_by = _read.field_text(detail, "recipient_name")
    elif not result.status.is_final:
        planned = _read.field_text(entity, "planned_delivery_date")
        result.estimated_delivery = _read.stated_date(planned) if planned else None
    return result


def delivery_point_code(doc: Any) -> str | None:
    """The PVZ / postamat code an order answer is bound for, if any."""
    entity = _read.optional_obj(_read.obj(doc, "answer"), "entity")
    return _read.field_text(entity, "delivery_point")


def keep_free_until(doc: Any) -> datetime | None:
    """``keep_free_until``: the end of free storage at the point, as aware UTC."""
    entity = _read.optional_obj(_read.obj(doc, "answer"), "entity")
    stamp = _read.field_text(entity, "keep_free_until")
    if stamp is None:
        return None
    if len(stamp) == 10:  # a bare date: the end of that day, Moscow time
        stamp = f"{stamp}T23:59:59"
    return _time(stamp, "keep_free_until")


def parse_delivery_point(doc: Any, code: str) -> PickupPoint | None:
    """The office ``code`` from a ``/v2/deliverypoints`` answer; None when it is absent."""
    offices = _read.list(doc)
    for raw in offices:
        office = _read.obj(raw, "office")
        if (_read.field_text(office, "code") or "").upper() != code.upper():
            continue
        location = _read.optional_obj(office, "location")
        kind = (_read.field_text(office, "type") or "").upper()
        return PickupPoint(
            point_id=code,
            kind=PickupKind.LOCKER if kind == "POSTAMAT" else PickupKind.SHOP,
            name=_read.field_text(office, "name"),
            street=_read.field_text(location, "address"),
            city=_read.field_text(location, "city"),
            postal_code=_read.field_text(location, "postal_code"),
            country=_read.field_text(location, "country_code"),
            latitude=_read.coordinate(location, "latitude", 90.0),
            longitude=_read.coordinate(location, "longitude", 180.0),
            opening_hours=week_hours(office) or _read.field_text(office, "work_time"),
        )
    return None


_SPAN = re.compile(r"(\d{1,2}:\d{2})/(\d{1,2}:\d{2})")


def week_hours(office: dict[str, Any]) -> str | None:
    """``work_time_list`` (``{"day": 1, "time": "10:00/21:00"}``, Monday = 1) worded as
    adapters word hours, ``Mon–Fri 10:00–21:00, Sat–Sun 10:00–18:00``, so that a page
    shows the days in its reader's language (the office's own ``work_time`` is a Russian
    string, ``Пн-Пт 10:00-21:00``). Days with the same hours in a row are grouped; a day
    not listed is closed. None when the list is absent or unreadable."""
    hours: dict[int, str] = {}
    for raw in _read.optional_list(office, "work_time_list"):
        if not isinstance(raw, dict):
            return None
        day, span = raw.get("day"), _SPAN.fullmatch(_read.field_text(raw, "time") or "")
        if not isinstance(day, int) or not 1 <= day <= 7 or span is None:
            return None
        hours[day] = f"{span.group(1)}–{span.group(2)}"
    return word_week(hours)


def pickup_point(order: TrackingResult, doc: Any, office: PickupPoint | None) -> PickupPoint | None:
    """The point the order goes to or waits at, while it does; its free-storage deadline
    once it waits there. ``office`` is the looked-up office (None: only the code is known)."""
    code = delivery_point_code(doc)
    latest = order.events[-1].carrier_code if order.events else "CREATED"
    if code is None or latest not in codes.TOWARDS_POINT:
        return None
    point = office or PickupPoint(point_id=code)
    if order.status is Status.AVAILABLE_FOR_PICKUP:
        point = replace(point, pickup_deadline=keep_free_until(doc))
    return point
