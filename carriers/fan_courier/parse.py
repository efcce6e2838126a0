"""Pure parsing of FAN Courier API v2 payloads (already JSON-decoded).

``POST /login`` answers ``{"status": "success", "data": {"token": ..., "expiresAt": ...}}``
and ``GET /reports/awb/tracking`` answers ``{"status": "success", "data": [...]}`` with one
entry per AWB asked. An entry either carries ``events`` (``id``, ``name``, ``location``,
``date`` as a Romanian wall time ``YYYY-MM-DD HH:MM:SS``) and a ``confirmation``
(``name`` of the person who signed, ``date``), or only a ``message`` when FAN Courier has
no scan yet ("The AWB has been registered by sender") or does not know the number.
Anything else raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carriers.base import (
    BadResponse,
    PickupKind,
    PickupPoint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.fan_courier import codes
from carriers.parsing import JsonReader, latest_status, short_repr, squash

_read = JsonReader("fan_courier:", short_repr)

#: Every FAN Courier time is a wall time in Romania.
COUNTRY = "RO"
#: The documented lifetime of a login token.
TOKEN_SECONDS = 24 * 3600.0

#: Words in a ``message`` that say FAN Courier knows the AWB but has not scanned it yet.
_REGISTERED = ("registered", "registerd", "inregistrat", "înregistrat")


def parse_token(doc: Any) -> tuple[str, float]:
    """``(token, lifetime seconds)`` from the login answer; tokens live 24 hours."""
    body = _read.obj(doc, "login response")
    data = _read.optional_obj(body, "data")
    token = _read.field_text(data, "token")
    if body.get("status") != "success" or not token:
        raise BadResponse("fan_courier: login answer without a token", short_repr(doc))
    return token, TOKEN_SECONDS


def _time(text: str) -> datetime:
    return _read.iso_time(text, COUNTRY, what="event date")


def parse_event(raw: Any) -> TrackingEvent:
    """One ``events[]`` entry; its ``location`` is the city of the scan."""
    raw = _read.obj(raw, "event")
    code = _read.field_text(raw, "id")
    stamp = _read.field_text(raw, "date")
    if code is None or stamp is None:
        raise BadResponse("fan_courier: event without id or date", short_repr(raw))
    name = _read.field_text(raw, "name") or ""
    location = _read.field_text(raw, "location")
    status, reason = codes.classify(code, f"{name} {location or ''}")
    return TrackingEvent(
        occurred_at=_time(stamp),
        status=status,
        reason=reason,
        carrier_code=code.upper(),
        description=name,
        city=location,
        country=COUNTRY,
    )


def _pickup_point(event: TrackingEvent) -> PickupPoint:
    """Where a parcel waits: a FANbox, a partner shop (S46) or a FAN Courier office (S8).

    The tracking report names the place only in ``location`` (the FANbox's name, or the
    city of the office), so that text is both its id and its name.
    """
    place = event.city or "FAN Courier"
    if codes.mentions_fanbox(f"{event.description} {place}"):
        kind = PickupKind.LOCKER
    elif event.carrier_code in codes.AT_DEPOT:
        kind = PickupKind.DEPOT
    else:
        kind = PickupKind.SHOP
    city = place if kind is PickupKind.DEPOT else None
    return PickupPoint(point_id=place, kind=kind, name=place, city=city, country=COUNTRY)


def _message_only(number: str, raw: dict[str, Any]) -> TrackingResult:
    """An entry without events: registered (label only) or unknown to FAN Courier."""
    message = (_read.field_text(raw, "message") or "").lower()
    if any(word in message for word in _REGISTERED):
        return TrackingResult(number=number, status=Status.INFO_RECEIVED)
    return TrackingResult(number=number, not_found=True)


def parse_entry(raw: Any) -> TrackingResult:
    """One ``data[]`` entry -> a result numbered by its ``awbNumber``."""
    raw = _read.obj(raw, "tracking entry")
    number = _read.field_text(raw, "awbNumber")
    if number is None:
        raise BadResponse("fan_courier: tracking entry without awbNumber", short_repr(raw))
    raw_events = _read.optional_list(raw, "events")
    if not raw_events:
        return _message_only(number, raw)
    # FAN lists oldest first; sorting (stable) also copes with any other order.
    events = sorted((parse_event(item) for item in raw_events), key=lambda e: e.occurred_at)
    result = TrackingResult(number=number, events=events)
    result.status, result.reason = latest_status(events)
    delivered = [event for event in events if event.status is Status.DELIVERED]
    if delivered and result.status is Status.DELIVERED:
        result.delivered_at = delivered[-1].occurred_at
        confirmation = _read.optional_obj(raw, "confirmation")
        result.signed_by = _read.field_text(confirmation, "name")
    if result.status is Status.AVAILABLE_FOR_PICKUP:
        result.pickup_point = _pickup_point(events[-1])
    return result


def parse_tracking(doc: Any) -> dict[str, TrackingResult]:
    """The tracking report -> results by squashed AWB number."""
    body = _read.obj(doc, "tracking response")
    if body.get("status") != "success":
        raise BadResponse("fan_courier: tracking answer is not a success", short_repr(doc))
    entries = body.get("data")
    if not isinstance(entries, list):
        raise BadResponse("fan_courier: tracking answer without a data list", short_repr(doc))
    results: dict[str, TrackingResult] = {}
    for entry in entries:
        result = parse_entry(entry)
        results.setdefault(squash(result.number), result)
    return results


def error_message(doc: Any) -> str | None:
    """The ``message`` of an error body (``{"status": "error", "message": ...}``), if any."""
    if isinstance(doc, dict):
        message = doc.get("message")
        if isinstance(message, str):
            return message
    return None
