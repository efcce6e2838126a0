"""Return state changes -> customer messages (listeners, in the event's transaction).

Each customer-visible step (see :data:`portal.returns.messages.TRIGGER_BY_STATE`) renders
the merchant's template, or the default, in the customer's language and writes it to the
outbox with the same rules as shipment messages: the merchant's channels for the trigger,
the customer's opt-outs, quiet hours in the customer's zone. The unique key
``return:<id>:<step>:<channel>`` makes a replayed event write nothing new.

Importing this module also registers the ``return.*`` webhook listener.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from portal import events
from portal.event_catalogue import RETURN_KINDS
from portal.models import Channel, DomainEvent, Merchant, OutboxMessage, ReturnRequest
from portal.notifications import outbox, schedule
from portal.notifications.base import pick_locale
from portal.notifications.links import preferences_link
from portal.notifications.templates import Rendered
from portal.notifications.triggers import contact_for
from portal.returns import messages
from portal.settings import Settings

log = logging.getLogger(__name__)


def channels_for(merchant: Merchant, trigger: str) -> list[Channel]:
    """The merchant's channels for a return trigger; one it never set keeps the default."""
    chosen = (merchant.notification_rules or {}).get(trigger)
    if chosen is None:
        return list(messages.DEFAULT_CHANNELS[trigger])
    return [Channel(c) for c in chosen if c in Channel._value2member_map_]


async def _render(
    merchant: Merchant,
    trigger: str,
    channel: Channel,
    locale: str,
    context: dict[str, object],
    link: str,
    conn: BaseDBAsyncClient,
) -> Rendered:
    """The merchant's template, or the default when theirs broke after it was saved (a
    message must never roll back the return move it belongs to)."""
    source = await messages.template_source(merchant.id, trigger, channel, locale, conn)
    try:
        return messages.render(
            source, trigger, channel, context, locale=locale, preferences_link=link
        )
    except Exception:
        default = messages.default_source(trigger, channel.value, locale)
        if source == default:
            raise
        log.exception("merchant %s template %s/%s/%s failed", merchant.id, trigger, channel, locale)
        return messages.render(
            default, trigger, channel, context, locale=locale, preferences_link=link
        )


async def enqueue_for_event(
    event: DomainEvent,
    conn: BaseDBAsyncClient,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> list[str]:
    """Write the messages a return event calls for; returns the unique keys inserted."""
    payload = event.payload or {}
    trigger = messages.TRIGGER_BY_STATE.get(str(payload.get("to_state") or ""))
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
    order = request.order
    customer = request.customer or (order.customer if order is not None else None)
    if customer is None:
        return []
    merchant = request.merchant
    locale = pick_locale(customer.locale, merchant.default_locale)
    zone = schedule.recipient_zone(
        customer=customer,
        order=order,
        merchant=merchant,
        default_time_zone=getattr(settings, "default_time_zone", "UTC"),
    )
    quiet = schedule.merchant_quiet_hours(merchant, settings)
    note = str(payload.get("note") or "") if trigger == "return_rejected" else ""
    inserted = []
    for channel in channels_for(merchant, trigger):
        recipient = contact_for(channel, customer, order)
        key = messages.unique_key(request.id, trigger, channel)
        if recipient is None or await OutboxMessage.filter(unique_key=key).using_db(conn).exists():
            continue
        context = messages.message_context(
            settings,
            request=request,
            merchant=merchant,
            customer=customer,
            order=order,
            trigger=trigger,
            locale=locale,
            note=note,
        )
        link = preferences_link(settings, customer.id)
        rendered = await _render(merchant, trigger, channel, locale, context, link, conn)
        await outbox.enqueue(
            merchant_id=merchant.id,
            customer_id=customer.id,
            shipment_id=None,
            channel=channel,
            recipient=recipient,
            trigger=trigger,
            unique_key=key,
            locale=locale,
            rendered=rendered,
            due=now or datetime.now(UTC),
            zone=zone,
            quiet_hours=quiet,
            using_db=conn,
        )
        inserted.append(key)
    return inserted


@events.listen(*RETURN_KINDS)
async def on_return_event(event: DomainEvent, ctx: events.ListenerContext) -> None:
    await enqueue_for_event(event, ctx.conn, settings=ctx.settings, now=ctx.now)
