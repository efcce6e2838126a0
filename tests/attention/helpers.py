"""Emitting the domain events the attention queue listens to, as their causes would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from portal import events
from portal.event_catalogue import SHIPMENT_LATE, SHIPMENT_STATUS_CHANGED, SHIPMENT_STUCK
from portal.models import Shipment
from tests import factories

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def emit(shipment: Shipment, kind: str, payload: dict[str, Any]) -> None:
    async with in_transaction() as conn:
        await events.emit(
            merchant_id=shipment.merchant_id,
            kind=kind,
            subject_type="shipment",
            subject_id=shipment.id,
            payload=payload,
            using_db=conn,
            settings=factories.app_settings(),
            now=NOW,
        )


async def late(shipment: Shipment, since: datetime) -> None:
    await emit(shipment, SHIPMENT_LATE, {"shipment_id": shipment.id, "since": since.isoformat()})


async def stuck(shipment: Shipment, since: datetime) -> None:
    await emit(shipment, SHIPMENT_STUCK, {"shipment_id": shipment.id, "since": since.isoformat()})


async def status(
    shipment: Shipment, old: str, new: str, at: datetime, reason: str | None = None
) -> None:
    await emit(
        shipment,
        SHIPMENT_STATUS_CHANGED,
        {
            "old_status": old,
            "new_status": new,
            "reason": reason,
            "occurred_at": at.isoformat(),
            "tracking_number": shipment.tracking_number,
            "carrier_key": shipment.carrier_key,
            "source": "poll",
        },
    )
