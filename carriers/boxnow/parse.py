"""Pure parsing of BOX NOW Partner API payloads (already JSON-decoded, or raw pushed bytes).

``GET /api/v1/parcels?parcelId=…`` answers ``{"pagination", "count", "data": [Parcel]}``;
a Parcel has ``id``, ``state`` (a ``ParcelState``), ``events[]`` (``type``,
``locationDisplayName``, ``locationId``, ``postalCode``, ``createTime``) and the
``deliveryRequest`` it belongs to, whose ``destination`` names the locker (``locationId``,
``name``, ``addressLine1``, ``postalCode``, ``country``…). A pushed webhook is a
CloudEvents message (``type: gr.boxnow.parcel_event_change``) whose ``data`` carries
``parcelId``, ``parcelState``, ``event``, ``time``, ``eventLocation`` and the locker PIN
(``parcelPin``), signed by ``datasignature``. Anything else raises :class:`BadResponse`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from carriers.base import (
    BadResponse,
    PickupKind,
    PickupPoint,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.boxnow import codes
from carriers.parsing import JsonReader, decode_json, short_repr
from carriers.signatures import equal_secrets, hex_hmac_sha256

_read = JsonReader("boxnow:", short_repr)

#: The message type BOX NOW pushes parcel events as.
WEBHOOK_TYPE = "gr.boxnow.parcel_event_change"


def _time(text: str, what: str) -> datetime:
    return _read.iso_time(text, None, what=what)


def parse_event(raw: Any) -> TrackingEvent:
    """One ``events[]`` entry; its type is the carrier code."""
    raw = _read.obj(raw, "event")
    kind = _read.field_text(raw, "type")
    stamp = _read.field_text(raw, "createTime")
    if kind is None or stamp is None:
        raise _read.fail("event without type or createTime", raw)
    status, reason = codes.event(kind)
    place = _read.field_text(raw, "locationDisplayName")
    return TrackingEvent(
        occurred_at=_time(stamp, "createTime"),
        status=status,
        reason=reason,
        carrier_code=kind.lower(),
        # BOX NOW sends codes, no words: the code is kept, and customers read ours
        # instead of "final-destination" as the carrier's.
        description="",
        city=place,
        postal_code=_read.field_text(raw, "postalCode"),
    )


def _locker(destination: dict[str, Any]) -> PickupPoint | None:
    """The destination locker of a delivery request; None for a home delivery."""
    location_id = _read.field_text(destination, "locationId")
    if location_id is None:
        return None
    street = " ".join(
        part
        for part in (
            _read.field_text(destination, "addressLine1"),
            _read.field_text(destination, "addressLine2"),
        )
        if part
    )
    return PickupPoint(
        point_id=location_id,
        kind=PickupKind.LOCKER,
        name=_read.field_text(destination, "name") or _read.field_text(destination, "title"),
        street=street or None,
        postal_code=_read.field_text(destination, "postalCode"),
        country=(_read.field_text(destination, "country") or "").upper() or None,
        latitude=_read.coordinate(destination, "lat", 90.0),
        longitude=_read.coordinate(destination, "lng", 180.0),
    )


def _settle(result: TrackingResult, state: str | None) -> None:
    """Status from the parcel's state (else its newest event), and the refinements."""
    if state:
        result.status, result.reason = codes.state(state)
    elif result.events:
        result.status, result.reason = result.events[-1].status, result.events[-1].reason
    expired = any(event.reason is Reason.NOT_COLLECTED for event in result.events)
    if result.status is Status.RETURNED_TO_SENDER and expired:
        result.reason = Reason.NOT_COLLECTED
    delivered = [event for event in result.events if event.status is Status.DELIVERED]
    if result.status is Status.DELIVERED and delivered:
        result.delivered_at = delivered[-1].occurred_at


def _gone(result: TrackingResult) -> bool:
    """True once the parcel has left (or will not reach) its locker for good."""
    return result.status is Status.RETURNED_TO_SENDER or result.reason is Reason.NOT_COLLECTED


def parse_parcel(raw: Any) -> TrackingResult:
    """One Parcel -> a result numbered by its ``id``."""
    parcel = _read.obj(raw, "parcel")
    number = _read.field_text(parcel, "id")
    if number is None:
        raise _read.fail("parcel without id", parcel)
    events: Sequence[Any] = _read.optional_list(parcel, "events")
    result = TrackingResult(
        number=number,
        events=sorted((parse_event(item) for item in events), key=lambda e: e.occurred_at),
    )
    _settle(result, _read.field_text(parcel, "state"))
    request = _read.optional_obj(parcel, "deliveryRequest")
    locker = _locker(_read.optional_obj(request, "destination"))  # read even if dropped
    result.pickup_point = None if _gone(result) else locker
    return result


