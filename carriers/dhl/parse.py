"""Pure parsing of DHL Shipment Tracking (Unified) payloads (already JSON-decoded).

The same ``shipments[]`` shape arrives from polling and from push subscriptions, so
both go through :func:`parse_shipments`. Any input that is not such a payload raises
:class:`BadResponse` and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from carriers.base import BadResponse, DeliveryWindow, Status, TrackingEvent, TrackingResult
from carriers.dhl import codes
from carriers.parsing import JsonReader, short_repr, squash
from carriers.timestamps import country_zone, parse_iso

_read = JsonReader("dhl:", short_repr)

#: Errors the standard library raises for a timestamp it cannot read.
_TIME_ERRORS = (ValueError, OverflowError, TypeError)


def _time(text: str, country: str | None) -> datetime:
    """An ISO timestamp to UTC; one without an offset is placed by the scan's country."""
    try:
        return parse_iso(text, country=country)
    except _TIME_ERRORS as exc:
        raise BadResponse(f"dhl: unreadable timestamp {text!r}", text) from exc


def _address(raw: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(locality, postal code, country) from ``location.address``, each optional."""
    address = _read.optional_obj(_read.optional_obj(raw, "location"), "address")
    return (
        _read.field_text(address, "addressLocality"),
        _read.field_text(address, "postalCode"),
        _read.field_text(address, "countryCode"),
    )


def parse_event(raw: Any) -> TrackingEvent:
    """One ``events[]`` entry (or the shipment's ``status``, which has the same shape).

    The coarse ``statusCode`` is kept as the carrier code; the wording refines it.
    """
    raw = _read.obj(raw, "event")
    code = (_read.field_text(raw, "statusCode") or "").lower()
    title, description = _read.field_text(raw, "status"), _read.field_text(raw, "description")
    status, reason = codes.classify(code, " ".join(filter(None, (title, description))))
    timestamp = _read.field_text(raw, "timestamp")
    if timestamp is None:
        raise BadResponse("dhl: event without a timestamp", repr(raw)[:500])
    city, postal_code, country = _address(raw)
    return TrackingEvent(
        occurred_at=_time(timestamp, country),
        status=status,
        reason=reason,
        carrier_code=code,
        description=description or title or "",
        city=city,
        postal_code=postal_code,
        country=country,
    )


def _estimate(raw: dict[str, Any], country: str | None) -> date | DeliveryWindow | None:
    """A window when DHL gives both ends, else the date of ``estimatedTimeOfDelivery``."""
    frame = _read.optional_obj(raw, "estimatedDeliveryTimeFrame")
    start, end = (
        _read.field_text(frame, "estimatedFrom"),
        _read.field_text(frame, "estimatedThrough"),
    )
    if start and end:
        return DeliveryWindow(start=_time(start, country), end=_time(end, country))
    text = _read.field_text(raw, "estimatedTimeOfDelivery")
    if text is None:
        return None
    try:
        return _eta_day(datetime.fromisoformat(text), country)
    except _TIME_ERRORS as exc:
        raise BadResponse(f"dhl: unreadable estimatedTimeOfDelivery {text!r}", text) from exc


def _eta_day(moment: datetime, country: str | None) -> date:
    """The delivery day ``estimatedTimeOfDelivery`` names, on the destination's calendar.

    A wall time without an offset, or a midnight (DHL's way of giving a bare date), is the
    day as written; a time with an offset is an instant, and its day is the destination's
    (``2026-11-21T23:30:00Z`` is 22 November in Athens), where the country keeps one clock.
    """
    if moment.tzinfo is None or moment.time() == time(0):
        return moment.date()
    zone = country_zone(country, moment)
    return moment.astimezone(zone).date() if zone is not None else moment.date()


def _signer(proof: dict[str, Any]) -> str | None:
    signed = _read.optional_obj(proof, "signed")
    name = _read.field_text(signed, "name")
    if name:
        return name
    parts = (_read.field_text(signed, "givenName"), _read.field_text(signed, "familyName"))
    return " ".join(part for part in parts if part) or None


def parse_shipment(raw: Any) -> TrackingResult:
    """One ``shipments[]`` entry -> a result numbered by the shipment's ``id``."""
    raw = _read.obj(raw, "shipment")
    number = _read.field_text(raw, "id")
    if number is None:
        raise BadResponse("dhl: shipment without id", repr(raw)[:500])
    raw_events = raw.get("events")
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise BadResponse("dhl: events is not a list", repr(raw_events)[:500])
    current = parse_event(raw["status"]) if raw.get("status") is not None else None

    # DHL lists newest first: reverse, then a stable sort keeps its order for equal times.
    events = sorted(
        (parse_event(item) for item in reversed(raw_events)), key=lambda event: event.occurred_at
    )
    # DHL's current status wins when it is at least as new as the last listed event (it
    # may be a scan the list does not carry yet); an older one lags behind the list.
    latest = events[-1] if events else current
    if current is not None and latest is not None and current.occurred_at > latest.occurred_at:
        latest = current

    # ``destination.address``, not under ``location`` as an event's address is
    destination = _read.field_text(
        _read.optional_obj(_read.optional_obj(raw, "destination"), "address"), "countryCode"
    )
    country = destination or (latest.country if latest else None)
    result = TrackingResult(
        number=number, events=events, estimated_delivery=_estimate(raw, country)
    )
    if latest:
        result.status, result.reason = latest.status, latest.reason

    proof = _read.optional_obj(_read.optional_obj(raw, "details"), "proofOfDelivery")
    delivered = [event for event in events if event.status is Status.DELIVERED]
    proof_time = _read.field_text(proof, "timestamp")
    if proof_time:
        result.delivered_at = _time(proof_time, delivered[-1].country if delivered else country)
    elif delivered:
        result.delivered_at = delivered[-1].occurred_at
    elif current and current.status is Status.DELIVERED:
        result.delivered_at = current.occurred_at
    result.signed_by = _signer(proof)
    return result


def parse_shipments(doc: Any) -> list[TrackingResult]:
    """A tracking response or a pushed body: ``{"shipments": [...]}`` -> results."""
    raw = _read.obj(doc, "response")
    shipments = raw.get("shipments")
    if not isinstance(shipments, list):
        raise BadResponse("dhl: response without a shipments list", repr(doc)[:500])
    return [parse_shipment(item) for item in shipments]


def pick(results: Sequence[TrackingResult], number: str) -> TrackingResult | None:
    """The result for ``number``: DHL may answer with several shipments (one per service)
    or echo the number differently formatted; prefer an exact id, else the first."""
    wanted = squash(number)
    for result in results:
        if squash(result.number) == wanted:
            return result
    return results[0] if results else None


def is_problem(doc: Any) -> bool:
    """True for an RFC 7807 problem body (DHL's ``{"title": ..., "status": 404}``)."""
    return isinstance(doc, dict) and ("title" in doc or "status" in doc or "detail" in doc)
