"""Pure parsing of EasyPost JSON (already decoded) into TrackingResults.

Shapes from EasyPost's documentation: a ``Tracker`` (``tracking_code``, ``status``,
``status_detail``, ``signed_by``, ``est_delivery_date``, ``public_url``,
``carrier_detail.est_delivery_date_local``, ``tracking_details[]{message, description,
status, status_detail, datetime, tracking_location{city, state, country, zip}}``), and a
webhook ``Event`` whose ``description`` is ``tracker.updated`` (or ``tracker.created``)
with the Tracker in ``result``. Anything malformed raises BadResponse, nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from carriers.base import BadResponse, Reason, Status, TrackingEvent, TrackingResult
from carriers.easypost.codes import CODES, DEFAULT
from carriers.timestamps import parse_iso

SIGNATURE_HEADER = "x-hmac-signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="
TRACKER_EVENTS = frozenset({"tracker.updated", "tracker.created"})
#: A moving parcel is turned into one of these when a status_detail says so.
_REFINABLE = frozenset({Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.EXCEPTION})
_PROBLEMS = frozenset(
    {
        Status.EXCEPTION,
        Status.FAILED_ATTEMPT,
        Status.RETURNED_TO_SENDER,
        Status.AVAILABLE_FOR_PICKUP,
    }
)


def resolve(status: str | None, detail: str | None) -> tuple[Status, Reason | None]:
    """(Status, Reason) for a status and its detail.

    The status decides. A detail that reports a problem (exception, failed attempt,
    return, waiting at a pickup point) refines a parcel that is moving or already in
    exception, but never rewrites delivered, returned or pre-transit.
    """
    base = CODES.get(status or "") or CODES.get(detail or "") or DEFAULT
    refined = CODES.get(detail or "")
    if refined and base[0] in _REFINABLE and refined[0] in _PROBLEMS:
        return refined
    return base


def verify_signature(headers: Mapping[str, str], body: bytes, secret: str | None) -> bool:
    """``X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256(NFKD(secret), raw body)>``."""
    if not secret:
        return False
    sent = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
    if not isinstance(sent, str) or not sent:
        return False
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    expected = SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), sent.strip().encode("utf-8", "replace"))


def parse_event(body: bytes) -> list[TrackingResult]:
    """Results in a webhook body; [] for events that carry no tracker (e.g. batch.*)."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadResponse("easypost: webhook body is not JSON", body) from exc
    event = _obj(event, "event")
    description = event.get("description")
    if not isinstance(description, str):
        raise BadResponse("easypost: event without a description", body)
    if description not in TRACKER_EVENTS:
        return []
    return [parse_tracker(event.get("result"))]


def parse_tracker(raw: Any, *, number: str | None = None) -> TrackingResult:
    """One Tracker; ``number`` is the number as we asked for it (defaults to tracking_code)."""
    tracker = _obj(raw, "tracker")
    code = tracker.get("tracking_code")
    if not isinstance(code, str) or not code:
        raise BadResponse("easypost: tracker without tracking_code", _dump(raw))
    details = tracker.get("tracking_details")
    if details is None:
        details = []
    if not isinstance(details, list):
        raise BadResponse("easypost: tracking_details is not a list", _dump(raw))
    events = sorted((_event(d) for d in details), key=lambda e: e.occurred_at)

    status_text, detail_text = _str(tracker, "status"), _str(tracker, "status_detail")
    if status_text or detail_text:
        status, reason = resolve(status_text, detail_text)
    elif events:
        status, reason = events[-1].status, events[-1].reason
    else:
        status, reason = Status.PENDING, None

    delivered = [e.occurred_at for e in events if e.status is Status.DELIVERED]
    return TrackingResult(
        number=number or code,
        status=status,
        reason=reason,
        events=events,
        estimated_delivery=_estimate(tracker),
        delivered_at=delivered[-1] if status is Status.DELIVERED and delivered else None,
        signed_by=_str(tracker, "signed_by") or None,
        carrier_url=_str(tracker, "public_url") or None,
    )


def parse_error(raw: Any) -> str:
    """The ``error.code`` of an EasyPost error body (``{"error": {"code", "message"}}``)."""
    error = _obj(_obj(raw, "error body").get("error"), "error")
    return _str(error, "code") or ""


# --- helpers ---


def _event(raw: Any) -> TrackingEvent:
    detail = _obj(raw, "tracking detail")
    location = detail.get("tracking_location")
    location = {} if location is None else _obj(location, "tracking_location")
    country = _str(location, "country")
    stamp = _str(detail, "datetime")
    if not stamp:
        raise BadResponse("easypost: tracking detail without datetime", _dump(raw))
    status_text, detail_text = _str(detail, "status"), _str(detail, "status_detail")
    status, reason = resolve(status_text, detail_text)
    return TrackingEvent(
        occurred_at=_when(stamp, country),
        status=status,
        reason=reason,
        carrier_code="/".join(p for p in (status_text, detail_text) if p),
        description=_str(detail, "message") or _str(detail, "description") or "",
        city=_str(location, "city"),
        region=_str(location, "state"),
        postal_code=_str(location, "zip"),
        country=country,
    )


def _estimate(tracker: dict[str, Any]) -> date | None:
    carrier_detail = tracker.get("carrier_detail")
    local = None
    if carrier_detail is not None:
        local = _str(_obj(carrier_detail, "carrier_detail"), "est_delivery_date_local")
    text = local or _str(tracker, "est_delivery_date")
    if not text:
        return None
    try:  # the date the carrier states, not shifted into UTC
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise BadResponse(f"easypost: bad estimated delivery {text!r}", text) from exc


def _when(text: str, country: str | None) -> datetime:
    try:
        return parse_iso(text, country=country)
    except (ValueError, OverflowError) as exc:
        raise BadResponse(f"easypost: bad datetime {text!r}", text) from exc


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadResponse(f"easypost: {what} is not an object", _dump(value))
    return value


def _str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadResponse(f"easypost: {key} is not a string", _dump(obj))


def _dump(value: Any) -> str:
    try:
        return json.dumps(value)[:2000]
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:2000]
