"""Pure parsing of ELTA Courier ``READResponse`` answers, as zeep serialises them.

The adapter turns zeep's reply into a plain dict (``zeep.helpers.serialize_object``):
``{"st_flag", "st_title", "pod_date", "pod_time", "pod_name", "web_status": [{"web_date",
"web_time", "web_station", "web_status_title"}, ...], "web_status_counter"}``. Dates are
``YYYYMMDD`` and times ``HHMM``, Greek wall time; rows come newest first, and the service
(a COBOL program with fixed-size tables) pads the list with blank rows, which
``web_status_counter`` and the blank date tell apart. Anything that is not such an answer
raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

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
from carriers.elta import codes
from carriers.parsing import JsonReader, short_repr
from carriers.timestamps import to_utc

_read = JsonReader("elta:", short_repr)

#: ELTA Courier reports Greek local time without an offset.
TIME_COUNTRY = "GR"


def answer_flag(doc: Any) -> tuple[int, str]:
    """``(st_flag, st_title)``: 0 is a found voucher, 1 to 99 the service's error codes."""
    raw = _read.obj(doc, "answer")
    flag = raw.get("st_flag")
    if isinstance(flag, bool) or not isinstance(flag, int):
        raise _read.fail("answer without an integer st_flag", raw)
    return flag, _read.field_text(raw, "st_title") or ""


def stamp(day: str, clock: str | None, *, what: str) -> datetime:
    """``YYYYMMDD`` and ``HHMM`` (Greek wall time) as aware UTC."""
    text = f"{day.strip()}{(clock or '0000').strip().zfill(4)}"
    try:
        local = datetime.strptime(text, "%Y%m%d%H%M")
    except ValueError as exc:
        raise BadResponse(f"elta: bad {what} {text!r}", text) from exc
    return to_utc(local, country=TIME_COUNTRY)


def _rows(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The filled ``web_status`` rows, at most ``web_status_counter`` of them."""
    rows = [_read.obj(row, "web_status") for row in _read.optional_list(raw, "web_status")]
    filled = [row for row in rows if _read.field_text(row, "web_date")]
    counter = raw.get("web_status_counter")
    if isinstance(counter, int) and not isinstance(counter, bool) and counter >= 0:
        filled = filled[:counter]
    return filled


def parse_row(row: dict[str, Any]) -> TrackingEvent:
    title = _read.field_text(row, "web_status_title")
    if title is None:
        raise _read.fail("status row without web_status_title", row)
    status, reason = codes.classify(title)
    return TrackingEvent(
        occurred_at=stamp(
            _read.field_text(row, "web_date") or "",
            _read.field_text(row, "web_time"),
            what="web_date",
        ),
        status=status,
        reason=reason,
        carrier_code=codes.normalise(title),
        description=title,
        city=_read.field_text(row, "web_station"),
        country="GR",
    )


def parse_answer(number: str, doc: Any) -> TrackingResult:
    """A found voucher (``st_flag`` 0) -> its result, events oldest first."""
    raw = _read.obj(doc, "answer")
    # Newest first as sent; a stable sort keeps the service's order within a minute.
    events = sorted(reversed([parse_row(row) for row in _rows(raw)]), key=lambda e: e.occurred_at)
    result = TrackingResult(number=number, events=events)
    if events:
        result.status, result.reason = events[-1].status, events[-1].reason
    pod_day = _read.field_text(raw, "pod_date")
    if pod_day and result.status is not Status.RETURNED_TO_SENDER:
        # A proof of delivery is the service's word that the voucher was delivered.
        result.status, result.reason = Status.DELIVERED, None
        result.delivered_at = stamp(pod_day, _read.field_text(raw, "pod_time"), what="pod_date")
        result.signed_by = _read.field_text(raw, "pod_name")
    if result.status is Status.AVAILABLE_FOR_PICKUP and events[-1].city:
        station = events[-1].city
        result.pickup_point = PickupPoint(
            point_id=station, kind=PickupKind.POST_OFFICE, name=station, country="GR"
        )
    return result
