"""Pure parsing of Nova Poshta API 2.0 answers (already JSON-decoded).

Every answer has one envelope: ``success``, ``data`` (a list), ``errors``, ``warnings``,
``info``, ``errorCodes``, ``warningCodes``, ``infoCodes`` (developers.novaposhta.ua).
``TrackingDocument.getStatusDocuments`` puts one object per waybill in ``data``: the
*current* ``StatusCode`` and ``Status`` (Ukrainian text), dates, cities and the recipient's
branch. With the recipient's (or sender's) phone the object is complete (recipient's name,
``RecipientDateTime``, ``DateReturnCargo``…); without it Nova Poshta leaves those out,
so every field here is optional but ``Number`` and ``StatusCode``.

The API gives no scan history, only the current status. A result therefore carries the
waybill's creation (code ``1`` at ``DateCreated``, which is what code 1 means) and the
current status at the time Nova Poshta gives for it; Doorstep keeps the events of earlier
polls, so the history grows poll by poll. Dates are Kyiv wall times in several layouts
(``21-05-2026 15:39:14``, ``22.05.2026 14:55:33``, ``2026-05-22 14:55:34``); a date of
year 1 (``0001-01-01 00:00:00``) is Nova Poshta's "none".

``Address.getWarehouses`` gives a branch's ``Schedule`` (``{"Monday": "08:00-20:00", …}``),
read by :func:`parse_warehouse`. Anything malformed raises
:class:`~carriers.base.BadResponse`; refused keys :class:`~carriers.base.AuthError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    PickupKind,
    PickupPoint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.nova_poshta import codes
from carriers.parsing import JsonReader, short_repr, squash

_read = JsonReader("nova_poshta:", short_repr)

COUNTRY = "UA"
#: Nova Poshta's wall times are Kyiv's (Ukraine's legal time, ``country_zone("UA")`` too).
KYIV = ZoneInfo("Europe/Kyiv")

#: Error codes of a refused or missing API key ("API auth fail", "API key is not specified").
AUTH_CODES = frozenset({"20000200068", "20000200069"})
#: "Service unavailable".
UNAVAILABLE_CODES = frozenset({"20000100016"})

_LAYOUTS = (
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y-%m-%d",
)

#: The all-zero reference Nova Poshta sends for "no warehouse".
_ZERO_REF = "00000000-0000-0000-0000-000000000000"

#: Codes whose place is the sender's city rather than the recipient's.
_AT_SENDER = frozenset({"1", "4", "41", "12"})

#: Nova Poshta's own short day names: branch hours read as the carrier writes them.
_DAYS = (
    ("Monday", "Пн"),
    ("Tuesday", "Вт"),
    ("Wednesday", "Ср"),
    ("Thursday", "Чт"),
    ("Friday", "Пт"),
    ("Saturday", "Сб"),
    ("Sunday", "Нд"),
)
_CLOSED = "вихідний"
_HOURS = re.compile(r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$")


def check_envelope(doc: Any) -> list[Any]:
    """The ``data`` list of a successful answer; typed errors for a refused one."""
    body = _read.obj(doc, "answer")
    if "success" not in body:
        raise _read.fail("answer without success", body)
    error_codes = {str(code) for code in _read.optional_list(body, "errorCodes")}
    errors = " ".join(str(e) for e in _read.optional_list(body, "errors"))
    if error_codes & AUTH_CODES or "api key" in errors.lower():
        raise AuthError(f"nova_poshta: API key refused ({errors or sorted(error_codes)})")
    if error_codes & UNAVAILABLE_CODES:
        raise CarrierUnavailable(f"nova_poshta: {errors or 'service unavailable'}")
    if body.get("success") is not True:
        refused = errors or sorted(error_codes)
        raise BadResponse(f"nova_poshta: request refused: {refused}", short_repr(doc))
    return _read.optional_list(body, "data")


def np_time(text: str | None, what: str) -> datetime | None:
    """A Nova Poshta date or date-time as aware UTC; None when absent or year 1."""
    if text is None:
        return None
    for layout in _LAYOUTS:
        try:
            moment = datetime.strptime(text, layout)
        except ValueError:
            continue
        if moment.year < 1900:
            return None
        return moment.replace(tzinfo=KYIV).astimezone(UTC)
    raise BadResponse(f"nova_poshta: bad {what} {text!r}", text)


def _date(text: str | None, what: str) -> date | None:
    """A calendar date as Nova Poshta states it (not shifted into UTC)."""
    if text is None:
        return None
    for layout in _LAYOUTS:
        try:
            moment = datetime.strptime(text, layout)
        except ValueError:
            continue
        return None if moment.year < 1900 else moment.date()
    raise BadResponse(f"nova_poshta: bad {what} {text!r}", text)


@dataclass(frozen=True, slots=True)
class Branch:
    """Which warehouse a waybill is bound for, to look its schedule up."""

    ref: str
    number: str | None
    city_ref: str | None


def branch_of(raw: Any) -> Branch | None:
    """The recipient's warehouse of one ``getStatusDocuments`` object, when it names one."""
    doc = _read.obj(raw, "document")
    ref = _read.field_text(doc, "WarehouseRecipientRef")
    if ref is None or ref == _ZERO_REF:
        return None
    return Branch(
        ref=ref,
        number=_read.field_text(doc, "WarehouseRecipientNumber"),
        city_ref=_read.field_text(doc, "RefCityRecipient"),
    )


