"""Domain events → webhook deliveries, written in the transaction of the event's cause.

A status change becomes one delivery per enabled endpoint of the merchant that subscribes
to it. The delivery table allows one row per (endpoint, event), so an endpoint subscribed
to both ``shipment.delivered`` and ``shipment.status_changed`` receives the event once,
under the most specific topic it asked for (``delivered``/``exception`` before
``status_changed``); the data is the same shape either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from carriers.base import Status
from portal import events
from portal.core.payloads import order_numbers, shipment_json
from portal.models import DomainEvent, Shipment, WebhookEndpoint
from portal.webhooks_out import topics
from portal.webhooks_out.deliveries import write_deliveries


def topics_for(event: DomainEvent) -> list[str]:
    """The topics an event stands for, most specific first."""
    if event.kind != events.SHIPMENT_STATUS_CHANGED:
        return []
    new_status = str(event.payload.get("new_status") or "")
    specific = {
        Status.DELIVERED.value: [topics.SHIPMENT_DELIVERED],
        Status.EXCEPTION.value: [topics.SHIPMENT_EXCEPTION],
    }.get(new_status, [])
    return [*specific, topics.SHIPMENT_STATUS_CHANGED]


def _data(
    event: DomainEvent, shipment: Shipment | None, order_number: str | None
) -> dict[str, Any]:
    payload = event.payload
    return {
        "shipment": shipment_json(shipment, order_number) if shipment is not None else None,
        "change": {
            "old_status": payload.get("old_status"),
            "new_status": payload.get("new_status"),
            "reason": payload.get("reason"),
            "occurred_at": payload.get("occurred_at"),
            "source": payload.get("source"),
        },
    }


@events.listen_batch(events.SHIPMENT_STATUS_CHANGED)
async def enqueue_batch(batch: Sequence[DomainEvent], ctx: events.ListenerContext) -> None:
    """The merchants' enabled endpoints in one query, then :func:`enqueue_deliveries` for
    the events of merchants that have any (a sweep's batch mostly has none)."""
    conn = ctx.conn
    merchants = sorted({e.merchant_id for e in batch})
    found = await WebhookEndpoint.filter(merchant_id__in=merchants, enabled=True).using_db(conn)
    by_merchant: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in found:
        by_merchant.setdefault(endpoint.merchant_id, []).append(endpoint)
    for event in batch:
        if event.merchant_id in by_merchant:
            await enqueue_deliveries(event, conn, endpoints=by_merchant[event.merchant_id])


async def enqueue_deliveries(
    event: DomainEvent,
    conn: BaseDBAsyncClient,
    *,
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> None:
    """Write a pending delivery for every endpoint of the merchant that wants ``event``."""
    wanted = topics_for(event)
    if endpoints is None:
        endpoints = await WebhookEndpoint.filter(
            merchant_id=event.merchant_id, enabled=True
        ).using_db(conn)
    chosen: list[tuple[WebhookEndpoint, str]] = []
    for endpoint in endpoints:
        topic = next((t for t in wanted if topics.subscribed(endpoint.topics, t)), None)
        if topic is not None:
            chosen.append((endpoint, topic))
    if not chosen:
        return
    shipment = await Shipment.get_or_none(id=event.subject_id, using_db=conn)
    numbers = await order_numbers([shipment], conn) if shipment is not None else {}
    order_number = numbers.get(shipment.order_id) if shipment else None
    await write_deliveries(event, chosen, _data(event, shipment, order_number), conn)
