"""Return state changes -> customer messages (listeners, in the event's transaction).

Each customer-visible step that the return's kind sends (the catalogue says which:
:func:`portal.returns.messages.trigger_for`; a withdrawal's return announces no approval)
goes through the composer (:func:`portal.notifications.composer.compose`) with the same
rules as shipment messages: the merchant's channels for the trigger, the customer's
opt-outs, quiet hours in the customer's zone. The unique key ``return:<id>:<step>:<channel>`` makes
a replayed event write nothing new.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from portal import events
from portal.event_catalogue import RETURN_KINDS
from portal.models import DomainEvent, ReturnRequest
from portal.notifications.composer import Message, compose
from portal.returns.messages import RETURNS, TRIGGER_BY_STATE, ReturnStep, trigger_for
from portal.settings import Settings


async def enqueue_for_event(
    event: DomainEvent,
    conn: BaseDBAsyncClient,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> list[str]:
    """Write the messages a return event calls for; returns the unique keys inserted."""
    payload = event.payload or {}
    state = str(payload.get("to_state") or "")
    if state not in TRIGGER_BY_STATE or event.subject_type != "return_request":
        return []
    request = (
        await ReturnRequest.filter(id=event.subject_id, merchant_id=event.merchant_id)
        .select_related("merchant", "order", "order__customer", "customer")
        .using_db(conn)
        .first()
    )
    trigger = None if request is None else trigger_for(request.kind, state)
    if request is None or trigger is None:
        return []
    order = request.order
    customer = request.customer or (order.customer if order is not None else None)
    if customer is None:
        return []
    note = str(payload.get("note") or "") if trigger == "return_rejected" else ""
    message = Message(
        RETURNS,
        trigger,
        request.id,
        ReturnStep(request, note),
        merchant=request.merchant,
        customer=customer,
        order=order,
    )
    queued = await compose(message, conn=conn, settings=settings, now=now or datetime.now(UTC))
    return [q.unique_key for q in queued]


@events.listen(*RETURN_KINDS)
async def on_return_event(event: DomainEvent, ctx: events.ListenerContext) -> None:
    await enqueue_for_event(event, conn=ctx.conn, settings=ctx.settings, now=ctx.now)
