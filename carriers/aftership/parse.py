"""Pure parsing of AfterShip JSON (already decoded) into TrackingResults.

Shapes from AfterShip's Tracking API: ``GET /trackings`` answers
``{"meta": {...}, "data": {"trackings": [Tracking]}}``; a Tracking has
``tracking_number``, ``tag``, ``subtag``, ``signed_by``, ``shipment_delivery_date``,
``courier_estimated_delivery_date.estimated_delivery_date`` (older versions:
``expected_delivery``), ``courier_tracking_link`` and ``checkpoints[]{checkpoint_time,
tag, subtag, subtag_message, message, city, state, zip, country_region}`` (older
versions: ``country_iso3``; both ISO alpha-3). Webhooks post
``{ts, event: "tracking_update", event_id, msg: Tracking}``.
Anything malformed raises BadResponse, nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel.core import get_global

from carriers.aftership.codes import CODES, DEFAULT
from carriers.base import BadResponse, Reason, Status, TrackingEvent, TrackingResult
from carriers.detection import normalise
from carriers.timestamps import parse_iso

SIGNATURE_HEADER = "aftership-hmac-sha256"


def resolve(tag: str | None, subtag: str | None) -> tuple[Status, Reason | None]:
    """A known subtag, else its tag, else the tag its code starts with, else in transit."""
    for code in (subtag, tag, (subtag or "").split("_", 1)[0]):
        if code and code in CODES:
            return CODES[code]
    return DEFAULT


def verify_signature(headers: Mapping[str, str], body: bytes, secret: str | None) -> bool:
    """``aftership-hmac-sha256: Base64(HMAC-SHA256(secret, raw body))``."""
    if not secret:
        return False
    sent = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
    if not isinstance(sent, str) or not sent:
        return False
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    return hmac.compare_digest(expected, sent.strip().encode("utf-8", "replace"))


def parse_webhook(body: bytes) -> list[TrackingResult]:
    """The tracking in a webhook body; [] for events that carry none."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadResponse("aftership: webhook body is not JSON", body) from exc
    payload = _obj(payload, "webhook body")
    event, msg = payload.get("event"), payload.get("msg")
    if not isinstance(event, str):
        raise BadResponse("aftership: webhook without an event", body)
    msg = _obj(msg, "msg")
    tracking = msg.get("tracking") if isinstance(msg.get("tracking"), dict) else msg
    if event != "tracking_update" and "tracking_number" not in tracking:
        return []
    return [parse_tracking(tracking)]


def parse_trackings(raw: Any) -> dict[str, TrackingResult]:
    """Results of a ``GET /trackings`` answer by normalised number.

    When AfterShip holds the same number under several couriers, the most recently
    updated tracking wins.
    """
    data = _obj(_obj(raw, "response").get("data"), "data")
    trackings = data.get("trackings")
    if not isinstance(trackings, list):
        raise BadResponse("aftership: data.trackings is not a list", _dump(raw))
    newest: dict[str, tuple[str, TrackingResult]] = {}
    for item in trackings:
        result = parse_tracking(item)
        updated = _str(item, "updated_at") or ""
        key = normalise(result.number)
        if key not in newest or updated > newest[key][0]:
            newest[key] = (updated, result)
    return {key: result for key, (_, result) in newest.items()}


def parse_tracking(raw: Any, *, number: str | None = None) -> TrackingResult:
    """One Tracking object; ``number`` is the number as we asked for it."""
    tracking = _obj(raw, "tracking")
    code = tracking.get("tracking_number")
    if not isinstance(code, str) or not code:
        raise BadResponse("aftership: tracking without tracking_number", _dump(raw))
    checkpoints = tracking.get("checkpoints")
    if checkpoints is None:
        checkpoints = []
    if not isinstance(checkpoints, list):
        raise BadResponse("aftership: checkpoints is not a list", _dump(raw))
    events = sorted((_event(c) for c in checkpoints), key=lambda e: e.occurred_at)

    tag, subtag = _str(tracking, "tag"), _str(tracking, "subtag")
    if tag or subtag:
        status, reason = resolve(tag, subtag)
    elif events:
        status, reason = events[-1].status, events[-1].reason
    else:
        status, reason = Status.PENDING, None

    delivered_at = None
    if status is Status.DELIVERED:
        delivered = [e.occurred_at for e in events if e.status is Status.DELIVERED]
        stated = _str(tracking, "shipment_delivery_date")
        delivered_at = delivered[-1] if delivered else (_when(stated, None) if stated else None)
    return TrackingResult(
        number=number or code,
        status=status,
        reason=reason,
        events=events,
        estimated_delivery=_estimate(tracking),
        delivered_at=delivered_at,
        signed_by=_str(tracking, "signed_by") or None,
        carrier_url=_str(tracking, "courier_tracking_link") or None,
    )


# --- helpers ---


def _event(raw: Any) -> TrackingEvent:
    checkpoint = _obj(raw, "checkpoint")
    stamp = _str(checkpoint, "checkpoint_time")
    if not stamp:
        raise BadResponse("aftership: checkpoint without checkpoint_time", _dump(raw))
    country = _alpha2(_str(checkpoint, "country_region") or _str(checkpoint, "country_iso3"))
    tag, subtag = _str(checkpoint, "tag"), _str(checkpoint, "subtag")
    status, reason = resolve(tag, subtag)
    return TrackingEvent(
        occurred_at=_when(stamp, country),
        status=status,
        reason=reason,
        carrier_code=subtag or tag or "",
        description=_str(checkpoint, "message") or _str(checkpoint, "subtag_message") or "",
        city=_str(checkpoint, "city"),
        region=_str(checkpoint, "state"),
        postal_code=_str(checkpoint, "zip"),
        country=country,
    )


def _alpha2(code: str | None) -> str | None:
    """ISO alpha-3 (what AfterShip sends) to alpha-2 (what the rest of Doorstep uses)."""
    if not code:
        return None
    code = code.strip().upper()
    if len(code) == 3:
        aliases = get_global("territory_aliases").get(code)
        if aliases:
            return str(aliases[0])
    return code


def _estimate(tracking: dict[str, Any]) -> date | None:
    text = None
    courier = tracking.get("courier_estimated_delivery_date")
    if courier is not None:
        text = _str(_obj(courier, "courier_estimated_delivery_date"), "estimated_delivery_date")
    text = text or _str(tracking, "expected_delivery")
    if not text:
        return None
    try:  # the date the carrier states, not shifted into UTC
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise BadResponse(f"aftership: bad estimated delivery {text!r}", text) from exc


def _when(text: str, country: str | None) -> datetime:
    try:
        return parse_iso(text, country=country)
    except (ValueError, OverflowError) as exc:
        raise BadResponse(f"aftership: bad time {text!r}", text) from exc


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadResponse(f"aftership: {what} is not an object", _dump(value))
    return value


def _str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadResponse(f"aftership: {key} is not a string", _dump(obj))


def _dump(value: Any) -> str:
    try:
        return json.dumps(value)[:2000]
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:2000]
