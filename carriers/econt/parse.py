"""Pure parsing of Econt Express JSON API answers (already JSON-decoded).

Shapes from https://ee.econt.com/services/Shipments/ and
https://ee.econt.com/services/Nomenclatures/:

* ``ShipmentService.getShipmentStatuses`` answers ``{"shipmentStatuses":
  [{"status": ShipmentStatus, "error": Error}]}``, one entry per requested number in
  order; an entry with an ``error`` and no status is a number Econt does not know.
* ``ShipmentStatus``: ``shipmentNumber``, ``receiverDeliveryType`` (``door`` or
  ``office``), ``receiverOfficeCode``, ``deliveryTime``, ``expectedDeliveryDate``,
  ``shortDeliveryStatus`` / ``shortDeliveryStatusEn`` and ``trackingEvents[]``.
* ``ShipmentTrackingEvent``: ``time``, ``isReceipt``, ``destinationType``,
  ``destinationDetails`` / ``destinationDetailsEn``, ``officeName`` / ``officeNameEn``,
  ``officeCode``, ``cityName`` / ``cityNameEn`` and ``countryCode`` (ISO alpha-3).
* Times come as epoch milliseconds (as Econt's JSON answers them) or as ISO text; a
  wall time without an offset is read in Bulgaria's zone.
* ``NomenclaturesService.getOffices`` answers ``{"offices": [Office]}``: ``code``,
  ``isAPS`` (an Econtomat locker), ``name`` / ``nameEn``, ``address`` (``fullAddress``
  / ``fullAddressEn``, ``city`` with ``postCode``, ``name`` / ``nameEn`` and
  ``country.code2``, ``location`` with ``latitude`` / ``longitude``) and business hours
  (``normalBusinessHoursFrom``/``To``, ``halfDayBusinessHoursFrom``/``To``: instants in
  epoch ms whose Sofia clock time is the opening time; equal bounds mean closed).
* ``Error``: ``{"type", "message", "fields", "innerErrors"}``.

Every text comes in Bulgarian and English; ``english`` picks which one events carry.
Anything malformed raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from babel.core import get_global

from carriers.base import (
    BadResponse,
    PickupKind,
    PickupPoint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.econt import codes
from carriers.parsing import JsonReader, latest_status, short_repr
from carriers.timestamps import country_zone

_read = JsonReader("econt:", short_repr)

#: Econt's home: offset-less times and expected delivery days are Bulgarian.
HOME = "BG"


def _time(value: Any, what: str) -> datetime:
    """Epoch milliseconds (number or digits) or ISO text, as aware UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        millis = float(value)
    else:
        text = _read.text(value)
        if text is None:
            raise BadResponse(f"econt: no {what}", short_repr(value))
        if not text.lstrip("-").isdigit():
            return _read.iso_time(text, HOME, what=what)
        millis = float(text)
    try:
        if not math.isfinite(millis):
            raise ValueError(what)
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise BadResponse(f"econt: bad {what} {value!r}", short_repr(value)) from exc


def _day(value: Any) -> date:
    """An expected delivery day: ``YYYY-MM-DD`` text, or epoch ms read as a Sofia day."""
    text = _read.text(value) if not isinstance(value, int | float) else None
    if text is not None and not text.isdigit():
        return _read.stated_date(text)
    moment = _time(value, "expectedDeliveryDate")
    return moment.astimezone(country_zone(HOME, moment) or UTC).date()


def _alpha2(code: str | None) -> str | None:
    """ISO alpha-3 (``BGR``) as alpha-2 (``BG``); a two-letter code is kept."""
    if code is None:
        return None
    code = code.upper()
    if len(code) == 2:
        return code
    aliases = get_global("territory_aliases").get(code) or []
    return aliases[0] if aliases and len(aliases[0]) == 2 else None


def _pick(raw: dict[str, Any], key: str, english: bool) -> str | None:
    """``key`` in the wanted language (``keyEn`` for English), the other one failing that."""
    bulgarian, other = _read.field_text(raw, key), _read.field_text(raw, f"{key}En")
    return (other or bulgarian) if english else (bulgarian or other)


