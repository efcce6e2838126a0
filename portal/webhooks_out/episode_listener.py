"""``shipment.late``, ``shipment.stuck`` and ``order.delivery_preferences_changed`` →
webhook deliveries, in the transaction of their cause.

The late/stuck watch opens each episode once (:mod:`portal.tracking.alerts`), so each is
delivered once per subscribed endpoint; a replayed event writes nothing twice (one
delivery per endpoint and event). The data carries the shipment in the shape of
``GET /shipments/{id}`` and the episode as the watch saw it; a preferences change carries
the order as ``GET /orders/{number}`` shows it and the old and new choice.
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal import events
from portal.core.payloads import order_json, order_numbers, shipment_json
from portal.event_catalogue import (
    ORDER_DELIVERY_PREFERENCES_CHANGED,
    SHIPMENT_LATE,
    SHIPMENT_STUCK,
)
from portal.models import Customer, DomainEvent, Order, OrderItem, Shipment, WebhookEndpoint
from portal.webhooks_out import topics
from portal.webhooks_out.deliveries import write_deliveries


async def _subscribed(
    merchant_id: int, topic: str, conn: BaseDBAsyncClient
) -> list[tuple[WebhookEndpoint, str]]:
    found = await WebhookEndpoint.filter(merchant_id=merchant_id, enabled=True).using_db(conn)
    return [(e, topic) for e in found if topics.subscribed(e.topics, topic)]


def episode_json(event: DomainEvent) -> dict[str, Any]:
    payload = event.payload
    return {
        "kind": event.kind.removeprefix("shipment."),
        "started_at": payload.get("episode_started_at"),
        "status": payload.get("status"),
        "window_start": payload.get("window_start"),
        "window_end": payload.get("window_end"),
        "window_source": payload.get("window_source"),
        "last_scan_at": payload.get("last_scan_at"),
        "silent_hours": payload.get("silent_hours"),
        "usual_gap_hours": payload.get("usual_gap_hours"),
    }


@events.listen(SHIPMENT_LATE, SHIPMENT_STUCK)
async def enqueue_episode(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """One delivery per endpoint subscribed to the episode's topic."""
    chosen = await _subscribed(event.merchant_id, event.kind, ctx.conn)
    if not chosen:
        return
    shipment = await Shipment.get_or_none(id=event.subject_id, using_db=ctx.conn)
    numbers = await order_numbers([shipment], ctx.conn) if shipment is not None else {}
    data = {
        "shipment": shipment_json(shipment, numbers.get(shipment.order_id))
        if shipment is not None
        else None,
        "episode": episode_json(event),
    }
    await write_deliveries(event, chosen, data, ctx.conn)


@events.listen(ORDER_DELIVERY_PREFERENCES_CHANGED)
async def enqueue_preferences(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """One delivery per endpoint subscribed to ``order.delivery_preferences_changed``."""
    chosen = await _subscribed(event.merchant_id, event.kind, ctx.conn)
    if not chosen:
        return
    conn = ctx.conn
    order = await Order.get_or_none(id=event.subject_id, using_db=conn)
    if order is None:
        return
    items = await OrderItem.filter(order_id=order.id).using_db(conn)
    customer = (
        await Customer.get_or_none(id=order.customer_id, using_db=conn)
        if order.customer_id
        else None
    )
    data = {
        "order": order_json(order, list(items), customer),
        "old": event.payload.get("old"),
        "new": event.payload.get("new"),
        "source": event.payload.get("source"),
    }
    await write_deliveries(event, chosen, data, conn)
