"""Pure parsing of the sandbox carrier's JSON (``POST /v1/track`` and pushes) into results.

Anything that is not the documented shape raises :class:`BadResponse` and nothing else:
the sandbox is used to test the engine, so it must fail exactly like a real adapter.
Optional fields may be missing or null; unknown fields are ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NoReturn

from carriers.base import (
    BadResponse,
    DeliveryWindow,
    PickupKind,
    PickupPoint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.sandbox import codes
from carriers.timestamps import parse_iso


def _raw(data: Any) -> str:
    """The offending payload as text, for diagnosis (bounded)."""
    try:
        return json.dumps(data, ensure_ascii=False, default=repr)[:4000]
    except (TypeError, ValueError, RecursionError):
        return repr(data)[:4000]


def _str(obj: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadResponse(f"{key!r} must be a{' non-empty' if required else ''} string", _raw(obj))
    return value


def _dict(obj: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadResponse(f"{key!r} must be an object", _raw(obj))
    return value


def _time(value: str, country: str | None, where: Any) -> datetime:
    try:
        return parse_iso(value, country=country)
    except (ValueError, OverflowError) as exc:
        raise BadResponse(f"bad timestamp {value!r}", _raw(where)) from exc


_TEXT_OR_NONE = (str, type(None))


def _explain_event(item: dict[str, Any]) -> NoReturn:
    """Raise the precise :class:`BadResponse` for an event the fast path refused."""
    _str(item, "code", required=True)
    _str(item, "time", required=True)
    _str(item, "description")
    loc = _dict(item, "location") or {}
    for key in ("city", "region", "postcode", "country"):
        _str(loc, key)
    raise BadResponse("event is malformed", _raw(item))  # the checks above name the field


def parse_event(item: Any) -> TrackingEvent:
    """One entry of ``events``: code, description, local time with offset, location.

    Checked in one expression rather than field by field: a sweep parses every scan of
    every parcel, and the field-by-field checks only run to name what is wrong.
    """
    if not isinstance(item, dict):
        raise BadResponse("event must be an object", _raw(item))
    code, stamp, description = item.get("code"), item.get("time"), item.get("description")
    loc = item.get("location")
    if loc is None:
        loc = {}
    elif not isinstance(loc, dict):
        raise BadResponse("'location' must be an object", _raw(item))
    city, region, postcode, country = (
        loc.get("city"),
        loc.get("region"),
        loc.get("postcode"),
        loc.get("country"),
    )
    if not (
        isinstance(code, str)
        and isinstance(stamp, str)
        and code.strip()
        and stamp.strip()
        and isinstance(description, _TEXT_OR_NONE)
        and isinstance(city, _TEXT_OR_NONE)
        and isinstance(region, _TEXT_OR_NONE)
        and isinstance(postcode, _TEXT_OR_NONE)
        and isinstance(country, _TEXT_OR_NONE)
    ):
        _explain_event(item)
    status, reason = codes.lookup(code)
    return TrackingEvent(
        occurred_at=_time(stamp, country, item),
        status=status,
        reason=reason,
        carrier_code=code,
        description=description or "",
        city=city,
        region=region,
        postal_code=postcode,
        country=country,
    )


def parse_eta(value: Any) -> date | DeliveryWindow | None:
    """``{"date": "YYYY-MM-DD"}``, ``{"from": iso, "to": iso}`` or null."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadResponse("eta must be an object", _raw(value))
    day = _str(value, "date")
    if day is not None:
        try:
            return date.fromisoformat(day)
        except ValueError as exc:
            raise BadResponse(f"bad eta date {day!r}", _raw(value)) from exc
    start, end = _str(value, "from"), _str(value, "to")
    if start is None or end is None:
        raise BadResponse("eta needs a date or from/to", _raw(value))
    window = DeliveryWindow(_time(start, None, value), _time(end, None, value))
    if window.end < window.start:
        raise BadResponse("eta window ends before it starts", _raw(value))
    return window


_KINDS = {
    "locker": PickupKind.LOCKER,
    "shop": PickupKind.SHOP,
    "post_office": PickupKind.POST_OFFICE,
}


