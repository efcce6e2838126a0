"""Pure parsing of GLS Track And Trace V1 answers (already JSON-decoded).

``ParcelsResponseDTO``: ``{"parcels": [ParcelDTO, ...]}``, one entry per parcel found
and one ``{"requested", "errorCode", "errorMessage"}`` entry per number GLS does not
know (``E_404_01``). Anything else raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from carriers.base import (
    BadResponse,
    PickupKind,
    PickupPoint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.gls import codes
from carriers.parsing import JsonReader, short_repr, squash
from carriers.timestamps import parse_iso

_read = JsonReader("gls:", short_repr)

#: Per-parcel error codes (``ParcelErrorCodeDTO``) that mean "no such parcel".
NOT_FOUND_CODES = frozenset({"E_404_01"})

#: Events that put the parcel at a ParcelShop or ParcelLocker for the customer.
PICKUP_EVENTS = frozenset({"DELIVD.PARCELSHOP"})


def _time(text: str, country: str | None) -> datetime:
    """``2024-10-11T15:24:52+0200`` (GLS's offset has no colon) as aware UTC."""
    try:
        return parse_iso(text, country=country)
    except (ValueError, OverflowError, TypeError) as exc:
        raise BadResponse(f"gls: unreadable time {text!r}", text) from exc


def parse_event(raw: Any) -> TrackingEvent:
    """One ``EventDTO``; GLS sends empty strings for places it does not know."""
    raw = _read.obj(raw, "event")
    code = _read.field_text(raw, "code") or ""
    description = _read.field_text(raw, "description") or ""
    country = _read.field_text(raw, "country")
    stamp = _read.field_text(raw, "eventDateTime")
    if stamp is None:
        raise BadResponse("gls: event without eventDateTime", short_repr(raw))
    status, reason = codes.classify_event(code, description)
    return TrackingEvent(
        occurred_at=_time(stamp, country),
        status=status,
        reason=reason,
        carrier_code=code,
        description=description,
        city=_read.field_text(raw, "city"),
        postal_code=_read.field_text(raw, "postalCode"),
        country=country.upper() if country else None,
    )


def _pickup_point(events: Sequence[TrackingEvent]) -> PickupPoint | None:
    """The ParcelShop the parcel was delivered to, as far as its event places it.

    The tracking answer carries no ParcelShop id: GLS gives it only through the
    delivery-information call, which needs the recipient's original postal code.
    """
    shop = next((e for e in reversed(events) if e.carrier_code.upper() in PICKUP_EVENTS), None)
    if shop is None or not (shop.city or shop.postal_code):
        return None  # a point with neither id nor place would tell the customer nothing
    return PickupPoint(
        point_id="",
        kind=PickupKind.SHOP,
        city=shop.city,
        postal_code=shop.postal_code,
        country=shop.country,
    )


def parse_parcel(raw: Any) -> TrackingResult:
    """One ``ParcelDTO`` -> a result numbered by the ``requested`` number it answers."""
    raw = _read.obj(raw, "parcel")
    requested = _read.field_text(raw, "requested") or _read.field_text(raw, "unitno")
    if requested is None:
        raise BadResponse("gls: parcel without requested or unitno", short_repr(raw))
    error = _read.field_text(raw, "errorCode")
    if error is not None:
        if error in NOT_FOUND_CODES:
            return TrackingResult(number=requested, not_found=True)
        raise BadResponse(f"gls: parcel error {error}", short_repr(raw))

    # GLS lists newest first: reverse, then a stable sort keeps its order for equal times.
    raw_events = _read.optional_list(raw, "events")
    events = sorted((parse_event(item) for item in reversed(raw_events)), key=_when)
    result = TrackingResult(number=requested, events=events)
    if events:
        result.status, result.reason = events[-1].status, events[-1].reason

    stated = _read.field_text(raw, "status")
    outcome = codes.classify_status(stated) if stated else None
    latest = events[-1] if events else None
    if outcome is not None:
        # GLS's own summary wins; the newest event may still say why (a failed attempt's
        # cause) or, after FINAL, that the history closed on a return.
        result.status, result.reason = outcome
        if latest and latest.status is outcome[0] and outcome[1] is None:
            result.reason = latest.reason
        elif latest and stated and stated.upper() == "FINAL" and latest.status.is_final:
            result.status, result.reason = latest.status, latest.reason

    if result.status is Status.DELIVERED:
        delivered = [e for e in events if e.status is Status.DELIVERED]
        if delivered:
            result.delivered_at = delivered[-1].occurred_at
        else:
            when = _read.field_text(raw, "statusDateTime")
            result.delivered_at = _time(when, None) if when else None
    result.pickup_point = _pickup_point(events)
    return result


def _when(event: TrackingEvent) -> datetime:
    return event.occurred_at


def parse_parcels(doc: Any) -> list[TrackingResult]:
    """A ``ParcelsResponseDTO`` -> one result per entry, in GLS's order."""
    raw = _read.obj(doc, "response")
    parcels = raw.get("parcels")
    if not isinstance(parcels, list):
        raise BadResponse("gls: response without a parcels list", short_repr(doc))
    return [parse_parcel(item) for item in parcels]


def pick(results: Sequence[TrackingResult], number: str) -> TrackingResult | None:
    """The result for ``number``: a found parcel before a not-found entry."""
    wanted = squash(number)
    matching = [r for r in results if squash(r.number) == wanted]
    found = [r for r in matching if not r.not_found]
    candidates = found or matching
    return candidates[0] if candidates else None


def is_problem(doc: Any) -> bool:
    """True for GLS's ``ErrorResponseDTO`` (``{"type", "title", "status", "detail"}``)."""
    return isinstance(doc, dict) and ("title" in doc or "status" in doc or "detail" in doc)
