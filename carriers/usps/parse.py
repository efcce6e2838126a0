"""Pure parsing of USPS Tracking API v3 payloads (already JSON-decoded).

No I/O here, so every shape CARRIERS.md documents is tested without a network. Any
input that is not such a payload raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from carriers.base import BadResponse, Status, TrackingEvent, TrackingResult
from carriers.parsing import JsonReader, short_repr
from carriers.timestamps import parse_iso, parse_offset, to_utc
from carriers.usps import codes

_read = JsonReader("usps:", short_repr)

#: Errors the standard library raises for a timestamp or offset it cannot read.
_TIME_ERRORS = (ValueError, OverflowError, TypeError)


def parse_token(doc: Any) -> tuple[str, float]:
    """``(access_token, expires_in seconds)`` from the OAuth response.

    ``expires_in`` comes as a string ("28799"); when it is missing the token is used
    once and fetched again next time rather than guessing a lifetime.
    """
    raw = _read.obj(doc, "token response")
    token = raw.get("access_token")
    if not isinstance(token, str) or not token.strip():
        raise BadResponse("usps: token response without access_token", repr(doc)[:500])
    expires = raw.get("expires_in", 0)
    if isinstance(expires, bool) or not isinstance(expires, str | int | float):
        raise BadResponse("usps: expires_in is not a number", repr(doc)[:500])
    try:
        seconds = float(expires)
    except ValueError as exc:
        raise BadResponse("usps: expires_in is not a number", repr(doc)[:500]) from exc
    if not 0 <= seconds < 10**9:  # also rejects nan
        raise BadResponse("usps: expires_in out of range", repr(doc)[:500])
    return token.strip(), seconds


def _occurred_at(raw: dict[str, Any], country: str | None) -> datetime:
    """The scan's instant: ``GMTTimestamp`` when given (naive means GMT), else the local
    ``eventTimestamp`` placed by ``GMTOffset``, else by the timestamps.py country rule."""
    try:
        gmt = _read.field_text(raw, "GMTTimestamp")
        if gmt:
            return parse_iso(gmt)
        local = _read.field_text(raw, "eventTimestamp")
        if local is None:
            raise BadResponse("usps: event without a timestamp", repr(raw)[:500])
        moment = datetime.fromisoformat(local)
        offset = _read.field_text(raw, "GMTOffset")
        if moment.tzinfo is None and offset:
            moment = moment.replace(tzinfo=parse_offset(offset))
        return to_utc(moment, country=country)
    except _TIME_ERRORS as exc:
        raise BadResponse(f"usps: unreadable event time: {exc}", repr(raw)[:500]) from exc


def parse_event(raw: Any) -> TrackingEvent:
    """One ``trackingEvents[]`` entry; the code and USPS's wording are kept on the event."""
    raw = _read.obj(raw, "tracking event")
    code = (_read.field_text(raw, "eventCode") or "").upper()
    status, reason = codes.classify(code)
    country = _read.field_text(raw, "eventCountry")
    return TrackingEvent(
        occurred_at=_occurred_at(raw, country),
        status=status,
        reason=reason,
        carrier_code=code,
        description=_read.field_text(raw, "eventType") or "",
        city=_read.field_text(raw, "eventCity"),
        region=_read.field_text(raw, "eventState"),
        postal_code=_read.field_text(raw, "eventZIP"),
        country=country,
    )


def _expected_date(raw: dict[str, Any]) -> date | None:
    """``expectedDeliveryTimeStamp`` as the date USPS wrote (its local delivery day)."""
    text = _read.field_text(raw, "expectedDeliveryTimeStamp")
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).date()
    except _TIME_ERRORS as exc:
        raise BadResponse("usps: unreadable expectedDeliveryTimeStamp", text) from exc


def parse_tracking(doc: Any, number: str | None = None) -> list[TrackingResult]:
    """A 200 tracking response -> ``[result]`` (USPS answers one number per call).

    ``number`` is the number we asked for; it wins over the echoed ``trackingNumber``
    so results line up with the request even when USPS reformats the number.
    """
    raw = _read.obj(doc, "tracking response")
    number = number or _read.field_text(raw, "trackingNumber")
    if not number:
        raise BadResponse("usps: response without trackingNumber", repr(doc)[:500])
    raw_events = raw.get("trackingEvents")
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise BadResponse("usps: trackingEvents is not a list", repr(raw_events)[:500])

    # USPS lists newest first: reverse, then a stable sort keeps its order for equal times.
    pairs = [(parse_event(item), item) for item in reversed(raw_events)]
    pairs.sort(key=lambda pair: pair[0].occurred_at)
    events = [event for event, _ in pairs]

    result = TrackingResult(number=number, events=events, estimated_delivery=_expected_date(raw))
    if events:
        result.status, result.reason = events[-1].status, events[-1].reason
    else:
        category = _read.field_text(raw, "statusCategory")
        if category:
            result.status, result.reason = codes.classify_category(category)

    delivered = [(event, item) for event, item in pairs if event.status is Status.DELIVERED]
    if delivered:
        event, item = delivered[-1]
        result.delivered_at = event.occurred_at
        result.signed_by = _read.field_text(item, "name")
    return [result]
