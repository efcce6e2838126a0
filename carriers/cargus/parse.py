"""Pure parsing of Cargus (Urgent Cargus) API payloads (already JSON-decoded).

``POST /LoginUser`` answers the token as a bare JSON string. ``GET
/AwbTrace/WithRedirect?barCode=[...]`` answers a list with one entry per AWB Cargus knows:
``Code`` (the AWB), optionally ``ConfirmationDate`` and ``ConfirmationPersonaName`` (who
signed), and ``Event[]`` with ``EventId``, ``Description``, ``LocalityName`` and ``Date``
(a Romanian wall time without an offset). ``AwbTrace`` for a single number may answer the
entry itself rather than a list; both are read. Anything else raises
:class:`BadResponse` and nothing else.
"""

from __future__ import annotations

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
from carriers.cargus import codes
from carriers.parsing import JsonReader, latest_status, short_repr, squash

_read = JsonReader("cargus:", short_repr)

#: Every Cargus time is a wall time in Romania.
COUNTRY = "RO"
#: The documented lifetime of a LoginUser token.
TOKEN_SECONDS = 24 * 3600.0


def parse_token(doc: Any) -> tuple[str, float]:
    """``(token, lifetime seconds)`` from LoginUser's bare JSON string."""
    if not isinstance(doc, str) or not doc.strip():
        raise BadResponse("cargus: LoginUser did not answer a token", short_repr(doc))
    return doc.strip(), TOKEN_SECONDS


def parse_event(raw: Any) -> TrackingEvent:
    """One ``Event[]`` entry."""
    raw = _read.obj(raw, "event")
    event_id = _read.field_text(raw, "EventId")
    stamp = _read.field_text(raw, "Date")
    if stamp is None:
        raise BadResponse("cargus: event without a Date", short_repr(raw))
    description = _read.field_text(raw, "Description") or ""
    status, reason = codes.classify(event_id or "", description)
    return TrackingEvent(
        occurred_at=_read.iso_time(stamp, COUNTRY, what="event Date"),
        status=status,
        reason=reason,
        carrier_code=event_id or "",
        description=description,
        city=_read.field_text(raw, "LocalityName"),
        country=COUNTRY,
    )


def _pickup_point(event: TrackingEvent) -> PickupPoint:
    """The Ship & Go point or locker, as far as the trace names it (its locality)."""
    kind = PickupKind.LOCKER if codes.is_locker(event.description) else PickupKind.SHOP
    place = event.city or "Ship & Go"
    return PickupPoint(point_id=place, kind=kind, city=event.city, country=COUNTRY)


def parse_entry(raw: Any) -> TrackingResult:
    """One trace entry -> a result numbered by its ``Code``."""
    raw = _read.obj(raw, "trace entry")
    number = _read.field_text(raw, "Code")
    if number is None:
        raise BadResponse("cargus: trace entry without Code", short_repr(raw))
    events = sorted(
        (parse_event(item) for item in _read.optional_list(raw, "Event")),
        key=lambda event: event.occurred_at,
    )
    result = TrackingResult(number=number, events=events)
    # An AWB Cargus knows but has not scanned yet: the label exists.
    result.status, result.reason = latest_status(events) if events else (
        Status.INFO_RECEIVED, None,
    )  # fmt: skip
    expired = any(event.reason is Reason.NOT_COLLECTED for event in events)
    if result.status is Status.RETURNED_TO_SENDER and result.reason is None and expired:
        result.reason = Reason.NOT_COLLECTED  # returned because nobody collected it
    if result.status is Status.DELIVERED:
        delivered = [event for event in events if event.status is Status.DELIVERED]
        result.delivered_at = delivered[-1].occurred_at
        result.signed_by = _read.field_text(raw, "ConfirmationPersonaName")
    if result.status is Status.AVAILABLE_FOR_PICKUP:
        result.pickup_point = _pickup_point(events[-1])
    return result


def parse_trace(doc: Any) -> dict[str, TrackingResult]:
    """A trace answer (a list of entries, or one entry, or null) -> results by AWB."""
    if doc is None:
        return {}
    entries = [doc] if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise BadResponse("cargus: trace answer is not a list", short_repr(doc))
    results: dict[str, TrackingResult] = {}
    for entry in entries:
        result = parse_entry(entry)
        results.setdefault(squash(result.number), result)
    return results


def is_error(doc: Any) -> bool:
    """True for Cargus/APIM error bodies: a message object or a list of error strings."""
    if isinstance(doc, dict):
        return any(key in doc for key in ("message", "Message", "Error", "statusCode"))
    if isinstance(doc, str):
        return bool(doc.strip())
    return isinstance(doc, list) and bool(doc) and all(isinstance(item, str) for item in doc)
