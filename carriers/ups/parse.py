"""Pure parsing of UPS Track API payloads (already JSON-decoded) into TrackingResults.

No I/O here, so every rule is tested on hand-built payloads. Any input that is not the
documented shape raises :class:`BadResponse` and nothing else. What we accept:

* ``trackResponse.shipment[0].package[]``: the package whose ``trackingNumber`` is the
  inquiry number, else the first (an inquiry on a lead package can list its siblings).
* A shipment without packages (UPS says ``warnings: [TW0001]``, "not found") and the
  validation body ``{"response": {"errors": [...]}}`` (``TV1002``, malformed number):
  both give ``not_found=True``. UPS answers a number it cannot use with the latter, and
  such a number will never have tracking, so for us it is as good as unknown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from carriers.base import BadResponse, DeliveryWindow, Reason, Status, TrackingEvent, TrackingResult
from carriers.parsing import JsonReader, squash
from carriers.timestamps import parse_offset, to_utc
from carriers.ups.codes import classify, infer_reason

#: deliveryTime types that carry a start and an end (estimated/confirmed/imminent window).
WINDOW_TYPES = frozenset({"EDW", "CDW", "IDW"})

_read = JsonReader("UPS")


def parse_token(payload: Any) -> tuple[str, float]:
    """(access_token, expires_in seconds) from the OAuth answer; UPS may send both as strings."""
    return _read.token(payload)


def parse_track(payload: Any, number: str) -> list[TrackingResult]:
    """The one result for ``number`` in a Track API answer (a list, like every parser)."""
    body = _read.obj(payload, "track response")
    if "trackResponse" not in body and _has_errors(body):
        return [TrackingResult(number=number, not_found=True)]
    shipments = _read.list(_read.obj(body.get("trackResponse"), "trackResponse").get("shipment"))
    if not shipments:
        return [TrackingResult(number=number, not_found=True)]
    packages = [
        _read.obj(p, "package")
        for p in _read.list(_read.obj(shipments[0], "shipment").get("package"))
    ]
    if not packages:
        return [TrackingResult(number=number, not_found=True)]
    wanted = squash(number)
    package = next(
        (p for p in packages if squash(_read.text(p.get("trackingNumber")) or "") == wanted),
        packages[0],
    )
    return [_package(package, number)]


def _package(package: dict[str, Any], number: str) -> TrackingResult:
    activities = [_read.obj(a, "activity") for a in _read.list(package.get("activity"))]
    # UPS lists newest first; reversing before a stable sort keeps same-second scans in
    # the order they happened.
    scans = sorted(((_event(a), a) for a in reversed(activities)), key=lambda s: s[0].occurred_at)
    events = [event for event, _ in scans]
    result = TrackingResult(number=number, events=events)
    if events:
        result.status, result.reason = events[-1].status, events[-1].reason
    elif package.get("currentStatus"):
        code, status, reason, _ = _status(package["currentStatus"])
        if code:  # an empty currentStatus says nothing: stay pending
            result.status, result.reason = status, reason

    # Wall times without an offset (estimates, delivered time) are read in the zone of the
    # newest scan: UPS only gives them near delivery, when that scan is local.
    offset = _read.text(scans[-1][1].get("gmtOffset")) if scans else None
    zone = _offset(offset) if offset else None
    country = events[-1].country if events else None
    dates: dict[str, str | None] = {}
    for item in _read.list(package.get("deliveryDate")):
        entry = _read.obj(item, "deliveryDate")
        dates[(_read.text(entry.get("type")) or "").upper()] = _read.text(entry.get("date"))
    window = _read.obj(package.get("deliveryTime") or {}, "deliveryTime")

    if result.status is Status.DELIVERED:  # an Access Point drop-off is not handed over
        result.delivered_at = _delivered_at(events, dates, window, zone, country)
    result.estimated_delivery = _estimate(dates, window, zone, country)

    info = _read.obj(package.get("deliveryInformation") or {}, "deliveryInformation")
    result.signed_by = _read.text(info.get("receivedBy"))
    return result


def _delivered_at(
    events: list[TrackingEvent],
    dates: dict[str, str | None],
    window: dict[str, Any],
    zone: tzinfo | None,
    country: str | None,
) -> datetime | None:
    """The delivery scan's time, else the DEL date (and DEL time) UPS reports."""
    delivered = [e for e in events if e.status is Status.DELIVERED]
    if delivered:
        return delivered[-1].occurred_at
    day = dates.get("DEL")
    if not day:
        return None
    is_del = (_read.text(window.get("type")) or "").upper() == "DEL"
    clock = _read.text(window.get("endTime")) if is_del else None
    return _wall(day, clock or "000000", zone, country)


