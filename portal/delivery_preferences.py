"""Changing an order's delivery preferences: stored and announced in one transaction.

The customer may change them on the tracking page until the parcel is dispatched
(:func:`changeable`); the shop may change them through the API at any time. Either way the
order's row and an ``order.delivery_preferences_changed`` domain event (which outgoing
webhooks deliver) commit together, and a change to the same choice writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from carriers.base import Status
from portal import events
from portal.core.delivery_preferences import clean
from portal.event_catalogue import (
    ORDER_DELIVERY_PREFERENCES_CHANGED,
    OrderDeliveryPreferencesChanged,
)
from portal.models import Order, Shipment
from portal.settings import Settings

#: Statuses in which a parcel has not left yet: the carrier knows of it at most.
NOT_DISPATCHED = frozenset({Status.PENDING, Status.INFO_RECEIVED})


def changeable(shipments: Sequence[Shipment]) -> bool:
    """Whether the customer may still change the preferences: no parcel has left."""
    return all(Status(s.status) in NOT_DISPATCHED and s.shipped_at is None for s in shipments)


async def change(
    order: Order,
    raw: Any,
    *,
    source: str,
    settings: Settings,
    now: datetime | None = None,
) -> bool:
    """Store ``raw`` (checked by :func:`portal.core.delivery_preferences.clean`, which
    raises on bad input before anything is written) as the order's preferences; True when
    they changed."""
    new = clean(raw)
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        current = await Order.filter(id=order.id).using_db(conn).select_for_update().first()
        if current is None:
            return False
        old = current.delivery_preferences
        if old == new:
            return False
        await Order.filter(id=order.id).using_db(conn).update(delivery_preferences=new)
        await events.emit(
            merchant_id=order.merchant_id,
            kind=ORDER_DELIVERY_PREFERENCES_CHANGED,
            subject_type="order",
            subject_id=order.id,
            payload=OrderDeliveryPreferencesChanged(
                order_number=order.number, old=old, new=new, source=source
            ),
            using_db=conn,
            settings=settings,
            now=now,
        )
    order.delivery_preferences = new
    return True
