"""``withdrawal.submitted`` → webhook deliveries, in the statement's transaction.

The data names the statement (order, items, time, language) and carries the return it
opened in the shape of ``GET /returns/{number}``, so the shop's system can stop a parcel
still in the warehouse and pay the refund out from the later ``return.resolved``.
"""

from __future__ import annotations

from portal import events
from portal.event_catalogue import WITHDRAWAL_SUBMITTED
from portal.models import DomainEvent, ReturnRequest, WebhookEndpoint, Withdrawal
from portal.returns.public import return_json
from portal.webhooks_out import topics
from portal.webhooks_out.deliveries import write_deliveries


@events.listen(WITHDRAWAL_SUBMITTED)
async def enqueue_withdrawal_deliveries(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """One pending delivery per enabled endpoint subscribed to the topic."""
    conn = ctx.conn
    endpoints = [
        endpoint
        for endpoint in await WebhookEndpoint.filter(
            merchant_id=event.merchant_id, enabled=True
        ).using_db(conn)
        if topics.subscribed(endpoint.topics, WITHDRAWAL_SUBMITTED)
    ]
    if not endpoints:
        return
    statement = await Withdrawal.get_or_none(
        id=event.subject_id, merchant_id=event.merchant_id, using_db=conn
    )
    if statement is None:
        return
    payload = event.payload or {}
    request = (
        await ReturnRequest.get_or_none(id=statement.return_request_id, using_db=conn)
        if statement.return_request_id
        else None
    )
    data = {
        "withdrawal": {
            "id": statement.id,
            "order_number": payload.get("order_number"),
            "return_number": payload.get("return_number"),
            "submitted_at": payload.get("submitted_at"),
            "locale": payload.get("locale"),
            "items": payload.get("items", []),
        },
        "return": await return_json(request, conn) if request is not None else None,
    }
    pairs = [(endpoint, WITHDRAWAL_SUBMITTED) for endpoint in endpoints]
    await write_deliveries(event, pairs, data, conn)
