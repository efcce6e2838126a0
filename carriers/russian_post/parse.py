"""Pure parsing of Russian Post ``OperationHistoryData``, as zeep serialises it.

The adapter turns zeep's reply into plain dicts and lists (``zeep.helpers.serialize_object``)
so this module never touches XML: ``[{"AddressParameters": {...},
"ItemParameters": {...}, "OperationParameters": {"OperType": {"Id", "Name"}, "OperAttr":
{...}, "OperDate": "2015-07-09T18:08:00.000+03:00"}, "UserParameters": {...}}, ...]``,
the ``historyRecord`` elements of ``OperationHistoryData``.
Records come oldest first; each is one operation. Anything that is not such an answer
raises :class:`BadResponse` and nothing else.

:func:`parse_office` reads the Otpravka API's post office by index (``GET
/postoffice/1.0/{postal-code}``, https://otpravka.pochta.ru/specification#/services-postoffice),
which gives the street, the settlement and the week's hours the tracking answer lacks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from carriers.base import (
    PickupKind,
    PickupPoint,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.parsing import JsonReader, short_repr, word_week
from carriers.russian_post import codes

_read = JsonReader("russian_post:", short_repr)

#: A wall time without an offset (the service always sends one) is Moscow time.
TIME_COUNTRY = "RU"


def records(doc: Any) -> list[dict[str, Any]]:
    """The ``historyRecord`` list of an answer; [] when the service knows no operation.

    zeep hands the list itself (``OperationHistoryData`` has no other child), None when
    it is empty; the wrapping object is read too.
    """
    if isinstance(doc, dict):
        doc = doc.get("historyRecord")
    return [_read.obj(item, "historyRecord") for item in _read.list(doc)]


def _id(raw: dict[str, Any], key: str) -> int | None:
    """The ``Id`` of an ``OperType``/``OperAttr`` parameter, None when absent."""
    param = _read.optional_obj(raw, key)
    value = param.get("Id")
    if value is None:
        return None
    if isinstance(value, bool):
        raise _read.fail(f"{key} Id is not a number", raw)
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _read.fail(f"{key} Id is not a number", raw) from exc


def _name(raw: dict[str, Any], key: str) -> str | None:
    return _read.field_text(_read.optional_obj(raw, key), "Name")


def parse_record(record: dict[str, Any]) -> tuple[TrackingEvent, dict[str, Any]]:
    """One ``historyRecord`` -> its event, and its ``OperationAddress`` for a pickup point."""
    operation = _read.optional_obj(record, "OperationParameters")
    oper_type = _id(operation, "OperType")
    if oper_type is None:
        raise _read.fail("operation without OperType", record)
    attr = _id(operation, "OperAttr")
    when = _read.field_text(operation, "OperDate")
    if when is None:
        raise _read.fail("operation without OperDate", record)
    type_name, attr_name = _name(operation, "OperType"), _name(operation, "OperAttr")
    wording = ", ".join(filter(None, (type_name, attr_name)))
    status, reason = codes.classify(oper_type, attr, wording)
    address = _read.optional_obj(record, "AddressParameters")
    place = _read.optional_obj(address, "OperationAddress")
    country = _read.field_text(_read.optional_obj(address, "CountryOper"), "Code2A")
    event = TrackingEvent(
        occurred_at=_read.iso_time(when, TIME_COUNTRY, what="OperDate"),
        status=status,
        reason=reason,
        carrier_code=codes.code_of(oper_type, attr),
        description=wording,
        city=_read.field_text(place, "Description"),
        postal_code=_read.field_text(place, "Index"),
        country=country.upper() if country else None,
    )
    return event, address


def parse_pickup_point(code: str, address: dict[str, Any]) -> PickupPoint | None:
    """The post office (or parcel locker) holding the parcel, named by its postcode.

    A Russian post office *is* its six-digit index, so the index is the point's id; the
    operation's place is where the parcel waits, the destination address the fallback.
    """
    for key in ("OperationAddress", "DestinationAddress"):
        place = _read.optional_obj(address, key)
        index = _read.field_text(place, "Index")
        if index:
            locker = code in codes.LOCKER_CODES
            return PickupPoint(
                point_id=index,
                kind=PickupKind.LOCKER if locker else PickupKind.POST_OFFICE,
                name=_read.field_text(place, "Description"),
                postal_code=index,
                country="RU",
            )
    return None


def parse_history(number: str, doc: Any) -> TrackingResult:
    """The answer for ``number``; ``not_found`` when the service lists no operation."""
    listed = records(doc)
    if not listed:
        return TrackingResult(number=number, not_found=True)
    parsed: Sequence[tuple[TrackingEvent, dict[str, Any]]] = sorted(
        (parse_record(record) for record in listed), key=lambda pair: pair[0].occurred_at
    )
    events = [event for event, _ in parsed]
    result = TrackingResult(number=number, events=events)
    latest, address = parsed[-1]
    result.status, result.reason = latest.status, latest.reason

    waited = any(event.carrier_code in codes.NOTICE_CODES for event in events)
    if result.status is Status.RETURNED_TO_SENDER and result.reason is None and waited:
        result.reason = Reason.NOT_COLLECTED
    delivered = [event for event in events if event.status is Status.DELIVERED]
    if delivered and result.status is Status.DELIVERED:
        result.delivered_at = delivered[-1].occurred_at
    if result.status is Status.AVAILABLE_FOR_PICKUP:
        result.pickup_point = parse_pickup_point(latest.carrier_code, address)
    return result


#: ``08:00:00.000`` (or ``08:00``): the service's ``begin-worktime`` and the like.
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?")


def _clock(raw: dict[str, Any], key: str) -> str | None:
    found = _CLOCK.fullmatch(_read.field_text(raw, key) or "")
    return f"{int(found.group(1)):02d}:{found.group(2)}" if found else None


def _day_hours(day: dict[str, Any]) -> str | None:
    """One ``working-hours`` day as ``08:00–20:00``, its lunch breaks cutting it
    (``09:00–13:00/14:00–18:00``); None for a day without hours (closed)."""
    begin, end = _clock(day, "begin-worktime"), _clock(day, "end-worktime")
    if begin is None or end is None:
        return None
    spans, start = [], begin
    for lunch in _read.optional_list(day, "lunches"):
        if not isinstance(lunch, dict):
            continue
        stop, back = _clock(lunch, "begin-lunchtime"), _clock(lunch, "end-lunchtime")
        if stop is not None and back is not None and start < stop < back < end:
            spans.append(f"{start}–{stop}")
            start = back
    spans.append(f"{start}–{end}")
    return "/".join(spans)


def office_hours(doc: dict[str, Any]) -> str | None:
    """The office's ``working-hours`` (``weekday-id`` 1 = Monday) worded as adapters word
    hours, ``Mon–Fri 08:00–20:00, Sat 09:00–18:00``; None when it lists none."""
    hours: dict[int, str] = {}
    for raw in _read.optional_list(doc, "working-hours"):
        if not isinstance(raw, dict):
            continue
        day, span = raw.get("weekday-id"), _day_hours(raw)
        if isinstance(day, int) and not isinstance(day, bool) and span is not None:
            hours[day] = span
    return word_week(hours)


def parse_office(doc: Any, seen: PickupPoint) -> PickupPoint:
    """``seen`` (the office as tracking names it) with the Otpravka API's description of
    it: ``address-source`` as street, ``settlement`` as city, its coordinates and hours.
    An answer for another index, or one that is not an office, raises :class:`BadResponse`.
    """
    office = _read.obj(doc, "postoffice")
    index = _read.field_text(office, "postal-code")
    if index != seen.postal_code:
        raise _read.fail(f"office {seen.postal_code} answered as {index}", office)
    return replace(
        seen,
        street=_read.field_text(office, "address-source") or seen.street,
        city=_read.field_text(office, "settlement") or seen.city,
        latitude=_read.coordinate(office, "latitude", 90.0),
        longitude=_read.coordinate(office, "longitude", 180.0),
        opening_hours=office_hours(office) or seen.opening_hours,
    )
