"""From a shipment's domain event to outbox messages, inside the event's transaction.

The listener decides which trigger an event is, which channels the merchant wants for it,
whether the customer can and wants to hear on each channel, then renders the message in the
customer's language and schedules it. The outbox's unique key (shipment, trigger, channel)
is the guard against a second copy: the insert ignores a conflict, so concurrent or replayed
events cannot produce two messages.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from carriers.base import Status
from portal import events
from portal.models import Channel, Direction, DomainEvent, Merchant, OutboxMessage, Shipment
from portal.notifications import outbox, schedule
from portal.notifications.base import DEFAULT_RULES, Trigger, pick_locale
from portal.notifications.context import format_eta, message_context
from portal.notifications.links import preferences_link
from portal.notifications.sms import to_e164
from portal.notifications.templates import (
    Rendered,
    default_source,
    render_message,
    template_source,
)
from portal.settings import Settings

log = logging.getLogger(__name__)

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


def trigger_for(kind: str, payload: dict[str, Any]) -> Trigger | None:
    """The trigger a domain event stands for; None for events customers need not hear about."""
    if kind == events.SHIPMENT_DELAYED:
        return Trigger.DELAYED
    if kind == events.SHIPMENT_STATUS_CHANGED:
        return STATUS_TRIGGERS.get(str(payload.get("new_status") or ""))
    return None


def channels_for(merchant: Merchant, trigger: Trigger) -> list[Channel]:
    """The merchant's channels for a trigger; a trigger it never set keeps the default."""
    rules = merchant.notification_rules or {}
    chosen = rules.get(trigger.value)
    if chosen is None:
        return list(DEFAULT_RULES[trigger])
    return [Channel(c) for c in chosen if c in Channel._value2member_map_]


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


def contact_for(channel: Channel, customer: Any, order: Any | None) -> str | None:
    """Where to send on ``channel``, or None when the customer has no usable contact or
    has opted out of it."""
    if channel == Channel.EMAIL:
        if not customer.email_opt_in:
            return None
        address = customer.email or (order.email if order is not None else "")
        return address if address and "@" in address else None
    if not customer.sms_opt_in:
        return None
    region = customer.country or (order.ship_country if order is not None else None)
    return to_e164(customer.phone, region)


def _reason(trigger: Trigger, payload: dict[str, Any], shipment: Shipment) -> str | None:
    """The event's reason; the shipment's only where it describes this very problem."""
    reason = payload.get("reason")
    if not reason and trigger in (Trigger.EXCEPTION, Trigger.FAILED_ATTEMPT):
        reason = shipment.reason
    if not reason and trigger == Trigger.EXCEPTION:
        reason = "unknown"
    return str(reason) if reason else None


def _new_eta(payload: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(payload.get("new_eta") or "")[:10])
    except ValueError:
        return None


async def _render(
    merchant_id: int,
    trigger: Trigger,
    channel: Channel,
    locale: str,
    context: dict[str, Any],
    settings: Settings,
    customer_id: int,
    conn: BaseDBAsyncClient,
) -> Rendered:
    """Render the merchant's template, falling back to the default if it fails.

    A merchant's template that broke after it was saved (a renamed variable) must not
    roll back the tracking update this listener runs inside.
    """
    link = preferences_link(settings, customer_id)
    source = await template_source(merchant_id, trigger, channel, locale, using_db=conn)
    try:
        return render_message(source, channel, context, locale=locale, preferences_link=link)
    except Exception:
        default = default_source(trigger, channel, locale)
        if source == default:
            raise
        log.exception(
            "merchant %s template %s/%s/%s failed; using the default",
            merchant_id,
            trigger,
            channel,
            locale,
        )
        return render_message(default, channel, context, locale=locale, preferences_link=link)


def unique_key(shipment_id: int, trigger: Trigger, channel: Channel) -> str:
    return f"shipment:{shipment_id}:{trigger.value}:{channel.value}"


def _with_parties(conn: BaseDBAsyncClient) -> Any:
    return Shipment.all().using_db(conn).select_related("merchant", "order", "order__customer")


@events.listen_batch(events.SHIPMENT_STATUS_CHANGED, events.SHIPMENT_DELAYED)
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
    ids = sorted({e.subject_id for e in wanted})
    created = dict(
        await Shipment.filter(
            id__in=ids, direction=Direction.OUTBOUND, order__customer_id__not_isnull=True
        )
        .using_db(conn)
        .values_list("id", "created_at")
    )
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
                event, conn, settings=ctx.settings, now=ctx.now, shipment=shipment
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
    merchant = shipment.merchant
    locale = pick_locale(customer.locale, merchant.default_locale)
    zone = schedule.recipient_zone(
        customer=customer,
        order=order,
        merchant=merchant,
        default_time_zone=getattr(settings, "default_time_zone", "UTC"),
    )
    quiet_start, quiet_end = schedule.merchant_quiet_hours(merchant, settings)
    due = now or datetime.now(UTC)
    inserted = []
    for channel in channels_for(merchant, trigger):
        recipient = contact_for(channel, customer, order)
        key = unique_key(shipment.id, trigger, channel)
        if recipient is None or await OutboxMessage.filter(unique_key=key).using_db(conn).exists():
            continue
        context = message_context(
            settings,
            merchant=merchant,
            customer=customer,
            order=order,
            shipment=shipment,
            locale=locale,
            status=payload.get("new_status"),
            reason=_reason(trigger, payload, shipment),
            channel=channel,
        )
        if trigger == Trigger.DELAYED and (eta := _new_eta(payload)):
            context["eta"] = format_eta(eta, locale, short=channel == Channel.SMS)
        rendered = await _render(
            merchant.id, trigger, channel, locale, context, settings, customer.id, conn
        )
        await outbox.enqueue(
            merchant_id=merchant.id,
            customer_id=customer.id,
            shipment_id=shipment.id,
            channel=channel,
            recipient=recipient,
            trigger=trigger.value,
            unique_key=key,
            locale=locale,
            rendered=rendered,
            due=due,
            zone=zone,
            quiet_hours=(quiet_start, quiet_end),
            using_db=conn,
        )
        inserted.append(key)
    return inserted
