"""Pure parsing of ACS Web Services answers (already JSON-decoded).

Every answer of ``POST .../ACSRestServices/api/ACSAutoRest`` has one envelope:
``ACSExecution_HasError``, ``ACSExecutionErrorMessage`` and ``ACSOutputResponce`` (sic:
the manual's prose spells it ``ACSOutputResponse``, its examples and the live service
``ACSOutputResponce``; both are read). Inside, ``ACSValueOutput`` is a list holding one
object with ``Error_Message`` and ``ACSTableOutput.Table_Data`` the rows:

- ``ACS_Trackingsummary``: one row per voucher with ``shipment_status``,
  ``delivery_flag``, ``returned_flag``, ``non_delivery_reason_code``, ``delivery_info``,
  ``delivery_date``, ``delivery_date_expected``, ``consignee`` and the origin and
  destination ACS stores (``acs_station_destination``, ``…_descr``, ``phone_…``).
- ``ACS_TrackingDetails``: one row per checkpoint, ``checkpoint_date_time`` (Greek wall
  time, no offset), ``checkpoint_action``, ``checkpoint_location``, ``checkpoint_notes``.

Anything else raises :class:`BadResponse` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from carriers.acs import codes
from carriers.base import (
    PickupKind,
    PickupPoint,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.parsing import JsonReader, short_repr

_read = JsonReader("acs:", short_repr)

#: ACS is a Greek courier: its wall times are Athens times.
COUNTRY = "GR"


@dataclass(frozen=True, slots=True)
class Output:
    """One answer's rows and its per-call ``Error_Message`` (None when empty)."""

    rows: list[dict[str, Any]]
    error: str | None


def execution_error(doc: Any) -> str | None:
    """``ACSExecutionErrorMessage`` when ACS says the call itself failed, else None."""
    body = _read.obj(doc, "answer")
    failed = body.get("ACSExecution_HasError")
    if not isinstance(failed, bool):
        raise _read.fail("answer without ACSExecution_HasError", body)
    if not failed:
        return None
    return _read.field_text(body, "ACSExecutionErrorMessage") or "execution failed"


def output(doc: Any) -> Output:
    """The rows and error message of a successful call's envelope."""
    body = _read.obj(doc, "answer")
    raw = body.get("ACSOutputResponce", body.get("ACSOutputResponse"))
    out = _read.obj(raw, "ACSOutputResponce")
    error = None
    for value in _read.optional_list(out, "ACSValueOutput"):
        item = _read.obj(value, "ACSValueOutput entry")
        error = (
            error
            or _read.field_text(item, "Error_Message")
            or _read.field_text(item, "error_message")
        )
    table = _read.optional_obj(out, "ACSTableOutput")
    rows = [_read.obj(row, "Table_Data row") for row in _read.optional_list(table, "Table_Data")]
    return Output(rows=rows, error=error)


def _time(text: str, what: str) -> datetime:
    return _read.iso_time(text, COUNTRY, what=what)


def parse_checkpoint(raw: dict[str, Any]) -> TrackingEvent:
    """One ``ACS_TrackingDetails`` row; its wording is both carrier code and description."""
    stamp = _read.field_text(raw, "checkpoint_date_time")
    action = _read.field_text(raw, "checkpoint_action")
    if stamp is None or action is None:
        raise _read.fail("checkpoint without checkpoint_date_time or checkpoint_action", raw)
    status, reason = codes.classify_text(action)
    notes = _read.field_text(raw, "checkpoint_notes")
    return TrackingEvent(
        occurred_at=_time(stamp, "checkpoint_date_time"),
        status=status,
        reason=reason,
        carrier_code=action,
        description=f"{action} ({notes})" if notes and status is not Status.DELIVERED else action,
        city=_read.field_text(raw, "checkpoint_location"),
        country=COUNTRY,
    )


def parse_checkpoints(rows: list[dict[str, Any]]) -> list[TrackingEvent]:
    """Checkpoints oldest first (a stable sort keeps ACS's order for equal times)."""
    return sorted((parse_checkpoint(row) for row in rows), key=lambda e: e.occurred_at)


