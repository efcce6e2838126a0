"""``customer.erased`` → webhook deliveries: the shop's other systems learn which customer
to erase too. The data names the customer's id only."""

from __future__ import annotations

from portal import events
from portal.event_catalogue import CUSTOMER_ERASED
from portal.models import DomainEvent, WebhookEndpoint
from portal.webhooks_out import topics
from portal.webhooks_out.deliveries import write_deliveries


@events.listen(CUSTOMER_ERASED)
async def enqueue_erasure_deliveries(event: DomainEvent, ctx: events.ListenerContext) -> None:
    endpoints = [
        endpoint
        for endpoint in await WebhookEndpoint.filter(
            merchant_id=event.merchant_id, enabled=True
        ).using_db(ctx.conn)
        if topics.subscribed(endpoint.topics, CUSTOMER_ERASED)
    ]
    if not endpoints:
        return
    payload = event.payload or {}
    data = {
        "customer": {"id": payload.get("customer_id")},
        "erased_at": payload.get("erased_at"),
        "actor": payload.get("actor"),
    }
    pairs = [(endpoint, CUSTOMER_ERASED) for endpoint in endpoints]
    await write_deliveries(event, pairs, data, ctx.conn)