def parse_event(raw: Any, english: bool, receiver_office: str | None) -> TrackingEvent:
    """One ``trackingEvents[]`` entry. ``receiver_office`` is the office the receiver
    collects from (None for door delivery): an office event there means "waiting"."""
    raw = _read.obj(raw, "tracking event")
    kind = _read.field_text(raw, "destinationType")
    if kind is None or raw.get("time") is None:
        raise BadResponse("econt: tracking event without destinationType or time", short_repr(raw))
    status, reason = codes.classify(kind)
    office = _read.field_text(raw, "officeCode")
    if kind in codes.AT_OFFICE and receiver_office is not None and office == receiver_office:
        status, reason = Status.AVAILABLE_FOR_PICKUP, None
    office_name = _pick(raw, "officeName", english)
    return TrackingEvent(
        occurred_at=_time(raw["time"], "time"),
        status=status,
        reason=reason,
        carrier_code=kind,
        description=_pick(raw, "destinationDetails", english) or office_name or kind,
        city=_pick(raw, "cityName", english),
        country=_alpha2(_read.field_text(raw, "countryCode")),
    )


def parse_statuses(doc: Any, english: bool) -> list[TrackingResult | None]:
    """Each ``shipmentStatuses[]`` entry in order: a result, or None for an ``error`` entry."""
    body = _read.obj(doc, "getShipmentStatuses response")
    if "shipmentStatuses" not in body:
        raise BadResponse("econt: answer without shipmentStatuses", short_repr(doc))
    results: list[TrackingResult | None] = []
    for item in _read.optional_list(body, "shipmentStatuses"):
        entry = _read.obj(item, "shipmentStatuses entry")
        if entry.get("status") is None:
            _read.optional_obj(entry, "error")
            results.append(None)
        else:
            results.append(parse_status(entry["status"], english))
    return results


def parse_status(raw: Any, english: bool) -> TrackingResult:
    """One ``ShipmentStatus`` -> a result numbered by its ``shipmentNumber``."""
    raw = _read.obj(raw, "status")
    number = _read.field_text(raw, "shipmentNumber")
    if number is None:
        raise BadResponse("econt: status without shipmentNumber", short_repr(raw))
    by_office = _read.field_text(raw, "receiverDeliveryType") == "office"
    receiver_office = _read.field_text(raw, "receiverOfficeCode") if by_office else None
    items = [
        _read.obj(item, "tracking event") for item in _read.optional_list(raw, "trackingEvents")
    ]
    # Events with isReceipt follow the signed delivery receipt back to the sender, not the parcel.
    pairs = sorted(
        (
            (parse_event(item, english, receiver_office), item)
            for item in items
            if item.get("isReceipt") is not True
        ),
        key=lambda pair: pair[0].occurred_at,
    )
    events = [event for event, _ in pairs]
    result = TrackingResult(number=number, events=events)
    result.status, result.reason = latest_status(events)
    short_text = _read.field_text(raw, "shortDeliveryStatusEn") or _read.field_text(
        raw, "shortDeliveryStatus"
    )
    short = codes.short_status(short_text)
    if short is not None and (short[0].is_final or short[0] is Status.EXCEPTION or not events):
        result.status, result.reason = short
    waiting_by_text = (
        by_office and " ".join((short_text or "").lower().split()) in codes.ARRIVED_IN_OFFICE
    )
    if waiting_by_text and not result.status.is_final:
        result.status, result.reason = Status.AVAILABLE_FOR_PICKUP, None
    if raw.get("deliveryTime") is not None and result.status is not Status.RETURNED_TO_SENDER:
        result.status, result.reason = Status.DELIVERED, None
        result.delivered_at = _time(raw["deliveryTime"], "deliveryTime")
    elif result.status is Status.DELIVERED and events:
        result.delivered_at = events[-1].occurred_at
    if not result.status.is_final and raw.get("expectedDeliveryDate") is not None:
        result.estimated_delivery = _day(raw["expectedDeliveryDate"])
    if result.status is Status.AVAILABLE_FOR_PICKUP:
        result.pickup_point = _waiting_at(raw, pairs, english)
    return result


