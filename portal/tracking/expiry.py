"""Expiry's other half: a merchant re-activates an expired shipment.

A live shipment with no carrier update for the merchant's ``expire_after_days`` becomes
``expired`` when it is next ingested (:func:`portal.tracking.merge.merge`). Re-activating
records a ``shipment.reactivated`` domain event; its time restarts the expiry clock, so
no extra column is needed and every process sees the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal import events
from portal.event_catalogue import (
    SHIPMENT_REACTIVATED,
    ShipmentReactivated,
    ShipmentStatusChanged,
)
from portal.models import DomainEvent, Shipment, TrackingEvent
from portal.settings import Settings
from portal.tracking import late_clock


async def reactivated_at(conn: BaseDBAsyncClient, ids: Sequence[int]) -> dict[int, datetime]:
    """The latest re-activation of each shipment in ``ids`` that has one (one query)."""
    if not ids:
        return {}
    rows = await (
        DomainEvent.filter(kind=SHIPMENT_REACTIVATED, subject_type="shipment", subject_id__in=ids)
        .using_db(conn)
        .values_list("subject_id", "occurred_at")
    )
    latest: dict[int, datetime] = {}
    for subject_id, occurred_at in rows:
        if subject_id not in latest or occurred_at > latest[subject_id]:
            latest[subject_id] = occurred_at
    return latest


async def reactivate(shipment: Shipment, *, now: datetime, settings: Settings) -> bool:
    """Bring an expired shipment back to its carrier status and poll it again now.

    Returns False (and changes nothing) when the shipment is not expired. Emits
    ``shipment.reactivated`` and ``shipment.status_changed`` (expired -> the status of
    its newest event, or pending).
    """
    async with in_transaction() as conn:
        claimed = (
            await Shipment.filter(id=shipment.id, status=Status.EXPIRED)
            .using_db(conn)
            .update(
                next_poll_at=now,
                poll_failures=0,
                last_error=None,
                updated_at=now,
            )
        )
        if not claimed:
            return False
        newest = (
            await TrackingEvent.filter(shipment_id=shipment.id)
            .using_db(conn)
            .order_by("-occurred_at", "-id")
            .first()
        )
        status = newest.status if newest else Status.PENDING
        reason = newest.reason if newest else None
        await Shipment.filter(id=shipment.id).using_db(conn).update(status=status, reason=reason)
        await late_clock.refresh(conn, [shipment.id])  # open again: it can be late again
        await events.emit(
            merchant_id=shipment.merchant_id,
            kind=SHIPMENT_REACTIVATED,
            subject_type="shipment",
            subject_id=shipment.id,
            payload=ShipmentReactivated(
                tracking_number=shipment.tracking_number, carrier_key=shipment.carrier_key
            ),
            occurred_at=now,
            using_db=conn,
            settings=settings,
        )
        await events.emit(
            merchant_id=shipment.merchant_id,
            kind=events.SHIPMENT_STATUS_CHANGED,
            subject_type="shipment",
            subject_id=shipment.id,
            payload=ShipmentStatusChanged(
                old_status=Status.EXPIRED.value,
                new_status=Status(status).value,
                reason=reason.value if reason else None,
                occurred_at=now.isoformat(),
                source="manual",
                tracking_number=shipment.tracking_number,
                carrier_key=shipment.carrier_key,
            ),
            occurred_at=now,
            using_db=conn,
            settings=settings,
        )
    shipment.status, shipment.reason = Status(status), reason
    shipment.next_poll_at, shipment.poll_failures, shipment.last_error = now, 0, None
    return True