def _flag(raw: dict[str, Any], key: str) -> bool:
    value = _read.field_text(raw, key)
    return value == "1"


def _summary_outcome(summary: dict[str, Any]) -> tuple[Status, Reason | None] | None:
    """The summary's own say: flags first, then the reason code, then the status value."""
    if _flag(summary, "returned_flag"):
        return Status.RETURNED_TO_SENDER, None
    if _flag(summary, "delivery_flag"):
        return Status.DELIVERED, None
    reason_code = (_read.field_text(summary, "non_delivery_reason_code") or "").upper()
    if reason_code in codes.REASONS:
        return codes.REASONS[reason_code]
    status_value = _read.field_text(summary, "shipment_status")
    if status_value in codes.SHIPMENT_STATUS:
        return codes.SHIPMENT_STATUS[status_value]
    return None


def _store(summary: dict[str, Any]) -> PickupPoint | None:
    """The destination ACS store, where an ``ΑΔ1`` parcel waits to be collected."""
    station = _read.field_text(summary, "acs_station_destination")
    if station is None:
        return None
    phone = _read.field_text(summary, "phone_acs_station_destination")
    name = _read.field_text(summary, "acs_station_destination_descr") or station
    return PickupPoint(
        point_id=station,
        kind=PickupKind.DEPOT,
        name=f"ACS {name}" + (f" ({phone})" if phone else ""),
        city=_read.field_text(summary, "acs_station_destination_descr"),
        country=COUNTRY,
    )


def _locker(event: TrackingEvent) -> PickupPoint:
    """The Smartpoint a checkpoint names: ACS gives its place, not its id or address."""
    place = event.city or "ACS Smartpoint"
    return PickupPoint(point_id=place, kind=PickupKind.LOCKER, name=place, country=COUNTRY)


def _expected(summary: dict[str, Any]) -> date | None:
    stamp = _read.field_text(summary, "delivery_date_expected")
    return _read.stated_date(stamp) if stamp else None


def parse_tracking(
    summary: dict[str, Any], checkpoints: list[TrackingEvent], number: str
) -> TrackingResult:
    """One voucher's result from its summary row and its checkpoints (oldest first)."""
    result = TrackingResult(number=number, events=checkpoints)
    outcome = _summary_outcome(summary)
    latest = checkpoints[-1] if checkpoints else None
    if outcome is None:
        outcome = (latest.status, latest.reason) if latest else (Status.INFO_RECEIVED, None)
    elif (
        outcome[0] is Status.IN_TRANSIT
        and latest is not None
        and latest.status
        in (
            Status.OUT_FOR_DELIVERY,
            Status.AVAILABLE_FOR_PICKUP,
        )
    ):
        outcome = (latest.status, latest.reason)  # the checkpoint says more than "status 5"
    result.status, result.reason = outcome

    if result.status is Status.DELIVERED:
        delivered = [event for event in checkpoints if event.status is Status.DELIVERED]
        stamp = _read.field_text(summary, "delivery_date")
        if delivered:
            result.delivered_at = delivered[-1].occurred_at
        elif stamp:
            result.delivered_at = _time(stamp, "delivery_date")
        result.signed_by = _read.field_text(summary, "consignee")
    elif not result.status.is_final:
        result.estimated_delivery = _expected(summary)

    if result.status is Status.AVAILABLE_FOR_PICKUP:
        # A Smartpoint when the newest checkpoint names one, else the destination store
        # (``ΑΔ1``: "collect at the office").
        at_locker = latest is not None and codes.is_locker(latest.carrier_code)
        result.pickup_point = _locker(latest) if latest and at_locker else _store(summary)
    return result


def summary_row(rows: list[dict[str, Any]], number: str) -> dict[str, Any] | None:
    """The summary row for ``number`` (ACS echoes it as ``voucher_no``), or the only one."""
    wanted = "".join(number.split())
    for row in rows:
        echoed = _read.field_text(row, "voucher_no")
        if echoed is not None and "".join(echoed.split()) == wanted:
            return row
    if len(rows) == 1 and _read.field_text(rows[0], "voucher_no") is None:
        return rows[0]
    return None