def _coordinate(obj: dict[str, Any], key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadResponse(f"{key!r} must be a number", _raw(obj))
    return float(value)


def parse_pickup_point(value: Any) -> PickupPoint | None:
    """``pickup_point``: the locker, shop or post office, with deadline and code once there."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadResponse("'pickup_point' must be an object", _raw(value))
    point_id = _str(value, "id", required=True) or ""
    kind = _KINDS.get(_str(value, "type") or "", PickupKind.SHOP)
    address = _dict(value, "address") or {}
    location = _dict(value, "location") or {}
    country = _str(address, "country")
    deadline = _str(value, "deadline")
    return PickupPoint(
        point_id=point_id,
        kind=kind,
        name=_str(value, "name"),
        street=_str(address, "street"),
        city=_str(address, "city"),
        postal_code=_str(address, "postcode"),
        country=country,
        latitude=_coordinate(location, "lat"),
        longitude=_coordinate(location, "lon"),
        opening_hours=_str(value, "opening_hours"),
        pickup_deadline=_time(deadline, country, value) if deadline else None,
        pickup_code=_str(value, "code"),
    )


def parse_parcel(item: Any) -> TrackingResult:
    """One entry of ``parcels``; ``found: false`` is a not-found result, not an error."""
    if not isinstance(item, dict):
        raise BadResponse("parcel must be an object", _raw(item))
    number = (_str(item, "number", required=True) or "").strip()
    found = item.get("found", True)
    if not isinstance(found, bool):
        raise BadResponse("'found' must be a boolean", _raw(item))
    if not found:
        return TrackingResult(number=number, not_found=True)
    raw_events = item.get("events")
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise BadResponse("'events' must be a list", _raw(item))
    events = sorted((parse_event(e) for e in raw_events), key=lambda e: e.occurred_at)
    result = TrackingResult(
        number=number,
        events=events,
        estimated_delivery=parse_eta(item.get("eta")),
        pickup_point=parse_pickup_point(item.get("pickup_point")),
    )
    current = _dict(item, "status")
    if events:
        result.status, result.reason = events[-1].status, events[-1].reason
    elif current is not None and _str(current, "code"):
        result.status, result.reason = codes.lookup(_str(current, "code") or "")
    delivery = _dict(item, "delivery")
    if result.status is Status.DELIVERED:
        last = next((e for e in reversed(events) if e.status is Status.DELIVERED), None)
        result.delivered_at = last.occurred_at if last else None
        if delivery is not None:
            when = _str(delivery, "delivered_at")
            if when is not None:
                result.delivered_at = _time(when, last.country if last else None, delivery)
            result.signed_by = _str(delivery, "signed_by")
    return result


#: Part of every digest: bump it whenever this module would parse the same answer into
#: another result, so that answers stored under the older parsing are parsed again.
DIGEST_VERSION = "sbx1"


_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def parcel_digest(item: Any) -> str:
    """The digest of one entry of ``parcels`` as the carrier sent it (35 characters)."""
    text = _ENCODER.encode(item)
    return f"{DIGEST_VERSION}:{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"


def _parse_unless_known(item: Any, known: Mapping[str, str]) -> TrackingResult:
    digest = parcel_digest(item)
    number = item.get("number") if isinstance(item, dict) else None
    if isinstance(number, str) and known.get(number.strip().upper()) == digest:
        return TrackingResult(number=number.strip(), digest=digest, unchanged=True)
    result = parse_parcel(item)
    result.digest = digest
    return result


def parse_track_response(data: Any, known: Mapping[str, str] | None = None) -> list[TrackingResult]:
    """``{"parcels": [...]}`` (an API answer or a push) -> one result per entry, in order.

    With ``known`` (number, upper case and stripped -> digest of its last answer) every
    result carries its entry's :func:`parcel_digest`, and an entry whose digest is the
    known one is not parsed: it comes back ``unchanged``.
    """
    if not isinstance(data, dict):
        raise BadResponse("response must be an object", _raw(data))
    parcels = data.get("parcels")
    if not isinstance(parcels, list):
        raise BadResponse("response has no 'parcels' list", _raw(data))
    try:
        if known is None:
            return [parse_parcel(p) for p in parcels]
        return [_parse_unless_known(p, known) for p in parcels]
    except BadResponse:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
        # Belt and braces: the checks above should make this unreachable.
        raise BadResponse(f"malformed parcel: {exc}", _raw(data)) from exc
