"""Pure parsing of Sameday API payloads (already JSON-decoded).

``POST /api/authenticate`` answers ``{"token": ..., "expire_at": "YYYY-MM-DD HH:MM"}`` (a
Bucharest wall time). ``GET /api/client/awb/{awb}/status`` answers an object with
``expeditionSummary`` (``awbNumber``, ``delivered``, ``canceled``, ``deliveredAt``, …),
``expeditionStatus`` (the current status), ``parcelsStatus[]`` and
``expeditionHistory[]``; every status carries ``statusId``, ``status``, ``statusLabel``,
``statusState``, ``statusDate`` (ISO 8601 with an offset), ``county``, ``reason`` and
``transitLocation``. Anything else raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
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
from carriers.parsing import JsonReader, short_repr
from carriers.sameday import codes

_read = JsonReader("sameday:", short_repr)

#: Where ``expire_at`` wall times and offset-less ``statusDate``s are read.
HOME = "RO"
#: A token whose expiry cannot be read is kept this long (as Sameday's own SDK does).
FALLBACK_TOKEN_SECONDS = 600.0


def parse_token(doc: Any, now: datetime) -> tuple[str, float]:
    """``(token, seconds it stays valid)`` from the authenticate answer, as of ``now``."""
    body = _read.obj(doc, "authenticate response")
    token = _read.field_text(body, "token")
    if not token:
        raise BadResponse("sameday: authenticate answer without a token", short_repr(doc))
    expire_at = _read.field_text(body, "expire_at")
    if expire_at is None:
        return token, FALLBACK_TOKEN_SECONDS
    seconds = (_read.iso_time(expire_at, HOME, what="expire_at") - now).total_seconds()
    if not math.isfinite(seconds) or seconds <= 0:
        return token, FALLBACK_TOKEN_SECONDS
    return token, seconds


def _texts(raw: dict[str, Any]) -> tuple[str, str]:
    """(description shown to customers, every wording joined for the keyword rules)."""
    parts = [_read.field_text(raw, key) for key in ("statusState", "statusLabel", "status")]
    reason = _read.field_text(raw, "reason")
    words = " ".join(part for part in (*parts, reason) if part)
    description = parts[0] or parts[1] or parts[2] or ""
    return description, words


def parse_status(raw: Any) -> TrackingEvent:
    """One ``expeditionHistory[]`` entry (or ``expeditionStatus``, the same shape)."""
    raw = _read.obj(raw, "status")
    status_id = _read.field_text(raw, "statusId")
    stamp = _read.field_text(raw, "statusDate")
    if status_id is None or stamp is None:
        raise BadResponse("sameday: status without statusId or statusDate", short_repr(raw))
    description, words = _texts(raw)
    status, reason = codes.classify(status_id, words)
    return TrackingEvent(
        occurred_at=_read.iso_time(stamp, HOME, what="statusDate"),
        status=status,
        reason=reason,
        carrier_code=status_id,
        description=description,
        city=_read.field_text(raw, "transitLocation"),
        region=_read.field_text(raw, "county"),
    )


def _pickup_point(raw: dict[str, Any], event: TrackingEvent) -> PickupPoint:
    """The easybox or PUDO point a parcel waits at, as far as the status names it.

    The status answer names the place only in ``transitLocation`` (the easybox's name)
    and ``county``; the easybox id, address and opening code are not part of it.
    """
    _, words = _texts(raw)
    place = event.city or "easybox"
    kind = PickupKind.LOCKER if codes.is_easybox(f"{words} {place}") else PickupKind.SHOP
    return PickupPoint(point_id=place, kind=kind, name=event.city, city=None)


def parse_awb_status(doc: Any) -> TrackingResult:
    """The status answer for one AWB -> its result, numbered by ``awbNumber``."""
    body = _read.obj(doc, "status response")
    summary = _read.obj(body.get("expeditionSummary"), "expeditionSummary")
    number = _read.field_text(summary, "awbNumber")
    if number is None:
        raise BadResponse("sameday: expeditionSummary without awbNumber", short_repr(summary))
    history = _read.optional_list(body, "expeditionHistory")
    raws = [_read.obj(item, "status") for item in history]
    # Sameday lists newest first: reverse, then a stable sort keeps its order for ties.
    pairs = sorted(
        ((parse_status(item), item) for item in reversed(raws)), key=lambda p: p[0].occurred_at
    )
    events = [event for event, _ in pairs]
    current_raw = _read.optional_obj(body, "expeditionStatus")
    current = parse_status(current_raw) if current_raw else None

    result = TrackingResult(number=number, events=events)
    # The current status is expeditionStatus; without one, the newest history entry.
    latest: TrackingEvent | None = current
    latest_raw: dict[str, Any] = current_raw
    if latest is None and pairs:
        latest, latest_raw = pairs[-1]
    if latest is not None:
        result.status, result.reason = latest.status, latest.reason
    if summary.get("canceled") is True and result.status is not Status.DELIVERED:
        result.status, result.reason = Status.EXCEPTION, Reason.UNKNOWN
    if summary.get("delivered") is True and not result.status.is_final:
        result.status, result.reason = Status.DELIVERED, None
    # "Returned" after "pickup term expired": say why it came back.
    expired = any(event.reason is Reason.NOT_COLLECTED for event in events)
    if result.status is Status.RETURNED_TO_SENDER and result.reason is None and expired:
        result.reason = Reason.NOT_COLLECTED
    if result.status is Status.DELIVERED:
        result.delivered_at = _delivered_at(summary, events, latest)
    if result.status is Status.AVAILABLE_FOR_PICKUP and latest is not None:
        result.pickup_point = _pickup_point(latest_raw, latest)
    return result


def _delivered_at(
    summary: dict[str, Any], events: list[TrackingEvent], latest: TrackingEvent | None
) -> datetime | None:
    """``deliveredAt``; else the last delivered scan; else the current status's time."""
    stamp = _read.field_text(summary, "deliveredAt")
    if stamp:
        return _read.iso_time(stamp, HOME, what="deliveredAt")
    delivered = [event for event in events if event.status is Status.DELIVERED]
    if delivered:
        return delivered[-1].occurred_at
    return latest.occurred_at if latest else None


def is_error(doc: Any) -> bool:
    """True for Sameday's error bodies (``{"code": 404, "message": ...}`` and the like)."""
    return isinstance(doc, dict) and ("message" in doc or "error" in doc or "code" in doc)


def utc_now() -> datetime:
    """The current time, for :func:`parse_token` (kept here so tests can pass their own)."""
    return datetime.now(UTC)
