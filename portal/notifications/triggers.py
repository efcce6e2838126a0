"""From a shipment's domain event to outbox messages, inside the event's transaction.

The listener decides which trigger an event is and hands the message to the composer
(:func:`portal.notifications.composer.compose`), which picks channels, recipients,
language and send time. The outbox's unique key (shipment, trigger, channel) is the guard
against a second copy: the insert ignores a conflict, so concurrent or replayed events
cannot produce two messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from carriers.base import Status
from portal import events, sql_ids
from portal.event_catalogue import SHIPMENT_LATE, SHIPMENT_STUCK
from portal.models import Direction, DomainEvent, Shipment
from portal.notifications.base import Trigger
from portal.notifications.composer import Message, compose
from portal.notifications.shipments import SHIPMENTS, ShipmentNews
from portal.settings import Settings

STATUS_TRIGGERS: dict[str, Trigger] = {
    Status.INFO_RECEIVED: Trigger.SHIPPED,
    Status.IN_TRANSIT: Trigger.SHIPPED,
    Status.OUT_FOR_DELIVERY: Trigger.OUT_FOR_DELIVERY,
    Status.FAILED_ATTEMPT: Trigger.FAILED_ATTEMPT,
    Status.AVAILABLE_FOR_PICKUP: Trigger.READY_FOR_PICKUP,
    Status.DELIVERED: Trigger.DELIVERED,
    Status.EXCEPTION: Trigger.EXCEPTION,
    Status.RETURNED_TO_SENDER: Trigger.RETURNED_TO_SENDER,
}


#: Late and stuck episodes: one message per episode (its start is part of the outbox key).
EPISODE_TRIGGERS: dict[str, Trigger] = {
    SHIPMENT_LATE: Trigger.LATE,
    SHIPMENT_STUCK: Trigger.STUCK,
}


def trigger_for(kind: str, payload: dict[str, Any]) -> Trigger | None:
    """The trigger a domain event stands for; None for events customers need not hear about."""
    if kind == events.SHIPMENT_DELAYED:
        return Trigger.DELAYED
    if kind in EPISODE_TRIGGERS:
        return EPISODE_TRIGGERS[kind]
    if kind == events.SHIPMENT_STATUS_CHANGED:
        return STATUS_TRIGGERS.get(str(payload.get("new_status") or ""))
    return None


def _occurred_at(event: DomainEvent) -> datetime:
    raw = (event.payload or {}).get("occurred_at")
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return event.occurred_at


def _reason(trigger: Trigger, payload: dict[str, Any], shipment: Shipment) -> str | None:
    """The event's reason; the shipment's only where it describes this very problem."""
    reason = payload.get("reason")
    if not reason and trigger in (Trigger.EXCEPTION, Trigger.FAILED_ATTEMPT):
        reason = shipment.reason
    if not reason and trigger == Trigger.EXCEPTION:
        reason = "unknown"
    return str(reason) if reason else None


def _day(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw or "")[:10])
    except ValueError:
        return None


def _new_eta(payload: dict[str, Any]) -> date | None:
    return _day(payload.get("new_eta"))


def _with_parties(conn: BaseDBAsyncClient) -> Any:
    return Shipment.all().using_db(conn).select_related("merchant", "order", "order__customer")


async def _told_about(conn: BaseDBAsyncClient, ids: list[int]) -> dict[int, datetime]:
    """id -> created_at of the outbound shipments among ``ids`` with a customer to tell.

    Written by hand: a sweep asks with 500 ids, and the ORM builds a term per id."""
    sql = (
        "SELECT s.id, s.created_at FROM shipment s JOIN orders o ON o.id = s.order_id WHERE "
        f"{sql_ids.in_ids(conn, 's.id', len(ids))} "
        f"AND s.direction = '{Direction.OUTBOUND.value}' AND o.customer_id IS NOT NULL"
    )
    _, rows = await conn.execute_query(sql, sql_ids.ids_param(conn, ids))
    found = {}
    for row in rows:
        created = row["created_at"]
        if isinstance(created, str):  # SQLite hands the stored text over
            created = datetime.fromisoformat(created)
        found[int(row["id"])] = created if created.tzinfo else created.replace(tzinfo=UTC)
    return found


@events.listen_batch(
    events.SHIPMENT_STATUS_CHANGED, events.SHIPMENT_DELAYED, SHIPMENT_LATE, SHIPMENT_STUCK
)
async def on_shipment_events(batch: Sequence[DomainEvent], ctx: events.ListenerContext) -> None:
    """Queue the messages shipment events call for (batch listener, in their transaction).

    The shipments, merchants, orders and customers of a whole sweep batch are read in one
    query, so a sweep's cost per shipment does not grow with its listeners. A cheap first
    query drops the events nobody is told about (no customer to tell, an inbound parcel, a
    scan older than the shipment, as on a first sync) before any model is built.
    """
    conn = ctx.conn
    wanted = [
        e
        for e in batch
        if e.subject_type == "shipment" and trigger_for(e.kind, e.payload or {}) is not None
    ]
    if not wanted:
        return
    created = await _told_about(conn, sorted({e.subject_id for e in wanted}))
    wanted = [
        e for e in wanted if e.subject_id in created and _occurred_at(e) >= created[e.subject_id]
    ]
    if not wanted:
        return
    ids = sorted({e.subject_id for e in wanted})
    shipments = {s.id: s for s in await _with_parties(conn).filter(id__in=ids)}
    for event in wanted:
        shipment = shipments.get(event.subject_id)
        if shipment is not None:
            await enqueue_for_event(
                event, conn=conn, settings=ctx.settings, now=ctx.now, shipment=shipment
            )


async def enqueue_for_event(
    event: DomainEvent,
    conn: BaseDBAsyncClient,
    *,
    settings: Settings,
    now: datetime | None = None,
    shipment: Shipment | None = None,
) -> list[str]:
    """Write the messages for ``event``; returns the unique keys actually inserted."""
    payload = event.payload or {}
    trigger = trigger_for(event.kind, payload)
    if trigger is None or event.subject_type != "shipment":
        return []
    if shipment is None:
        shipment = await _with_parties(conn).filter(id=event.subject_id).first()
    if shipment is None or shipment.direction != Direction.OUTBOUND:
        return []
    if _occurred_at(event) < shipment.created_at:
        return []  # an old scan seen on the first sync: the customer knows, or it is moot
    order = shipment.order
    customer = order.customer if order is not None else None
    if customer is None:
        return []
    news = ShipmentNews(
        shipment,
        status=payload.get("new_status"),
        reason=_reason(trigger, payload, shipment),
        new_eta=_new_eta(payload) if trigger == Trigger.DELAYED else None,
        missed=_day(payload.get("window_end")) if trigger == Trigger.LATE else None,
    )
    message = Message(
        SHIPMENTS,
        trigger.value,
        shipment.id,
        news,
        merchant=shipment.merchant,
        customer=customer,
        order=order,
        shipment_id=shipment.id,
        occasion=str(payload["episode_started_at"]) if event.kind in EPISODE_TRIGGERS else None,
    )
    queued = await compose(message, conn=conn, settings=settings, now=now or datetime.now(UTC))
    return [q.unique_key for q in queued]
