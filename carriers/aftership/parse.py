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

from collections.abc import Mapping
from datetime import date
from typing import Any

from babel.core import get_global

from carriers.aftership.codes import CODES, DEFAULT
from carriers.base import BadResponse, Reason, Status, TrackingEvent, TrackingResult
from carriers.detection import normalise
from carriers.parsing import JsonReader, decode_json, dump, latest_status
from carriers.signatures import base64_hmac_sha256, verify_signed_body

SIGNATURE_HEADER = "aftership-hmac-sha256"

_read = JsonReader("aftership:", dump)


def resolve(tag: str | None, subtag: str | None) -> tuple[Status, Reason | None]:
    """A known subtag, else its tag, else the tag its code starts with, else in transit."""
    for code in (subtag, tag, (subtag or "").split("_", 1)[0]):
        if code and code in CODES:
            return CODES[code]
    return DEFAULT


def verify_signature(headers: Mapping[str, str], body: bytes, secret: str | None) -> bool:
    """``aftership-hmac-sha256: Base64(HMAC-SHA256(secret, raw body))``."""
    return verify_signed_body(
        headers, body, header=SIGNATURE_HEADER, secret=secret, sign=base64_hmac_sha256
    )


def parse_webhook(body: bytes) -> list[TrackingResult]:
    """The tracking in a webhook body; [] for events that carry none."""
    payload = _read.obj(decode_json(body, "aftership: webhook body is not JSON"), "webhook body")
    event, msg = payload.get("event"), payload.get("msg")
    if not isinstance(event, str):
        raise BadResponse("aftership: webhook without an event", body)
    msg = _read.obj(msg, "msg")
    inner = msg.get("tracking")
    tracking: dict[str, Any] = inner if isinstance(inner, dict) else msg
    if event != "tracking_update" and "tracking_number" not in tracking:
        return []
    return [parse_tracking(tracking)]


def parse_trackings(raw: Any) -> dict[str, TrackingResult]:
    """Results of a ``GET /trackings`` answer by normalised number.

    When AfterShip holds the same number under several couriers, the most recently
    updated tracking wins.
    """
    data = _read.obj(_read.obj(raw, "response").get("data"), "data")
    trackings = data.get("trackings")
    if not isinstance(trackings, list):
        raise BadResponse("aftership: data.trackings is not a list", dump(raw))
    newest: dict[str, tuple[str, TrackingResult]] = {}
    for item in trackings:
        result = parse_tracking(item)
        updated = _read.string(item, "updated_at") or ""
        key = normalise(result.number)
        if key not in newest or updated > newest[key][0]:
            newest[key] = (updated, result)
    return {key: result for key, (_, result) in newest.items()}


def parse_tracking(raw: Any, *, number: str | None = None) -> TrackingResult:
    """One Tracking object; ``number`` is the number as we asked for it."""
    tracking = _read.obj(raw, "tracking")
    code = _read.required_string(tracking, "tracking_number", "tracking")
    checkpoints = _read.optional_list(tracking, "checkpoints")
    events = sorted((_event(c) for c in checkpoints), key=lambda e: e.occurred_at)

    tag, subtag = _read.string(tracking, "tag"), _read.string(tracking, "subtag")
    status, reason = resolve(tag, subtag) if tag or subtag else latest_status(events)

    delivered_at = None
    if status is Status.DELIVERED:
        delivered = [e.occurred_at for e in events if e.status is Status.DELIVERED]
        stated = _read.string(tracking, "shipment_delivery_date")
        delivered_at = (
            delivered[-1] if delivered else (_read.iso_time(stated, None) if stated else None)
        )
    return TrackingResult(
        number=number or code,
        status=status,
        reason=reason,
        events=events,
        estimated_delivery=_estimate(tracking),
        delivered_at=delivered_at,
        signed_by=_read.string(tracking, "signed_by") or None,
        carrier_url=_read.string(tracking, "courier_tracking_link") or None,
    )


# --- helpers ---


def _event(raw: Any) -> TrackingEvent:
    checkpoint = _read.obj(raw, "checkpoint")
    stamp = _read.string(checkpoint, "checkpoint_time")
    if not stamp:
        raise BadResponse("aftership: checkpoint without checkpoint_time", dump(raw))
    country = _alpha2(
        _read.string(checkpoint, "country_region") or _read.string(checkpoint, "country_iso3")
    )
    tag, subtag = _read.string(checkpoint, "tag"), _read.string(checkpoint, "subtag")
    status, reason = resolve(tag, subtag)
    return TrackingEvent(
        occurred_at=_read.iso_time(stamp, country),
        status=status,
        reason=reason,
        carrier_code=subtag or tag or "",
        description=_read.string(checkpoint, "message")
        or _read.string(checkpoint, "subtag_message")
        or "",
        city=_read.string(checkpoint, "city"),
        region=_read.string(checkpoint, "state"),
        postal_code=_read.string(checkpoint, "zip"),
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
        text = _read.string(
            _read.obj(courier, "courier_estimated_delivery_date"), "estimated_delivery_date"
        )
    text = text or _read.string(tracking, "expected_delivery")
    if not text:
        return None
    return _read.stated_date(text)  # the date the carrier states, not shifted into UTC