def _kind(doc: dict[str, Any]) -> PickupKind:
    category = (_read.field_text(doc, "CategoryOfWarehouse") or "").lower()
    name = (_read.field_text(doc, "WarehouseRecipient") or "").lower()
    if category == "postomat" or "поштомат" in name:
        return PickupKind.LOCKER
    if category == "store":
        return PickupKind.SHOP
    return PickupKind.POST_OFFICE


def _pickup_point(doc: dict[str, Any], status: Status, code: str) -> PickupPoint | None:
    """The branch or Poshtomat the parcel goes to or waits at, while it does."""
    name = _read.field_text(doc, "WarehouseRecipient")
    branch = branch_of(doc)
    if (branch is None and name is None) or code not in codes.TOWARDS_POINT:
        return None
    point_id = (branch.number if branch else None) or (branch.ref if branch else None) or name
    waiting = status is Status.AVAILABLE_FOR_PICKUP
    return PickupPoint(
        point_id=point_id or "",
        kind=_kind(doc),
        name=name,
        street=_read.field_text(doc, "WarehouseRecipientAddress"),
        city=_read.field_text(doc, "CityRecipient"),
        country=COUNTRY,
        # The date Nova Poshta sends the parcel back: the end of free storage.
        pickup_deadline=np_time(_read.field_text(doc, "DateReturnCargo"), "DateReturnCargo")
        if waiting
        else None,
    )


def _current_time(doc: dict[str, Any], status: Status) -> datetime | None:
    """When the current status was reached, as near as Nova Poshta says."""
    keys: tuple[str, ...] = ("DateScan", "TrackingUpdateDate", "DateCreated")
    if status is Status.DELIVERED:
        keys = ("RecipientDateTime", "ActualDeliveryDate", *keys)
    for key in keys:
        moment = np_time(_read.field_text(doc, key), key)
        if moment is not None:
            return moment
    return None


