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
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.expressions import F

from portal import db
from portal.core import draining
from portal.leased_queue import LeasedQueue
from portal.models import Channel, Customer, Merchant, MessageState, OutboxMessage
from portal.notifications import devmailbox, in_flight, rows
from portal.notifications.base import DeliveryError, MessageChannel, Sent
from portal.notifications.devmailbox import DevMailboxChannel
from portal.notifications.email import EmailChannel
from portal.notifications.lanes import (  # noqa: F401 (MAX_ATTEMPTS, backoff_delay: the API)
    MAX_ATTEMPTS,
    DispatchReport,
    Pass,
    Recorder,
    backoff_delay,
    deliver_all,
)
from portal.notifications.sms import SmsChannel
from portal.notifications.webpush import PushChannel
from portal.notifications.whatsapp import WhatsAppChannel
from portal.settings import Settings

log = logging.getLogger(__name__)

#: A claim's lease, renewed every :data:`HEARTBEAT` while the pass works: a killed
#: worker's messages come back within a lease.
LEASE = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)
#: A message whose attempt began sending less than this long ago is left to that attempt:
#: it may be alive, waiting for the database to take the outcome.
IN_FLIGHT_GRACE = timedelta(seconds=60)
#: Recipients served at the same time in one pass.
LANES = 4
#: Messages a pass claims (the worker's job, ``portal dispatch``): 50 a lane. Each pass
#: pays its claim, its load and an SMTP session a lane; at 100 these were about a tenth
#: of an e-mail's CPU, the SMTP server's included (benchmarks/README.md). A killed
#: worker leaves up to this many rows marked, each looked up with the provider (SMS) or
#: sent (e-mail; most were never handed over) when its lease runs out.
PASS_LIMIT = 200

_QUEUE = LeasedQueue(OutboxMessage, due_field="scheduled_for", partition_key="created_at")

#: The class that delivers each channel; a new channel (WhatsApp, web push) is one more
#: :class:`~portal.notifications.base.MessageChannel` subclass and one more entry.
CHANNELS: dict[Channel, type[MessageChannel]] = {
    Channel.EMAIL: EmailChannel,
    Channel.SMS: SmsChannel,
    Channel.WHATSAPP: WhatsAppChannel,
    Channel.PUSH: PushChannel,
}


async def claim_due(*, now: datetime, limit: int, lease: timedelta | None = None) -> list[int]:
    """Lease up to ``limit`` due messages to this worker; returns their ids."""
    return await _QUEUE.claim_due(now=now, limit=limit, lease=lease or LEASE)


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


class _Unavailable(MessageChannel):
    """Stands in for a channel that cannot be set up: every message fails with its error."""

    def __init__(self, settings: Settings, error: DeliveryError) -> None:
        super().__init__(settings)
        self.error = error

    async def send(self, message: OutboxMessage) -> Sent:
        raise self.error


async def _send(
    settings: Settings,
    channel: Channel,
    messages: list[OutboxMessage],
    report: DispatchReport,
    now: datetime,
    http_client: httpx.AsyncClient | None,
    state: Pass,
) -> None:
    """Send one channel's messages, one channel instance per lane; a channel that is not
    configured fails its messages like any other delivery error."""
    kind = DevMailboxChannel if devmailbox.use_for(settings, channel) else CHANNELS[channel]
    recorder = Recorder(state, report, now)

    async def lane(batch: list[OutboxMessage]) -> None:
        sender: MessageChannel
        try:
            sender = kind(settings, http_client)
        except DeliveryError as exc:
            sender = _Unavailable(settings, exc)
        async with sender:
            await deliver_all(settings, batch, sender, report, now, state, recorder)

    await asyncio.gather(*(lane(batch) for batch in _lanes(messages)))


