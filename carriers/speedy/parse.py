"""Pure parsing of answers of Speedy's REST API platform (already JSON-decoded).

Speedy (https://api.speedy.bg/web-api.html) and DPD Romania (https://api.dpd.ro/web-api.html)
run the same platform and document the same shapes; the functions take the carrier's
``home`` country, where a datetime without an offset is read and an office without a
``countryId`` lies. The shapes:

* ``POST /track`` answers ``TrackResponse`` ``{"parcels": [TrackedParcel], "error": Error}``;
  a ``TrackedParcel`` is ``{"parcelId", "operations": [TrackedParcelOperation], "error"}``
  and an operation ``{"dateTime", "operationCode", "description", "comment", "place",
  "exceptionCodes", "consignee", "returnShipmentId", "redirectShipmentId",
  "additionalInfo": {"officeURL", "geoPUDOId", "predict": {...}}}``. Datetimes are
  ``yyyy-MM-ddTHH:mm:ssZ`` (``2026-11-20T14:05:00+0200``); one without an offset is read
  in the home country's zone.
* ``Error`` is ``{"context", "message", "id", "code", "component"}``.
* ``POST /shipment/info`` answers ``{"shipments": [Shipment]}``; a shipment's
  ``recipient.pickupOfficeId`` names the office or APT locker it is collected from.
* ``POST /location/office/{id}`` answers ``{"office": Office}``: ``id``, ``name``,
  ``type`` (``OFFICE`` or ``APT``, an automated locker: Speedy's APT, DPD Romania's
  DPDBox), ``address`` (``postCode``, ``x`` longitude, ``y``
  latitude, ``siteAddressString``, ``localAddressString``, ``countryId``) and working
  times (``workingTimeFrom``/``To`` on full days, ``workingTimeHalfFrom``/``To`` on
  Saturdays).

Anything malformed raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

from typing import Any

from carriers.base import (
    BadResponse,
    DeliveryWindow,
    PickupKind,
    PickupPoint,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.parsing import JsonReader, latest_status, short_repr
from carriers.speedy import codes

_read = JsonReader("speedy:", short_repr)

#: Where datetimes without an offset are read: Speedy's "Local Speedy Time Zone".
HOME = "BG"
#: The point id of a waiting place the track answer does not name.
UNNAMED_POINT = "office"
#: ISO 3166 numeric ids Speedy uses for ``countryId`` in the countries it serves itself.
COUNTRY_IDS = {"100": "BG", "642": "RO", "300": "GR"}
#: Words in an error's context or message that mean the user name or password is wrong.
_AUTH_WORDS = ("password", "username", "user name", "user.", "парола", "потребител", "login")


def top_error(doc: Any) -> dict[str, Any] | None:
    """The whole-call ``error`` of any Speedy answer, or None."""
    body = _read.obj(doc, "answer")
    error = body.get("error")
    return None if error is None else _read.obj(error, "error")


def is_auth_error(error: dict[str, Any]) -> bool:
    """True for an error about the account's user name or password."""
    words = " ".join(
        text.lower() for key in ("context", "message") if (text := _read.field_text(error, key))
    )
    return any(word in words for word in _AUTH_WORDS)


def error_text(error: dict[str, Any]) -> str:
    """``code: message`` of an ``Error``, for messages that name it."""
    code = _read.field_text(error, "code") or "?"
    return f"{code}: {_read.field_text(error, 'message') or 'no message'}"


def parse_track(doc: Any, home: str = HOME) -> list[TrackingResult]:
    """Every ``parcels[]`` entry of a track answer, numbered by its ``parcelId``."""
    body = _read.obj(doc, "track response")
    if "parcels" not in body:
        raise BadResponse("speedy: track answer without parcels", short_repr(doc))
    return [parse_parcel(item, home) for item in _read.optional_list(body, "parcels")]


def _operation(raw: Any, home: str) -> tuple[TrackingEvent, dict[str, Any]]:
    raw = _read.obj(raw, "operation")
    code = _read.field_text(raw, "operationCode")
    stamp = _read.field_text(raw, "dateTime")
    if code is None or stamp is None:
        raise BadResponse("speedy: operation without operationCode or dateTime", short_repr(raw))
    exceptions = [
        text for item in _read.optional_list(raw, "exceptionCodes") if (text := _read.text(item))
    ]
    description = _read.field_text(raw, "description") or ""
    comment = _read.field_text(raw, "comment")
    status, reason = codes.classify(code, exceptions, f"{description} {comment or ''}")
    event = TrackingEvent(
        occurred_at=_read.iso_time(stamp, home, what="dateTime"),
        status=status,
        reason=reason,
        carrier_code=code,
        description=f"{description} ({comment})"
        if comment and description
        else comment or description,
        city=_read.field_text(raw, "place"),
    )
    return event, raw