def parse_parcels(doc: Any) -> list[TrackingResult]:
    """Every parcel of a ``/api/v1/parcels`` answer."""
    body = _read.obj(doc, "parcels answer")
    if "data" not in body:
        raise _read.fail("parcels answer without data", body)
    return [parse_parcel(item) for item in _read.optional_list(body, "data")]


def error_code(doc: Any) -> str | None:
    """The ``code`` of a BOX NOW error body (``{"code": "P414", "message": …}``), else None."""
    if not isinstance(doc, dict) or "data" in doc:
        return None
    code = doc.get("code")
    return code if isinstance(code, str) and code else None


# --- webhooks ---


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def raw_member(text: str, name: str) -> str | None:
    """The exact text of the top-level member ``name`` of a JSON object, or None.

    BOX NOW signs the ``data`` member as it wrote it, so verification needs its bytes as
    sent, not a re-serialisation. None when ``text`` is no JSON object, lacks the member
    or names it twice (which of two copies was signed cannot be known).
    """
    decoder = json.JSONDecoder()
    found: str | None = None
    seen = 0
    try:
        at = _skip(text, 0)
        if text[at] != "{":
            return None
        at = _skip(text, at + 1)
        if text[at] == "}":
            return None
        while True:
            if text[at] != '"':
                return None
            key, at = decoder.raw_decode(text, at)
            at = _skip(text, at)
            if text[at] != ":":
                return None
            start = _skip(text, at + 1)
            _, end = decoder.raw_decode(text, start)
            if key == name:
                found, seen = text[start:end], seen + 1
            at = _skip(text, end)
            if text[at] == "}":
                break
            if text[at] != ",":
                return None
            at = _skip(text, at + 1)
        if _skip(text, at + 1) != len(text):
            return None
    except (ValueError, IndexError, RecursionError):
        return None
    return found if seen == 1 else None


def verify_signature(body: bytes, secret: str | None) -> bool:
    """True when ``datasignature`` is the hex HMAC-SHA256, keyed with the account's
    webhook secret, of the ``data`` member exactly as sent."""
    if not secret:
        return False
    try:
        text = body.decode("utf-8")
        doc = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    given = doc.get("datasignature") if isinstance(doc, dict) else None
    data = raw_member(text, "data")
    if not isinstance(given, str) or not given or data is None:
        return False
    return equal_secrets(hex_hmac_sha256(secret, data.encode("utf-8")), given.strip().lower())


def parse_webhook(body: bytes) -> list[TrackingResult]:
    """The parcel a pushed message is about, with its one event; [] for other types."""
    message = _read.obj(decode_json(body, "boxnow: webhook body is not JSON"), "webhook")
    kind = _read.field_text(message, "type")
    if kind is None:
        raise BadResponse("boxnow: webhook without a type", body)
    if kind != WEBHOOK_TYPE:
        return []
    data = _read.obj(message.get("data"), "webhook data")
    number = _read.field_text(data, "parcelId")
    name = _read.field_text(data, "event")
    stamp = _read.field_text(data, "time")
    if number is None or name is None or stamp is None:
        raise _read.fail("webhook data without parcelId, event or time", data)
    where = _read.optional_obj(data, "eventLocation")
    status, reason = codes.event(name)
    event = TrackingEvent(
        occurred_at=_time(stamp, "time"),
        status=status,
        reason=reason,
        carrier_code=name.lower(),
        description="",
        city=_read.field_text(where, "displayName"),
        postal_code=_read.field_text(where, "postalCode"),
    )
    result = TrackingResult(number=number, events=[event])
    _settle(result, _read.field_text(data, "parcelState"))
    if result.status is Status.AVAILABLE_FOR_PICKUP and event.city:
        # The message names the locker only by its display name, with the PIN that opens it.
        result.pickup_point = PickupPoint(
            point_id=event.city,
            kind=PickupKind.LOCKER,
            name=event.city,
            postal_code=event.postal_code,
            pickup_code=_read.field_text(data, "parcelPin"),
        )
    return [result]
