"""The pickup reminder: the day before a waiting parcel's deadline, tell the customer once.

No domain event marks "one day left", so a worker job looks for it. The candidates come
from one query over the partial index on ``shipment.pickup_deadline`` (deadline within the
next :data:`LEAD`), restricted to outbound parcels still ``available_for_pickup`` that have
a customer. Each goes through the composer like every message, so consent, channels (the
merchant's ``notification_rules['pickup_reminder']``), templates and quiet hours apply.

The outbox key carries the deadline's date (``shipment:<id>:pickup_reminder:<channel>:
<date>``): a second run writes nothing, and a parcel redirected to a new point with a new
deadline is reminded again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal.models import Direction, OutboxMessage, Shipment
from portal.notifications.base import Trigger
from portal.notifications.composer import Message, compose
from portal.notifications.shipments import SHIPMENTS, ShipmentNews
from portal.settings import Settings

log = logging.getLogger(__name__)

#: How long before the deadline the reminder is due.
LEAD = timedelta(days=1)
#: Parcels reminded per unit of work.
BATCH = 100
#: Candidates read per unit: the ones already reminded are dropped after the read.
CANDIDATES = 1000


def occasion(deadline: datetime) -> str:
    """The deadline's (UTC) date, the part of the key that lets a new deadline remind again."""
    return deadline.astimezone(UTC).date().isoformat()


async def remind_pickups(settings: Settings, *, now: datetime) -> bool:
    """Queue the reminders due at ``now``; True when more parcels are waiting for one."""
    candidates = (
        await Shipment.filter(
            pickup_deadline__gt=now,
            pickup_deadline__lte=now + LEAD,
            status=Status.AVAILABLE_FOR_PICKUP,
            direction=Direction.OUTBOUND,
            order__customer_id__not_isnull=True,
        )
        .order_by("pickup_deadline", "id")
        .limit(CANDIDATES)
        .values_list("id", "pickup_deadline")
    )
    if not candidates:
        return False
    sent = await OutboxMessage.filter(
        shipment_id__in=[sid for sid, _ in candidates], trigger=Trigger.PICKUP_REMINDER.value
    ).values_list("shipment_id", "unique_key")
    reminded = {(sid, key.rsplit(":", 1)[-1]) for sid, key in sent}
    todo = [sid for sid, deadline in candidates if (sid, occasion(deadline)) not in reminded]
    if not todo:
        return False
    # Parcels nobody can be told about (no consent, the trigger switched off) stay in the
    # candidates until their deadline passes: chunks that wrote nothing are passed over
    # within this unit, so they cannot hold back the parcels after them.
    for start in range(0, len(todo), BATCH):
        written = await _remind(settings, todo[start : start + BATCH], now=now)
        if written:
            log.info("pickup reminders: %d messages queued", written)
            return start + BATCH < len(todo)
    return False


async def _remind(settings: Settings, ids: list[int], *, now: datetime) -> int:
    """Compose the reminders of these parcels in one transaction; the messages written."""
    written = 0
    async with in_transaction() as conn:
        shipments = await (
            Shipment.filter(id__in=ids)
            .using_db(conn)
            .select_related("merchant", "order", "order__customer")
        )
        for shipment in shipments:
            order = shipment.order
            customer = order.customer if order is not None else None
            if customer is None or shipment.pickup_deadline is None:
                continue
            message = Message(
                SHIPMENTS,
                Trigger.PICKUP_REMINDER.value,
                shipment.id,
                ShipmentNews(shipment, status=shipment.status, reason=None),
                merchant=shipment.merchant,
                customer=customer,
                order=order,
                shipment_id=shipment.id,
                occasion=occasion(shipment.pickup_deadline),
            )
            written += len(await compose(message, conn=conn, settings=settings, now=now))
    return written


async def pickup_reminder_job(settings: Settings, client: httpx.AsyncClient) -> bool:
    """The worker's unit (:mod:`portal.scheduler`)."""
    return await remind_pickups(settings, now=datetime.now(UTC))
