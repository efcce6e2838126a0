"""Return events → ``return.<state>`` webhook deliveries, in the transaction of the move.

Every state change of a return is one topic (:data:`topics.RETURN_TOPICS`); an endpoint
gets it when one of its patterns matches (``return.*``, ``return.resolved``, ``*``). The
data describes the whole return (amounts as decimal strings) so the shop's system can pay
refunds and credit out from the ``return.resolved`` delivery alone.
"""

from __future__ import annotations

from portal import events
from portal.models import DomainEvent, ReturnRequest, WebhookEndpoint
from portal.returns.public import return_json
from portal.webhooks_out import topics
from portal.webhooks_out.deliveries import write_deliveries


@events.listen(*topics.RETURN_TOPICS)
async def enqueue_return_deliveries(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """One pending delivery per enabled, subscribed endpoint (once, even on a replay)."""
    conn = ctx.conn
    topic = event.kind
    endpoints = [
        endpoint
        for endpoint in await WebhookEndpoint.filter(
            merchant_id=event.merchant_id, enabled=True
        ).using_db(conn)
        if topics.subscribed(endpoint.topics, topic)
    ]
    if not endpoints:
        return
    request = await ReturnRequest.get_or_none(
        id=event.subject_id,
        merchant_id=event.merchant_id,
        using_db=conn,
    )
    if request is None:
        return
    payload = event.payload or {}
    data = {
        "return": await return_json(request, conn),
        "change": {
            "from_state": payload.get("from_state"),
            "to_state": payload.get("to_state"),
            "actor": payload.get("actor"),
            "note": payload.get("note"),
        },
    }
    await write_deliveries(event, [(endpoint, topic) for endpoint in endpoints], data, conn)
