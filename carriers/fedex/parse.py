"""Pure parsing of FedEx Track API v1 payloads (already JSON-decoded) into TrackingResults.

No I/O here, so every rule is tested on hand-built payloads. Any input that is not the
documented shape raises :class:`BadResponse` and nothing else. What we accept:

* Polls: ``output.completeTrackResults[]``, one entry per number, each with
  ``trackResults[]``. When FedEx lists several shipments under one number we take the
  first without an ``error``. A per-number ``error`` (``TRACKING.TRACKINGNUMBER.NOTFOUND``
  or any other: the contract has no other per-number failure) gives ``not_found=True``.
* Pushes (:func:`parse_push`): the same ``{"output": {"completeTrackResults": [...]}}``
  body, or one bare ``trackResult`` object carrying ``trackingNumberInfo.trackingNumber``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from carriers.base import BadResponse, DeliveryWindow, Reason, Status, TrackingEvent, TrackingResult
from carriers.fedex.codes import classify, infer_reason
from carriers.parsing import JsonReader, squash
from carriers.timestamps import to_utc

#: Whole-call error codes that are about the numbers we sent, not about the request.
NUMBER_ERROR_PREFIX = "TRACKING.TRACKINGNUMBER."

_read = JsonReader("FedEx")


def parse_token(payload: Any) -> tuple[str, float]:
    """(access_token, expires_in seconds) from the OAuth answer; FedEx may send both as strings."""
    return _read.token(payload)


def parse_track(payload: Any, numbers: list[str]) -> list[TrackingResult]:
    """One result per requested number, in the order asked; a number FedEx left out of its
    answer makes the answer unusable (BadResponse) rather than silently "not found"."""
    found: dict[str, TrackingResult] = {}
    for result in _complete_results(payload):
        found.setdefault(squash(result.number), result)
    results = []
    for number in numbers:
        match = found.get(squash(number))
        if match is None:
            raise BadResponse(f"FedEx answer has no result for {number!r}")
        results.append(replace(match, number=number, events=list(match.events)))
    return results


def parse_push(payload: Any) -> list[TrackingResult]:
    """Results in a pushed body: a full Track answer or a single ``trackResult``."""
    body = _read.obj(payload, "pushed body")
    if "output" in body:
        return _complete_results(body)
    info = _read.obj(body.get("trackingNumberInfo"), "trackingNumberInfo")
    number = _read.text(info.get("trackingNumber"))
    if not number:
        raise BadResponse("FedEx pushed trackResult without a tracking number")
    return [_track_result(body, number)]


def error_codes(payload: Any) -> list[str]:
    """Codes of a whole-call error body ``{"errors": [{"code": ...}]}``; [] for any other."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list):
        return []
    return [e["code"] for e in errors if isinstance(e, dict) and isinstance(e.get("code"), str)]


def _complete_results(payload: Any) -> list[TrackingResult]:
    output = _read.obj(_read.obj(payload, "track response").get("output"), "output")
    return [
        _complete(_read.obj(e, "completeTrackResult"))
        for e in _read.list(output.get("completeTrackResults"))
    ]


def _complete(entry: dict[str, Any]) -> TrackingResult:
    shipments = [_read.obj(r, "trackResult") for r in _read.list(entry.get("trackResults"))]
    chosen = next((r for r in shipments if not r.get("error")), shipments[0] if shipments else {})
    info = _read.obj(chosen.get("trackingNumberInfo") or {}, "trackingNumberInfo")
    number = _read.text(entry.get("trackingNumber")) or _read.text(info.get("trackingNumber"))
    if not number:
        raise BadResponse("FedEx completeTrackResult without a tracking number")
    if not shipments:
        return TrackingResult(number=number, not_found=True)
    return _track_result(chosen, number)


