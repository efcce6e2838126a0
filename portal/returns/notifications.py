"""Return state changes -> customer messages (listeners, in the event's transaction).

Each customer-visible step (see :data:`portal.returns.messages.TRIGGER_BY_STATE`) goes
through the composer (:func:`portal.notifications.composer.compose`) with the same rules
as shipment messages: the merchant's channels for the trigger, the customer's opt-outs,
quiet hours in the customer's zone. The unique key ``return:<id>:<step>:<channel>`` makes
a replayed event write nothing new.

A withdrawal's return is approved at once by law, not by the shop: its acknowledgement
(:mod:`portal.returns.withdrawal`) already names the return and how to send the goods back,
so no "your return is approved" follows it (:data:`NOT_FOR_WITHDRAWALS`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from portal import events
from portal.event_catalogue import RETURN_KINDS
from portal.models import DomainEvent, ReturnKind, ReturnRequest
from portal.notifications.composer import Message, compose
from portal.returns.messages import RETURNS, TRIGGER_BY_STATE, ReturnStep
from portal.settings import Settings

#: Steps a withdrawal's return does not announce: its approval is the law's, and the
#: acknowledgement said so (a "good news, approved" after it reads as the shop's favour,
#: with a refund promise worded unlike the statutory one).
NOT_FOR_WITHDRAWALS = frozenset({"return_approved"})


async def enqueue_for_event(
    event: DomainEvent,
    conn: BaseDBAsyncClient,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> list[str]:
    """Write the messages a return event calls for; returns the unique keys inserted."""
    payload = event.payload or {}
    trigger = TRIGGER_BY_STATE.get(str(payload.get("to_state") or ""))
    if trigger is None or event.subject_type != "return_request":
        return []
    request = (
        await ReturnRequest.filter(id=event.subject_id, merchant_id=event.merchant_id)
        .select_related("merchant", "order", "order__customer", "customer")
        .using_db(conn)
        .first()
    )
    if request is None:
        return []
    if request.kind == ReturnKind.WITHDRAWAL and trigger in NOT_FOR_WITHDRAWALS:
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