def _waiting_at(
    raw: dict[str, Any], pairs: list[tuple[TrackingEvent, dict[str, Any]]], english: bool
) -> PickupPoint:
    """The receiver's office or Econtomat, as far as the status names it."""
    code = _read.field_text(raw, "receiverOfficeCode")
    at_office = [(e, item) for e, item in pairs if e.carrier_code in codes.AT_OFFICE]
    name = city = None
    if at_office:
        event, item = at_office[-1]
        code = code or _read.field_text(item, "officeCode")
        name, city = _pick(item, "officeName", english), event.city
    return PickupPoint(
        point_id=code or name or "econt",
        kind=PickupKind.LOCKER if codes.is_locker(name or "") else PickupKind.DEPOT,
        name=name,
        city=city,
        country=HOME,
    )


def parse_office(doc: Any, english: bool, seen: PickupPoint) -> PickupPoint | None:
    """The first office of a ``getOffices`` answer as a pickup point; None without one."""
    body = _read.obj(doc, "getOffices response")
    offices = _read.optional_list(body, "offices")
    if not offices:
        return None
    office = _read.obj(offices[0], "office")
    address = _read.optional_obj(office, "address")
    city = _read.optional_obj(address, "city")
    country = _read.optional_obj(city, "country")
    location = _read.optional_obj(address, "location")
    name = _pick(office, "name", english) or seen.name
    locker = office.get("isAPS") is True or codes.is_locker(name or "")
    return PickupPoint(
        point_id=_read.field_text(office, "code") or seen.point_id,
        kind=PickupKind.LOCKER if locker else PickupKind.DEPOT,
        name=name,
        street=_pick(address, "fullAddress", english),
        city=_pick(city, "name", english) or seen.city,
        postal_code=_read.field_text(city, "postCode") or _read.field_text(address, "zip"),
        country=_alpha2(_read.field_text(country, "code2")) or seen.country,
        latitude=_read.coordinate(location, "latitude", 90),
        longitude=_read.coordinate(location, "longitude", 180),
        opening_hours=_hours(office),
        pickup_deadline=seen.pickup_deadline,
        pickup_code=seen.pickup_code,
    )


def _clock(value: Any, what: str) -> str:
    """An instant Econt gives for a time of day (epoch ms), as a Sofia ``HH:MM``."""
    moment = _time(value, what)
    local = moment.astimezone(country_zone(HOME, moment) or UTC)
    return f"{local.hour:02d}:{local.minute:02d}"


def _span(office: dict[str, Any], key: str) -> str | None:
    """``HH:MM–HH:MM`` from ``{key}From``/``{key}To``; None when absent or closed (equal)."""
    start, end = office.get(f"{key}From"), office.get(f"{key}To")
    if start is None or end is None:
        return None
    opens, closes = _clock(start, f"{key}From"), _clock(end, f"{key}To")
    return None if opens == closes else f"{opens}–{closes}"


def _hours(office: dict[str, Any]) -> str | None:
    """ "Mon–Fri 09:00–18:00, Sat 09:00–13:00": Econt gives each bound as an instant on some
    day whose Sofia clock time is what counts; its "half day" is Saturday."""
    full, half = _span(office, "normalBusinessHours"), _span(office, "halfDayBusinessHours")
    parts = [f"Mon–Fri {full}" if full else None, f"Sat {half}" if half else None]
    return ", ".join(part for part in parts if part) or None


def error_text(doc: Any) -> str:
    """``type: message`` of an Econt ``Error`` body, for messages that name it."""
    if not isinstance(doc, dict):
        return "no error body"
    kind = doc.get("type") if isinstance(doc.get("type"), str) else "?"
    message = doc.get("message") if isinstance(doc.get("message"), str) else "no message"
    return f"{kind}: {message}"