def _track_result(track: dict[str, Any], number: str) -> TrackingResult:
    if track.get("error"):
        _read.obj(track["error"], "error")
        return TrackingResult(number=number, not_found=True)
    scans = [_read.obj(s, "scanEvent") for s in _read.list(track.get("scanEvents"))]
    # FedEx lists newest first and pushes may come in any order: reversing before a
    # stable sort keeps same-second scans in the order they happened.
    events = sorted((_event(s) for s in reversed(scans)), key=lambda e: e.occurred_at)
    result = TrackingResult(number=number, events=events)
    if events:
        result.status, result.reason = events[-1].status, events[-1].reason
    elif track.get("latestStatusDetail"):
        latest = _read.obj(track["latestStatusDetail"], "latestStatusDetail")
        code, derived = _read.text(latest.get("code")), _read.text(latest.get("derivedCode"))
        description = _read.text(latest.get("description")) or ""
        if code or derived:  # without a code it says nothing: stay pending
            result.status, result.reason = _classify(code, derived, description)

    # Wall times FedEx sends without an offset are read in the newest scan's country.
    country = events[-1].country if events else None
    stamps: dict[str, str] = {}
    for item in _read.list(track.get("dateAndTimes")):
        stamp = _read.obj(item, "dateAndTimes")
        kind, value = _read.text(stamp.get("type")), _read.text(stamp.get("dateTime"))
        if kind and value:
            stamps.setdefault(kind.upper(), value)

    if result.status is Status.DELIVERED:
        result.delivered_at = _delivered_at(events, stamps.get("ACTUAL_DELIVERY"), country)
    result.estimated_delivery = _estimate(track, stamps.get("ESTIMATED_DELIVERY"), country)

    details = _read.obj(track.get("deliveryDetails") or {}, "deliveryDetails")
    result.signed_by = _read.text(details.get("signedByName")) or _read.text(
        details.get("receivedByName")
    )
    return result


def _delivered_at(
    events: list[TrackingEvent], actual: str | None, country: str | None
) -> datetime | None:
    """ACTUAL_DELIVERY when it carries an offset; else the delivery scan, which FedEx
    writes with one (a naive ACTUAL_DELIVERY may be in any of the country's zones); else
    the naive ACTUAL_DELIVERY by the UTC rule."""
    if actual and _moment(actual).tzinfo is not None:
        return _utc(actual, None)
    delivered = [e for e in events if e.status is Status.DELIVERED]
    if delivered:
        return delivered[-1].occurred_at
    return _utc(actual, country) if actual else None


def _estimate(
    track: dict[str, Any], estimated: str | None, country: str | None
) -> date | DeliveryWindow | None:
    """The delivery window when FedEx gives both ends, else the estimated day."""
    block = _read.obj(track.get("estimatedDeliveryTimeWindow") or {}, "estimatedDeliveryTimeWindow")
    window = _read.obj(block.get("window") or {}, "window")
    begins, ends = _read.text(window.get("begins")), _read.text(window.get("ends"))
    if begins and ends:
        return DeliveryWindow(_utc(begins, country), _utc(ends, country))
    day = estimated or ends or begins
    return _local_date(day) if day else None


def _event(scan: dict[str, Any]) -> TrackingEvent:
    location = _read.obj(scan.get("scanLocation") or {}, "scanLocation")
    country = _read.text(location.get("countryCode"))
    stamp = _read.text(scan.get("date"))
    if not stamp:
        raise BadResponse("FedEx scan event without a date")
    event_type, derived = (
        _read.text(scan.get("eventType")),
        _read.text(scan.get("derivedStatusCode")),
    )
    description = _read.text(scan.get("eventDescription")) or ""
    exception = _read.text(scan.get("exceptionDescription")) or ""
    exception_code = _read.text(scan.get("exceptionCode"))
    status, reason = _classify(
        event_type, derived, exception, description, flagged=bool(exception_code or exception)
    )
    if exception and exception.lower() not in description.lower():
        description = f"{description}: {exception}" if description else exception
    return TrackingEvent(
        occurred_at=_utc(stamp, country),
        status=status,
        reason=reason,
        carrier_code=event_type or derived or "",
        description=description,
        city=_read.text(location.get("city")),
        region=_read.text(location.get("stateOrProvinceCode")),
        postal_code=_read.text(location.get("postalCode")),
        country=country,
    )


def _classify(
    code: str | None, derived: str | None, *texts: str, flagged: bool = False
) -> tuple[Status, Reason | None]:
    status, reason = classify(code, derived, exception=flagged)
    if status in (Status.EXCEPTION, Status.FAILED_ATTEMPT):
        reason = infer_reason(*texts) or reason
    return status, reason


def _moment(value: str) -> datetime:
    """An ISO-8601 timestamp as FedEx writes it, offset or not (``Z`` allowed)."""
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadResponse(f"FedEx time {value!r} does not parse") from exc


def _utc(value: str, country: str | None) -> datetime:
    try:
        return to_utc(_moment(value), country=country)
    except (ValueError, OverflowError) as exc:
        raise BadResponse(f"FedEx time {value!r} is out of range") from exc


def _local_date(value: str) -> date:
    """The calendar day as FedEx wrote it: converting to UTC first could shift it."""
    return _moment(value).date()