def parse_parcel(raw: Any, home: str = HOME) -> TrackingResult:
    """One ``TrackedParcel``: its operations as events, oldest first, or not found."""
    raw = _read.obj(raw, "parcel")
    number = _read.field_text(raw, "parcelId")
    if number is None:
        raise BadResponse("speedy: parcel without parcelId", short_repr(raw))
    operations = _read.optional_list(raw, "operations")
    if raw.get("error") is not None and not operations:
        _read.obj(raw["error"], "parcel error")
        return TrackingResult(number=number, not_found=True)
    pairs = sorted((_operation(item, home) for item in operations), key=lambda p: p[0].occurred_at)
    events = [event for event, _ in pairs]
    result = TrackingResult(number=number, events=events)
    result.status, result.reason = latest_status(events)
    expired = any(event.reason is Reason.NOT_COLLECTED for event in events)
    if result.status is Status.RETURNED_TO_SENDER and result.reason is None and expired:
        result.reason = Reason.NOT_COLLECTED
    delivered = [(e, r) for e, r in pairs if e.status is Status.DELIVERED]
    if result.status is Status.DELIVERED and delivered:
        event, op = delivered[-1]
        result.delivered_at = event.occurred_at
        result.signed_by = _read.field_text(op, "consignee")
    if not result.status.is_final:
        result.estimated_delivery = _predicted_window(pairs, home)
    if result.status is Status.AVAILABLE_FOR_PICKUP:
        event, op = pairs[-1]
        result.pickup_point = _waiting_at(event, op)
    return result


def _predicted_window(
    pairs: list[tuple[TrackingEvent, dict[str, Any]]], home: str
) -> DeliveryWindow | None:
    """The delivery window of the newest ``175 Predict`` operation, unless cancelled."""
    for event, op in reversed(pairs):
        if event.carrier_code != "175":
            continue
        info = _read.optional_obj(op, "additionalInfo")
        predict = _read.optional_obj(info, "predict")
        start = _read.field_text(predict, "predictedVisitDateTimeFrom")
        end = _read.field_text(predict, "predictedVisitDateTimeTo")
        if predict.get("canceled") is True or start is None or end is None:
            return None
        return DeliveryWindow(
            _read.iso_time(start, home, what="predictedVisitDateTimeFrom"),
            _read.iso_time(end, home, what="predictedVisitDateTimeTo"),
        )
    return None


def _waiting_at(event: TrackingEvent, op: dict[str, Any]) -> PickupPoint:
    """The office or APT locker a parcel waits at, as far as the track answer names it.

    The operation gives only ``place`` (the office's name) and, for a DPD pickup point
    abroad, ``additionalInfo.geoPUDOId``; the office's id, address and hours come from
    :func:`parse_office` when the adapter looks them up.
    """
    info = _read.optional_obj(op, "additionalInfo")
    place = event.city
    # Only the place's name tells a locker: 1134's wording names "office/locker" for both.
    return PickupPoint(
        point_id=_read.field_text(info, "geoPUDOId") or place or UNNAMED_POINT,
        kind=PickupKind.LOCKER if codes.is_locker(place or "") else PickupKind.DEPOT,
        name=place,
    )


def pickup_offices(doc: Any) -> dict[str, str]:
    """``shipment id -> recipient.pickupOfficeId`` from a ``/shipment/info`` answer."""
    body = _read.obj(doc, "shipment info response")
    offices: dict[str, str] = {}
    for item in _read.optional_list(body, "shipments"):
        shipment = _read.obj(item, "shipment")
        recipient = _read.optional_obj(shipment, "recipient")
        number, office = (
            _read.field_text(shipment, "id"),
            _read.field_text(recipient, "pickupOfficeId"),
        )
        if number and office:
            offices[number] = office
    return offices


def parse_office(doc: Any, seen: PickupPoint, home: str = HOME) -> PickupPoint | None:
    """The ``/location/office/{id}`` answer as a pickup point; None when it names none.

    ``seen`` is what the track answer said; its name is kept when the office has none.
    """
    body = _read.obj(doc, "office response")
    if body.get("office") is None:
        return None
    office = _read.obj(body["office"], "office")
    office_id = _read.field_text(office, "id")
    if office_id is None:
        raise BadResponse("speedy: office without id", short_repr(office))
    address = _read.optional_obj(office, "address")
    kind = PickupKind.LOCKER if _read.field_text(office, "type") == "APT" else PickupKind.DEPOT
    return PickupPoint(
        point_id=office_id,
        kind=kind,
        name=_read.field_text(office, "name") or seen.name,
        street=_read.field_text(address, "localAddressString"),
        city=_read.field_text(address, "siteAddressString"),
        postal_code=_read.field_text(address, "postCode"),
        country=_country(_read.field_text(address, "countryId"), home),
        latitude=_read.coordinate(address, "y", 90),
        longitude=_read.coordinate(address, "x", 180),
        opening_hours=_hours(office),
        pickup_deadline=seen.pickup_deadline,
        pickup_code=seen.pickup_code,
    )


def _country(country_id: str | None, home: str) -> str | None:
    """The office's country: its ``countryId`` when we know the id, home when it has none."""
    return home if country_id is None else COUNTRY_IDS.get(country_id)


def _hours(office: dict[str, Any]) -> str | None:
    """ "Mon–Fri 09:00–19:00, Sat 10:00–14:00" from the office's standard working times."""
    full = _span(office, "workingTimeFrom", "workingTimeTo")
    half = _span(office, "workingTimeHalfFrom", "workingTimeHalfTo")
    parts = [f"Mon–Fri {full}" if full else None, f"Sat {half}" if half else None]
    return ", ".join(part for part in parts if part) or None


def _span(office: dict[str, Any], start_key: str, end_key: str) -> str | None:
    start, end = _read.field_text(office, start_key), _read.field_text(office, end_key)
    return f"{start}–{end}" if start and end else None
