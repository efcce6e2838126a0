"""``claim.<state>`` → webhook deliveries, in the transaction of the move, carrying the
claim export (:func:`portal.claims.export.claim_json`) and the change."""

from __future__ import annotations

from portal import events
from portal.claims.export import claim_json
from portal.event_catalogue import CLAIM_KINDS
from portal.models import Claim, DomainEvent, WebhookEndpoint
from portal.webhooks_out import topics
from portal.webhooks_out.deliveries import write_deliveries


@events.listen(*CLAIM_KINDS)
async def enqueue_claim_deliveries(event: DomainEvent, ctx: events.ListenerContext) -> None:
    conn, topic = ctx.conn, event.kind
    endpoints = [
        endpoint
        for endpoint in await WebhookEndpoint.filter(
            merchant_id=event.merchant_id, enabled=True
        ).using_db(conn)
        if topics.subscribed(endpoint.topics, topic)
    ]
    if not endpoints:
        return
    claim = await Claim.get_or_none(
        id=event.subject_id, merchant_id=event.merchant_id, using_db=conn
    )
    if claim is None:
        return
    payload = event.payload or {}
    data = {
        "claim": await claim_json(claim, conn),
        "change": {k: payload.get(k) for k in ("from_state", "to_state", "actor", "note")},
    }
    await write_deliveries(event, [(endpoint, topic) for endpoint in endpoints], data, conn)
