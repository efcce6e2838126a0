"""Pure parsing of EasyPost JSON (already decoded) into TrackingResults.

Shapes from EasyPost's documentation: a ``Tracker`` (``tracking_code``, ``status``,
``status_detail``, ``signed_by``, ``est_delivery_date``, ``public_url``,
``carrier_detail.est_delivery_date_local``, ``tracking_details[]{message, description,
status, status_detail, datetime, tracking_location{city, state, country, zip}}``), and a
webhook ``Event`` whose ``description`` is ``tracker.updated`` (or ``tracker.created``)
with the Tracker in ``result``. Anything malformed raises BadResponse, nothing else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from carriers.base import BadResponse, Reason, Status, TrackingEvent, TrackingResult
from carriers.easypost.codes import CODES, DEFAULT
from carriers.parsing import JsonReader, decode_json, dump, latest_status
from carriers.signatures import hex_hmac_sha256, verify_signed_body

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

_read = JsonReader("easypost:", dump)


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
    return verify_signed_body(headers, body, header=SIGNATURE_HEADER, secret=secret, sign=sign)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hmac-Signature`` value EasyPost sends for ``body``."""
    return SIGNATURE_PREFIX + hex_hmac_sha256(unicodedata.normalize("NFKD", secret), body)


def parse_event(body: bytes) -> list[TrackingResult]:
    """Results in a webhook body; [] for events that carry no tracker (e.g. batch.*)."""
    event = _read.obj(decode_json(body, "easypost: webhook body is not JSON"), "event")
    description = event.get("description")
    if not isinstance(description, str):
        raise BadResponse("easypost: event without a description", body)
    if description not in TRACKER_EVENTS:
        return []
    return [parse_tracker(event.get("result"))]


def parse_tracker(raw: Any, *, number: str | None = None) -> TrackingResult:
    """One Tracker; ``number`` is the number as we asked for it (defaults to tracking_code)."""
    tracker = _read.obj(raw, "tracker")
    code = _read.required_string(tracker, "tracking_code", "tracker")
    details = _read.optional_list(tracker, "tracking_details")
    events = sorted((_event(d) for d in details), key=lambda e: e.occurred_at)

    status_text, detail_text = (
        _read.string(tracker, "status"),
        _read.string(tracker, "status_detail"),
    )
    status, reason = (
        resolve(status_text, detail_text) if status_text or detail_text else latest_status(events)
    )

    delivered = [e.occurred_at for e in events if e.status is Status.DELIVERED]
    return TrackingResult(
        number=number or code,
        status=status,
        reason=reason,
        events=events,
        estimated_delivery=_estimate(tracker),
        delivered_at=delivered[-1] if status is Status.DELIVERED and delivered else None,
        signed_by=_read.string(tracker, "signed_by") or None,
        carrier_url=_read.string(tracker, "public_url") or None,
    )


def parse_error(raw: Any) -> str:
    """The ``error.code`` of an EasyPost error body (``{"error": {"code", "message"}}``)."""
    error = _read.obj(_read.obj(raw, "error body").get("error"), "error")
    return _read.string(error, "code") or ""


# --- helpers ---


def _event(raw: Any) -> TrackingEvent:
    detail = _read.obj(raw, "tracking detail")
    location = _read.optional_obj(detail, "tracking_location")
    country = _read.string(location, "country")
    stamp = _read.string(detail, "datetime")
    if not stamp:
        raise BadResponse("easypost: tracking detail without datetime", dump(raw))
    status_text, detail_text = _read.string(detail, "status"), _read.string(detail, "status_detail")
    status, reason = resolve(status_text, detail_text)
    return TrackingEvent(
        occurred_at=_read.iso_time(stamp, country, what="datetime"),
        status=status,
        reason=reason,
        carrier_code="/".join(p for p in (status_text, detail_text) if p),
        description=_read.string(detail, "message") or _read.string(detail, "description") or "",
        city=_read.string(location, "city"),
        region=_read.string(location, "state"),
        postal_code=_read.string(location, "zip"),
        country=country,
    )


def _estimate(tracker: dict[str, Any]) -> date | None:
    carrier_detail = tracker.get("carrier_detail")
    local = None
    if carrier_detail is not None:
        local = _read.string(_read.obj(carrier_detail, "carrier_detail"), "est_delivery_date_local")
    text = local or _read.string(tracker, "est_delivery_date")
    if not text:
        return None
    return _read.stated_date(text)  # the date the carrier states, not shifted into UTC
