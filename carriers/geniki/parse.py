"""Pure parsing of Geniki Taxydromiki ``TrackAndTraceResult`` answers, as zeep serialises them.

The adapter turns zeep's reply into plain dicts (``zeep.helpers.serialize_object``):
``{"Result", "Checkpoints": {"Checkpoint": [{"Status", "StatusCode", "StatusDate",
"Shop", "Latitude", "Longitude"}, ...]}, "Status", "DeliveryDate", "Consignee",
"ReturningServiceVoucher", "DeliveredAt"}`` (the WSDL's types). ``StatusDate`` and
``DeliveryDate`` are ``xs:dateTime`` that the ASMX service sends as Greek wall time without
an offset; ``DeliveryDate`` is required by the schema, so an undelivered voucher carries
.NET's empty date (``0001-01-01T00:00:00``). Coordinates are required too, and ``0`` where
a checkpoint has none. Anything that is not such an answer raises :class:`BadResponse`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from carriers.base import (
    BadResponse,
    PickupPoint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.geniki import codes
from carriers.parsing import JsonReader, short_repr
from carriers.timestamps import to_utc

_read = JsonReader("geniki:", short_repr)

#: Geniki reports Greek local time without an offset.
TIME_COUNTRY = "GR"
#: Before this year a date is .NET's ``DateTime.MinValue``: no date.
FIRST_YEAR = 1990
#: Top-level ``Status`` values of a voucher (as ``TrackDeliveryStatus`` states them).
DELIVERED, IN_RETURN = "DELIVERED", "IN RETURN"


def result_code(doc: Any) -> int:
    """The answer's ``Result``: 0 is success, anything else one of the service's codes."""
    raw = _read.obj(doc, "answer")
    code = raw.get("Result")
    if isinstance(code, bool) or not isinstance(code, int):
        raise _read.fail("answer without an integer Result", raw)
    return code


def stamp(value: Any, *, what: str) -> datetime | None:
    """An ``xs:dateTime`` as aware UTC (a naive one is Greek wall time); None for the
    empty date."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise BadResponse(f"geniki: bad {what} {value!r}", repr(value))
    if value.year < FIRST_YEAR:
        return None
    return to_utc(value, country=TIME_COUNTRY)


def _coordinate(raw: dict[str, Any], key: str, bound: float) -> float | None:
    """A coordinate in range, None when absent or 0 (the service's "none")."""
    value = raw.get(key)
    if isinstance(value, Decimal):
        raw = {**raw, key: float(value)}
    number = _read.coordinate(raw, key, bound)
    return number if number else None


def _checkpoints(raw: dict[str, Any]) -> list[dict[str, Any]]:
    holder = raw.get("Checkpoints")
    if holder is None:
        return []
    rows = _read.optional_list(_read.obj(holder, "Checkpoints"), "Checkpoint")
    return [_read.obj(row, "Checkpoint") for row in rows if row is not None]


def parse_checkpoint(row: dict[str, Any]) -> TrackingEvent:
    text = _read.field_text(row, "Status")
    code = _read.field_text(row, "StatusCode")
    if text is None and code is None:
        raise _read.fail("checkpoint without Status or StatusCode", row)
    occurred = stamp(row.get("StatusDate"), what="StatusDate")
    if occurred is None:
        raise _read.fail("checkpoint without StatusDate", row)
    status, reason = codes.classify(code, text)
    return TrackingEvent(
        occurred_at=occurred,
        status=status,
        reason=reason,
        carrier_code=code or codes.normalise(text or ""),
        description=text or code or "",
        city=_read.field_text(row, "Shop"),
        country="GR",
    )


def _pickup_point(row: dict[str, Any]) -> PickupPoint | None:
    shop = _read.field_text(row, "Shop")
    if shop is None:
        return None
    return PickupPoint(
        point_id=shop,
        kind=codes.pickup_kind(_read.field_text(row, "Status")),
        name=shop,
        country="GR",
        latitude=_coordinate(row, "Latitude", 90),
        longitude=_coordinate(row, "Longitude", 180),
    )


def parse_answer(number: str, doc: Any) -> TrackingResult:
    """A found voucher (``Result`` 0) -> its result, events oldest first."""
    raw = _read.obj(doc, "answer")
    rows = _checkpoints(raw)
    pairs = sorted(
        ((parse_checkpoint(row), row) for row in rows), key=lambda pair: pair[0].occurred_at
    )
    result = TrackingResult(number=number, events=[event for event, _ in pairs])
    if pairs:
        last, last_row = pairs[-1]
        result.status, result.reason = last.status, last.reason
        if last.status is Status.AVAILABLE_FOR_PICKUP:
            result.pickup_point = _pickup_point(last_row)
    overall = codes.normalise(_read.field_text(raw, "Status") or "")
    delivered_at = stamp(raw.get("DeliveryDate"), what="DeliveryDate")
    if _read.field_text(raw, "ReturningServiceVoucher") or overall == IN_RETURN:
        # A return voucher was issued: the parcel is on its way back to the shop.
        if result.status is not Status.RETURNED_TO_SENDER:
            result.status, result.reason = Status.RETURNED_TO_SENDER, None
        result.pickup_point = None
    elif delivered_at is not None or overall == DELIVERED:
        result.status, result.reason = Status.DELIVERED, None
        result.delivered_at = delivered_at or next(
            (e.occurred_at for e in reversed(result.events) if e.status is Status.DELIVERED),
            None,
        )
        result.signed_by = _read.field_text(raw, "Consignee")
        result.pickup_point = None
    return result