async def _hold_back_fresh_in_flight(
    messages: list[OutboxMessage], now: datetime
) -> list[OutboxMessage]:
    """Leave alone the messages another attempt began sending less than
    :data:`IN_FLIGHT_GRACE` ago: it may be alive and waiting to record the outcome (the
    database was away). They come back when the grace is over; returns the others."""
    ready = []
    for message in messages:
        since = message.sending_since
        if message.attempt_id is not None and since is not None and since > now - IN_FLIGHT_GRACE:
            await rows.this(
                message, state=MessageState.PENDING, attempt_id=message.attempt_id
            ).update(lease_until=since + IN_FLIGHT_GRACE, attempts=F("attempts") - 1)
        else:
            ready.append(message)
    return ready


async def _release_quietly(state: Pass) -> None:
    """Hand back unstarted messages on the way out (stopping, or cancelled at the end of
    the grace period), unmarked when this pass marked them; if the database does not
    answer their leases lapse anyway."""
    if not state.unstarted:
        return
    batch = [(row_id, state.created[row_id]) for row_id in sorted(state.unstarted)]
    try:
        released = await asyncio.wait_for(in_flight.release(batch, state.attempt), timeout=5)
    except Exception as exc:
        log.warning("could not hand back %d outbox messages: %r", len(batch), exc)
    else:
        log.info("handed back %d outbox messages not started", released)


async def dispatch_once(
    settings: Settings,
    *,
    http_client: httpx.AsyncClient | None = None,
    now: datetime | None = None,
    limit: int = PASS_LIMIT,
) -> DispatchReport:
    """One bounded pass: claim up to ``limit`` due messages and settle each of them."""
    now = now or datetime.now(UTC)
    report = DispatchReport(limit=limit)
    if draining.stop_requested():
        return report
    keys: list[rows.Key] = await _QUEUE.claim_keys(now=now, limit=limit, lease=LEASE)
    report.claimed = len(keys)
    if not keys:
        return report
    ids = {row_id for row_id, _ in keys}
    state = Pass(unstarted=set(ids), created=dict(keys), leased=set(ids))

    async def renew() -> None:
        leased = [(row_id, state.created[row_id]) for row_id in sorted(state.leased)]
        await _QUEUE.renew_keys(leased, now=datetime.now(UTC), lease=LEASE)

    try:
        async with draining.Heartbeat(renew, HEARTBEAT.total_seconds(), "dispatch"):
            await _settle(settings, keys, report, now, http_client, state)
    except BaseException:
        await _release_quietly(state)
        raise
    # Also after an outage: the outcomes were recorded, so the database answers again, and
    # the messages this pass stopped short of are due at once rather than after the lease.
    await _release_quietly(state)
    return report


async def _load(keys: list[rows.Key]) -> list[OutboxMessage]:
    """The claimed messages with their customers, in order, and each merchant built once
    for the pass (a pass's messages are mostly one shop's: joined, its row was read and
    a model built once per message). The shipment and order are read only when a
    failure needs the recipient's time zone (``lanes._record_failure``)."""
    messages = await rows.among(keys).select_related("customer").order_by("scheduled_for", "id")
    if not messages:
        return messages
    merchant_ids = {message.merchant_id for message in messages}
    merchants = {m.id: m for m in await Merchant.filter(id__in=merchant_ids)}
    for message in messages:
        message.merchant = merchants[message.merchant_id]
    return messages


async def _settle(
    settings: Settings,
    keys: list[rows.Key],
    report: DispatchReport,
    now: datetime,
    http_client: httpx.AsyncClient | None,
    state: Pass,
) -> None:
    messages = await _load(keys)
    live = []
    for message in messages:
        if _opted_out(message):
            await rows.this(message).update(
                state=MessageState.CANCELLED, lease_until=None, error="recipient opted out"
            )
            state.unstarted.discard(message.id)
            report.cancelled += 1
        else:
            live.append(message)
    ready = await _hold_back_fresh_in_flight(live, now)
    state.unstarted.intersection_update(m.id for m in ready)
    state.leased.intersection_update(m.id for m in ready)
    for channel in CHANNELS:
        batch = [m for m in ready if m.channel == channel]
        if batch:
            await _send(settings, channel, batch, report, now, http_client, state)


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

    if connect:
        await db.connect(settings.database_url, settings)
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
