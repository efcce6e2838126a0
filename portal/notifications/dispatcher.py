"""The outbox dispatcher: claim due messages, send them, record what happened.

A claim is a lease written to the row (``lease_until``) by one atomic statement — on
PostgreSQL ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)``, on SQLite a
conditional update per row that counts only when it changed exactly one row — so any
number of workers can run side by side and a crashed worker's messages come back when its
lease runs out. Every outcome is recorded in one place: sent, retried later with
exponential backoff and jitter (the next attempt time is stored, nobody sleeps), or failed.

Each channel is a class in :data:`CHANNELS` (a development setup without SMTP or Twilio
uses the dev mailbox instead). Within a pass, up to :data:`LANES` recipients are served
side by side, one channel instance per lane (for email, one SMTP connection per lane), so
one message's network round trips overlap the next one's work; one recipient's messages
stay in one lane, sent one after another in their order.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from portal import consent
from portal.core import timezones
from portal.leased_queue import LeasedQueue
from portal.leased_queue import backoff_delay as queue_backoff
from portal.models import Channel, ConsentSource, Customer, MessageState, OutboxMessage
from portal.notifications import devmailbox
from portal.notifications.base import DeliveryError, MessageChannel, Sent
from portal.notifications.devmailbox import DevMailboxChannel
from portal.notifications.email import EmailChannel
from portal.notifications.sms import OPTED_OUT, SmsChannel
from portal.notifications.webpush import PushChannel
from portal.notifications.whatsapp import WhatsAppChannel
from portal.settings import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
#: Recipients served at the same time in one pass.
LANES = 4
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)

_QUEUE = LeasedQueue(OutboxMessage, due_field="scheduled_for")

#: The class that delivers each channel; a new channel (WhatsApp, web push) is one more
#: :class:`~portal.notifications.base.MessageChannel` subclass and one more entry.
CHANNELS: dict[Channel, type[MessageChannel]] = {
    Channel.EMAIL: EmailChannel,
    Channel.SMS: SmsChannel,
    Channel.WHATSAPP: WhatsAppChannel,
    Channel.PUSH: PushChannel,
}


@dataclass
class DispatchReport:
    """What one pass did; ``more`` says whether another pass would find work at once."""

    limit: int
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def more(self) -> bool:
        return self.claimed >= self.limit

    def summary(self) -> str:
        return (
            f"claimed {self.claimed}, sent {self.sent}, retried {self.retried}, "
            f"failed {self.failed}, cancelled {self.cancelled}"
        )


def backoff_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """1, 2, 4, … minutes (capped at 6 hours) after the n-th attempt, ±20 % jitter."""
    return queue_backoff(attempts, base=BACKOFF_BASE, cap=BACKOFF_CAP, rng=rng)


async def claim_due(*, now: datetime, limit: int, lease: timedelta = LEASE) -> list[int]:
    """Lease up to ``limit`` due messages to this worker; returns their ids."""
    return await _QUEUE.claim_due(now=now, limit=limit, lease=lease)


def _opted_out(message: OutboxMessage) -> bool:
    customer: Customer | None = message.customer
    if customer is None:
        return False
    if message.channel == Channel.EMAIL:
        return not customer.email_opt_in
    if message.channel == Channel.WHATSAPP:
        return not customer.whatsapp_opt_in
    if message.channel == Channel.PUSH:
        # Subscribing in the browser is the consent; unsubscribing removes the browser.
        return False
    return not customer.sms_opt_in


async def _record_sent(message: OutboxMessage, sent: Sent, now: datetime) -> None:
    await OutboxMessage.filter(id=message.id).update(
        state=MessageState.SENT,
        sent_at=now,
        provider_id=sent.provider_id[:100],
        delivery_status=sent.status[:32],
        lease_until=None,
        error=None,
    )


async def _record_failure(
    settings: Settings, message: OutboxMessage, error: DeliveryError, now: datetime
) -> bool:
    """Retry later or give up; True when the message will be retried."""
    max_attempts = int(getattr(settings, "notify_max_attempts", None) or MAX_ATTEMPTS)
    if not error.permanent and message.attempts < max_attempts:
        merchant = message.merchant
        shipment = message.shipment
        order = shipment.order if shipment is not None else None
        zone = timezones.recipient_zone(
            customer=message.customer,
            order=order,
            merchant=merchant,
            default_time_zone=getattr(settings, "default_time_zone", "UTC"),
        )
        quiet_start, quiet_end = timezones.merchant_quiet_hours(merchant, settings)
        retry_at = timezones.defer_out_of_quiet_hours(
            now + backoff_delay(message.attempts), zone, quiet_start, quiet_end
        )
        await OutboxMessage.filter(id=message.id).update(
            state=MessageState.PENDING,
            scheduled_for=retry_at,
            lease_until=None,
            error=error.message,
        )
        return True
    await OutboxMessage.filter(id=message.id).update(
        state=MessageState.FAILED, lease_until=None, error=error.message
    )
    if message.channel == Channel.SMS and error.code == OPTED_OUT and message.customer_id:
        # Twilio says the recipient texted STOP: honour it everywhere, not only here.
        await consent.record(
            await Customer.filter(id=message.customer_id),
            Channel.SMS,
            False,
            ConsentSource.SMS_REPLY,
            detail=f"Twilio error {OPTED_OUT}",
        )
    return False


async def _deliver_all(
    settings: Settings,
    messages: list[OutboxMessage],
    send: Callable[[OutboxMessage], Awaitable[Sent]],
    report: DispatchReport,
    now: datetime,
) -> None:
    for message in messages:
        try:
            sent = await send(message)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a bug or an unexpected reply must not stop the batch
            log.exception("sending outbox message %s failed unexpectedly", message.id)
            error = DeliveryError(f"unexpected error: {exc!r}", permanent=False)
        else:
            await _record_sent(message, sent, now)
            report.sent += 1
            continue
        if await _record_failure(settings, message, error, now):
            report.retried += 1
        else:
            report.failed += 1


def _lanes(messages: list[OutboxMessage], lanes: int = LANES) -> list[list[OutboxMessage]]:
    """Split a pass into at most ``lanes`` lists; a recipient's messages share one list
    and keep their order."""
    by_recipient: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        by_recipient.setdefault(message.recipient, []).append(message)
    split: list[list[OutboxMessage]] = [[] for _ in range(max(1, min(lanes, len(by_recipient))))]
    for index, group in enumerate(by_recipient.values()):
        split[index % len(split)].extend(group)
    return split


def _failing(error: DeliveryError) -> Callable[[OutboxMessage], Awaitable[Sent]]:
    async def send(message: OutboxMessage) -> Sent:
        raise error

    return send


async def _send(
    settings: Settings,
    channel: Channel,
    messages: list[OutboxMessage],
    report: DispatchReport,
    now: datetime,
    http_client: httpx.AsyncClient | None,
) -> None:
    """Send one channel's messages, one channel instance per lane; a channel that is not
    configured fails its messages like any other delivery error."""
    kind = DevMailboxChannel if devmailbox.use_for(settings, channel) else CHANNELS[channel]

    async def lane(batch: list[OutboxMessage]) -> None:
        try:
            sender = kind(settings, http_client)
        except DeliveryError as exc:
            await _deliver_all(settings, batch, _failing(exc), report, now)
            return
        async with sender:
            await _deliver_all(settings, batch, sender.send, report, now)

    await asyncio.gather(*(lane(batch) for batch in _lanes(messages)))


async def dispatch_once(
    settings: Settings,
    *,
    http_client: httpx.AsyncClient | None = None,
    now: datetime | None = None,
    limit: int = 100,
) -> DispatchReport:
    """One bounded pass: claim up to ``limit`` due messages and settle each of them."""
    now = now or datetime.now(UTC)
    report = DispatchReport(limit=limit)
    ids = await claim_due(now=now, limit=limit)
    report.claimed = len(ids)
    if not ids:
        return report
    messages = (
        await OutboxMessage.filter(id__in=ids)
        .select_related("merchant", "customer", "shipment", "shipment__order")
        .order_by("scheduled_for", "id")
    )
    live = []
    for message in messages:
        if _opted_out(message):
            await OutboxMessage.filter(id=message.id).update(
                state=MessageState.CANCELLED, lease_until=None, error="recipient opted out"
            )
            report.cancelled += 1
        else:
            live.append(message)
    for channel in CHANNELS:
        batch = [m for m in live if m.channel == channel]
        if batch:
            await _send(settings, channel, batch, report, now, http_client)
    return report


async def dispatch_job(settings: Settings, client: httpx.AsyncClient | None = None) -> bool:
    """Scheduler unit (``portal.scheduler.Job``): one pass; True when more is due now."""
    report = await dispatch_once(settings, http_client=client)
    if report.claimed:
        log.info("dispatch: %s", report.summary())
    return report.more


async def dispatch_command(
    settings: Settings,
    *,
    once: bool = True,
    interval: float = 10.0,
    connect: bool = True,
    echo: Callable[[str], Any] = print,
) -> int:
    """``portal dispatch [--once]``: one pass, or passes until interrupted."""
    from portal import db

    if connect:
        await db.connect(settings.database_url)
    try:
        async with httpx.AsyncClient(timeout=15.0) as client:
            while True:
                report = await dispatch_once(settings, http_client=client)
                echo(f"dispatch: {report.summary()}")
                if once:
                    return 0
                if not report.more:
                    await asyncio.sleep(interval)
    finally:
        if connect:
            await db.disconnect()