def _estimate(
    dates: dict[str, str | None],
    window: dict[str, Any],
    zone: tzinfo | None,
    country: str | None,
) -> date | DeliveryWindow | None:
    """Rescheduled over scheduled date; a window when deliveryTime gives both ends."""
    day = dates.get("RDD") or dates.get("SDD")
    if not day:
        return None
    start, end = _read.text(window.get("startTime")), _read.text(window.get("endTime"))
    if (_read.text(window.get("type")) or "").upper() in WINDOW_TYPES and start and end:
        return DeliveryWindow(_wall(day, start, zone, country), _wall(day, end, zone, country))
    return _date(day)


def _event(activity: dict[str, Any]) -> TrackingEvent:
    location = _read.obj(activity.get("location") or {}, "location")
    address = _read.obj(location.get("address") or {}, "address")
    country = _read.text(address.get("countryCode")) or _read.text(address.get("country"))
    code, status, reason, description = _status(activity.get("status"))
    return TrackingEvent(
        occurred_at=_activity_time(activity, country),
        status=status,
        reason=reason,
        carrier_code=code,
        description=description,
        city=_read.text(address.get("city")),
        region=_read.text(address.get("stateProvince")),
        postal_code=_read.text(address.get("postalCode")),
        country=country,
    )


def _status(value: Any) -> tuple[str, Status, Reason | None, str]:
    """(carrier code, status, reason, description) of a ``status``/``currentStatus`` block."""
    block = _read.obj(value or {}, "status")
    type_, status_code = _read.text(block.get("type")), _read.text(block.get("statusCode"))
    # currentStatus sometimes puts the three-digit code in ``code`` itself.
    code = _read.text(block.get("code"))
    if not status_code and code and code.isdigit():
        status_code = code
    description = _read.text(block.get("description")) or ""
    status, reason = classify(status_code, type_)
    if status in (Status.EXCEPTION, Status.FAILED_ATTEMPT):
        reason = infer_reason(description) or reason
    return status_code or code or type_ or "", status, reason, description


def _activity_time(activity: dict[str, Any], country: str | None) -> datetime:
    """GMT date/time when UPS gives them, else local time with its offset, else rule 3."""
    gmt_date, gmt_time = _read.text(activity.get("gmtDate")), _read.text(activity.get("gmtTime"))
    if gmt_date and gmt_time:
        return _wall(gmt_date, gmt_time, UTC, None)
    local_date = _read.text(activity.get("date"))
    if not local_date:
        raise BadResponse("UPS activity without a date")
    offset = _read.text(activity.get("gmtOffset"))
    zone = _offset(offset) if offset else None
    return _wall(local_date, _read.text(activity.get("time")) or "000000", zone, country)


def _wall(day: str, clock: str, zone: tzinfo | None, country: str | None) -> datetime:
    """``YYYYMMDD`` + ``HHMMSS`` in ``zone`` (or by the UTC rule for ``country``), as UTC."""
    try:
        moment = datetime.combine(_date(day), _clock(clock))
        if zone is not None:
            moment = moment.replace(tzinfo=zone)
        return to_utc(moment, country=country)
    except (ValueError, OverflowError) as exc:
        raise BadResponse(f"UPS time {day!r} {clock!r} does not parse") from exc


def _date(value: str) -> date:
    text = value.strip()
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        raise BadResponse(f"UPS date {value!r} is not YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise BadResponse(f"UPS date {value!r} does not exist") from exc


def _clock(value: str) -> time:
    """``HHMMSS``, unpadded ``HMMSS`` or ``HH:MM[:SS]`` (UPS's gmtTime uses all three)."""
    text = value.strip()
    parts = text.split(":") if ":" in text else None
    if parts is None:
        if not (text.isascii() and text.isdigit()) or len(text) > 6:
            raise ValueError(f"not a time: {value!r}")
        text = text.zfill(6)
        parts = [text[:2], text[2:4], text[4:]]
    if not 2 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(f"not a time: {value!r}")
    hour, minute, *second = (int(p) for p in parts)
    return time(hour, minute, second[0] if second else 0)


def _offset(value: str) -> tzinfo:
    try:
        return parse_offset(value)
    except (ValueError, OverflowError) as exc:
        raise BadResponse(f"UPS gmtOffset {value!r} does not parse") from exc


def _has_errors(body: dict[str, Any]) -> bool:
    response = body.get("response")
    return isinstance(response, dict) and bool(_read.list(response.get("errors")))
