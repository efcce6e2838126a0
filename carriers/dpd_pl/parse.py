"""Pure parsing of DPD Info Services ``getEventsForWaybillV1`` answers.

zeep reads the SOAP envelope against the shipped schema; the adapter hands this module
the ``return`` value (``customerEventsResponseV3``) turned into plain dicts and lists by
``zeep.helpers.serialize_object``, so that parsing stays pure and testable without XML.
Anything that is not such a value raises :class:`BadResponse` and nothing else.
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
from carriers.dpd_pl import codes
from carriers.parsing import JsonReader, short_repr
from carriers.timestamps import parse_iso

_read = JsonReader("dpd_pl:", short_repr)

#: DPD Polska writes local wall times without an offset; events abroad name their country.
HOME_COUNTRY = "PL"

#: The ``eventDataList`` code of the name the courier wrote down at delivery.
RECEIVER_KEY = "receivername"
#: ``eventDataList`` codes that name the Pickup point an event happened at.
POINT_ID_KEYS = ("pudoid", "pudo", "pickuppointid", "pickuppoint", "pointid", "punkt")
#: ``eventDataList`` codes that carry a locker's opening code.
PICKUP_CODE_KEYS = ("pickupcode", "opencode", "pin")


def _time(text: str, country: str | None) -> datetime:
    """``2026-11-20T11:18:52.122`` (or with a space) read in the event's country, else PL."""
    try:
        return parse_iso(text, country=country or HOME_COUNTRY)
    except (ValueError, OverflowError, TypeError) as exc:
        raise BadResponse(f"dpd_pl: unreadable eventTime {text!r}", text) from exc


def _event_data(raw: dict[str, Any]) -> dict[str, str]:
    """``eventDataList`` as {lower-cased code: value}, blanks dropped."""
    data: dict[str, str] = {}
    entries: list[Any] = _read.optional_list(raw, "eventDataList")
    for item in entries:
        if item is None:  # nillable entries
            continue
        entry = _read.obj(item, "eventDataList entry")
        key, value = _read.field_text(entry, "code"), _read.field_text(entry, "value")
        if key and value:
            data[key.lower()] = value
    return data


def parse_event(raw: Any) -> tuple[TrackingEvent, dict[str, str], str | None]:
    """One ``customerEventV3``: the event, its ``eventDataList`` and its ``depotName``."""
    raw = _read.obj(raw, "event")
    code = _read.field_text(raw, "businessCode") or ""
    stamp = _read.field_text(raw, "eventTime")
    if stamp is None:
        raise BadResponse("dpd_pl: event without eventTime", short_repr(raw))
    country = _read.field_text(raw, "country")
    country = country.upper() if country and len(country) == 2 else None
    status, reason = codes.classify(code)
    depot_name = _read.field_text(raw, "depotName")
    event = TrackingEvent(
        occurred_at=_time(stamp, country),
        status=status,
        reason=reason,
        carrier_code=code,
        description=_read.field_text(raw, "description") or "",
        city=depot_name,
        country=country,
    )
    return event, _event_data(raw), depot_name


def _first(data: dict[str, str], keys: Sequence[str]) -> str | None:
    return next((data[key] for key in keys if data.get(key)), None)


def _pickup_point(
    event: TrackingEvent, data: dict[str, str], depot: str | None, depot_name: str | None
) -> PickupPoint:
    """The DPD Pickup point an event stands at: its id from ``eventDataList`` when DPD
    sends one, else the depot code DPD filed the event under."""
    return PickupPoint(
        point_id=_first(data, POINT_ID_KEYS) or depot or "",
        kind=PickupKind.LOCKER if "locker" in event.description.lower() else PickupKind.SHOP,
        name=depot_name,
        country=event.country,
        pickup_code=_first(data, PICKUP_CODE_KEYS),
    )


def parse_events(doc: Any, number: str) -> TrackingResult:
    """A ``customerEventsResponseV3`` -> the result for ``number``; no events, not found."""
    if doc is None:  # an empty <return/> or none at all
        return TrackingResult(number=number, not_found=True)
    raw = _read.obj(doc, "response")
    listed: list[Any] = _read.optional_list(raw, "eventsList")
    items = [item for item in listed if item is not None]
    if not items:
        return TrackingResult(number=number, not_found=True)

    parsed = []
    for item in reversed(items):  # DPD lists newest first
        event, data, depot_name = parse_event(item)
        depot = _read.field_text(_read.obj(item, "event"), "depot")
        parsed.append((event, data, depot, depot_name))
    parsed.sort(key=lambda entry: entry[0].occurred_at)  # stable: DPD's order for ties

    events = [entry[0] for entry in parsed]
    result = TrackingResult(number=number, events=events)
    deciding = [e for e in events if e.carrier_code not in codes.INFORMATIONAL] or events
    result.status, result.reason = deciding[-1].status, deciding[-1].reason
    delivered = [entry for entry in parsed if entry[0].status is Status.DELIVERED]
    if result.status is Status.DELIVERED and delivered:
        result.delivered_at = delivered[-1][0].occurred_at
        result.signed_by = delivered[-1][1].get(RECEIVER_KEY)

    at_point = [entry for entry in parsed if entry[0].carrier_code in codes.AT_PICKUP_POINT]
    if at_point:
        result.pickup_point = _pickup_point(*at_point[-1])
    return result
