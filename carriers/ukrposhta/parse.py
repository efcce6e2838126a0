"""Pure parsing of Ukrposhta status-tracking answers (already JSON-decoded).

``POST /statuses/with-not-found`` (a JSON list of barcodes in the body) answers
``{"found": {barcode: [event, …]}, "notFound": [barcode, …]}``; each event is the object
the documentation's ``GET /statuses`` example shows: ``barcode``, ``step``, ``date``
(``2017-07-27T16:33:00``, a wall time without offset), ``index`` (the office's postcode),
``name`` (the office, ``DKD ODESSA``), ``event`` (the code; sometimes sent as text),
``eventName``, ``country`` (a country *name*, in the answer's language), ``eventReason``,
``eventReason_id``, ``mailType`` and ``indexOrder``. Events come in no guaranteed order
(``step`` does not follow ``date``), so they are sorted by time.

Times are wall times of the event's country: Ukraine's, and those of an event without a
country (Ukrposhta's own clock), are read in Europe/Kyiv, Ukraine's legal time everywhere
(:data:`carriers.timestamps.LEGAL_ZONES`), another country's by
:func:`carriers.timestamps.to_utc`. Anything that is not such an answer raises
:class:`~carriers.base.BadResponse` and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale

from carriers.base import (
    BadResponse,
    PickupKind,
    PickupPoint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.parsing import JsonReader, short_repr, squash
from carriers.timestamps import to_utc
from carriers.ukrposhta import codes

_read = JsonReader("ukrposhta:", short_repr)

#: Where Ukrposhta's own scans happen, and its answers' clock.
KYIV = ZoneInfo("Europe/Kyiv")


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Lower-cased country names in English and Ukrainian -> ISO 3166 alpha-2."""
    names: dict[str, str] = {}
    for language in ("en", "uk"):
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(name.casefold(), code)
    names.setdefault("ukraine", "UA")
    return names


def country_code(name: str | None) -> str | None:
    """The ISO code of a country as Ukrposhta names it ("Ukraine", "Україна"), if known."""
    if not name:
        return None
    text = name.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return _country_names().get(text.casefold())


def split_batch(doc: Any) -> tuple[dict[str, list[Any]], set[str]]:
    """``(found events by squashed barcode, squashed barcodes not found)``."""
    raw = _read.obj(doc, "answer")
    if "found" not in raw and "notFound" not in raw:
        raise _read.fail("answer without found or notFound", raw)
    found = _read.optional_obj(raw, "found")
    events = {squash(str(key)): _read.list(value) for key, value in found.items()}
    missing = {
        squash(t) for t in (_read.text(v) for v in _read.optional_list(raw, "notFound")) if t
    }
    return events, missing


def parse_event(raw_event: Any) -> TrackingEvent:
    raw = _read.obj(raw_event, "event")
    code = _read.field_text(raw, "event")
    when = _read.field_text(raw, "date")
    if code is None or when is None:
        raise _read.fail("event without event or date", raw)
    name = _read.field_text(raw, "eventName") or ""
    reason = _read.field_text(raw, "eventReason")
    reason_id = _read.field_text(raw, "eventReason_id")
    country = country_code(_read.field_text(raw, "country"))
    status, why = codes.classify(code, reason_id, name)
    return TrackingEvent(
        occurred_at=event_time(when, country),
        status=status,
        reason=why,
        carrier_code=code,
        description=f"{name} ({reason})" if name and reason else name or reason or "",
        city=_read.field_text(raw, "name"),
        postal_code=_read.field_text(raw, "index"),
        country=country,
    )


def event_time(text: str, country: str | None) -> datetime:
    """An event's ``date`` as aware UTC: Kyiv time unless it happened in another country."""
    moment = _read.iso_time(text, country, what="date") if country not in (None, "UA") else None
    if moment is not None:
        return moment
    try:
        local = datetime.fromisoformat(text.strip())
        return to_utc(local if local.tzinfo else local.replace(tzinfo=KYIV))
    except (ValueError, OverflowError) as exc:
        raise BadResponse(f"ukrposhta: bad date {text!r}", text) from exc


def parse_events(number: str, raw_events: list[Any]) -> TrackingResult:
    """One barcode's events (as found) -> its result, events oldest first."""
    pairs = [(parse_event(raw), _read.obj(raw, "event")) for raw in raw_events]
    pairs.sort(key=lambda pair: pair[0].occurred_at)  # stable: ties keep Ukrposhta's order
    events = [event for event, _raw in pairs]
    result = TrackingResult(number=number, events=events)
    if not events:
        result.not_found = True
        return result
    last, last_raw = pairs[-1]
    result.status, result.reason = last.status, last.reason
    if last.status is Status.DELIVERED:
        result.delivered_at = last.occurred_at
    if last.carrier_code in codes.AT_OFFICE and last.status is Status.AVAILABLE_FOR_PICKUP:
        result.pickup_point = post_office(last_raw, last)
    return result


def post_office(raw: dict[str, Any], event: TrackingEvent) -> PickupPoint | None:
    """The post office an event happened at, as a pickup point (its postcode is its id)."""
    index = event.postal_code
    if not index:
        return None
    return PickupPoint(
        point_id=index,
        kind=PickupKind.POST_OFFICE,
        name=_read.field_text(raw, "name"),
        postal_code=index,
        country=event.country,
    )