def parse_document(raw: Any) -> TrackingResult:
    """One ``getStatusDocuments`` object → a result numbered by its ``Number``."""
    doc = _read.obj(raw, "document")
    number = _read.field_text(doc, "Number")
    code = _read.field_text(doc, "StatusCode")
    if number is None or code is None:
        raise _read.fail("document without Number or StatusCode", doc)
    if code == codes.NOT_FOUND:
        return TrackingResult(number=number, not_found=True)
    text = _read.field_text(doc, "Status") or ""
    status, reason = codes.classify(code, text)
    city_key = "CitySender" if code in _AT_SENDER else "CityRecipient"
    events: list[TrackingEvent] = []
    created = np_time(_read.field_text(doc, "DateCreated"), "DateCreated")
    if created is not None and code != "1":
        first, _ = codes.classify("1")
        events.append(
            TrackingEvent(
                occurred_at=created,
                status=first,
                carrier_code="1",
                city=_read.field_text(doc, "CitySender"),
                country=COUNTRY,
            )
        )
    at = _current_time(doc, status)
    if at is not None:
        events.append(
            TrackingEvent(
                occurred_at=at,
                status=status,
                reason=reason,
                carrier_code=code,
                description=text,
                city=_read.field_text(doc, city_key),
                country=COUNTRY,
            )
        )
    events.sort(key=lambda e: e.occurred_at)
    result = TrackingResult(number=number, status=status, reason=reason, events=events)
    if status is Status.DELIVERED:
        result.delivered_at = at
        result.signed_by = _read.field_text(doc, "RecipientFullName")
    elif not status.is_final:
        result.estimated_delivery = _date(
            _read.field_text(doc, "ScheduledDeliveryDate"), "ScheduledDeliveryDate"
        )
    result.pickup_point = _pickup_point(doc, status, code)
    return result


def documents_by_number(data: list[Any]) -> dict[str, Any]:
    """``getStatusDocuments`` objects keyed by their squashed ``Number``."""
    found: dict[str, Any] = {}
    for raw in data:
        doc = _read.obj(raw, "document")
        number = _read.field_text(doc, "Number")
        if number is None:
            raise _read.fail("document without Number", doc)
        found[squash(number)] = doc
    return found


@dataclass(frozen=True, slots=True)
class WarehouseDetails:
    """What ``getWarehouses`` adds to a pickup point: hours, place and postcode."""

    opening_hours: str | None
    latitude: float | None
    longitude: float | None
    postal_code: str | None


def format_schedule(schedule: dict[str, Any]) -> str | None:
    """``{"Monday": "08:00-20:00", …, "Sunday": "-"}`` → ``Пн–Пт 08:00–20:00; Нд вихідний``,
    in Ukrainian as Nova Poshta words its branches' hours.

    Consecutive days with the same hours are grouped; ``-`` (or nothing) is closed.
    """
    days: list[tuple[str, str]] = []
    for key, short in _DAYS:
        hours = _read.field_text(schedule, key)
        if hours is not None and _HOURS.match(hours):
            days.append((short, hours.replace("-", "–")))
        else:
            days.append((short, _CLOSED))
    if all(hours == _CLOSED for _, hours in days):
        return None
    groups: list[tuple[str, str, str]] = []
    for short, hours in days:
        if groups and groups[-1][2] == hours:
            groups[-1] = (groups[-1][0], short, hours)
        else:
            groups.append((short, short, hours))
    parts = [
        f"{first if first == last else f'{first}–{last}'} {hours}" for first, last, hours in groups
    ]
    return "; ".join(parts)


def parse_warehouse(data: list[Any], branch: Branch) -> WarehouseDetails | None:
    """The warehouse ``branch`` names among a ``getWarehouses`` answer's objects."""
    for raw in data:
        item = _read.obj(raw, "warehouse")
        ref = _read.field_text(item, "Ref")
        number = _read.field_text(item, "Number")
        if ref != branch.ref and (branch.number is None or number != branch.number):
            continue
        schedule = _read.optional_obj(item, "Schedule")
        return WarehouseDetails(
            opening_hours=format_schedule(schedule) if schedule else None,
            latitude=_read.coordinate(item, "Latitude", 90.0),
            longitude=_read.coordinate(item, "Longitude", 180.0),
            postal_code=_read.field_text(item, "PostalCodeUA"),
        )
    return None
