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
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
from tortoise.expressions import F

from portal import consent, db
from portal.core import draining, timezones
from portal.leased_queue import LeasedQueue
from portal.leased_queue import backoff_delay as queue_backoff
from portal.models import Channel, ConsentSource, Customer, MessageState, OutboxMessage
from portal.notifications import devmailbox, in_flight, rows
from portal.notifications.base import DeliveryError, MessageChannel, Sent
from portal.notifications.devmailbox import DevMailboxChannel
from portal.notifications.email import EmailChannel
from portal.notifications.sms import OPTED_OUT, SmsChannel
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
#: Waiting for the database to record an outcome: first pause, longest pause, and how long
#: a stopping worker keeps trying after its grace period ran out.
RECORD_RETRY_FIRST = 0.5
RECORD_RETRY_CAP = 2.0
RECORD_AFTER_CANCEL = 30.0
MAX_ATTEMPTS = 6
#: Recipients served at the same time in one pass.
LANES = 4
#: Sent outcomes a lane lets wait for the database (while one write is under way) before
#: it stops sending until they are written: what a killed worker can send twice (a stop
#: or an outage sends nothing twice).
RECORD_BACKLOG = 16
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)

_QUEUE = LeasedQueue(OutboxMessage, due_field="scheduled_for", partition_key="created_at")

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


async def _record_failure(
    settings: Settings,
    message: OutboxMessage,
    error: DeliveryError,
    now: datetime,
    still_unsure: bool = False,
) -> bool:
    """Retry later or give up; True when the message will be retried. ``still_unsure``:
    whether an earlier attempt reached the provider is still unknown, so the row keeps
    that attempt's in-flight mark for the next try to look up again."""
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
        await rows.this(message).update(
            state=MessageState.PENDING,
            scheduled_for=retry_at,
            lease_until=None,
            error=error.message,
            **({} if still_unsure else {"attempt_id": None, "sending_since": None}),
        )
        return True
    await rows.this(message).update(
        state=MessageState.FAILED,
        lease_until=None,
        error=error.message,
        attempt_id=None,
        sending_since=None,
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


@dataclass
class _Pass:
    """What the lanes of one pass share: the messages not yet started (handed back if the
    worker stops), and whether the database stopped answering (then every lane stops)."""

    unstarted: set[int]
    #: Each claimed message's ``created_at``, the other half of its key (rows.py).
    created: dict[int, datetime] = field(default_factory=dict)
    #: Written into each row just before it is handed to the provider.
    attempt: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: Still leased to this pass (renewed by the heartbeat): not settled, not held back.
    leased: set[int] = field(default_factory=set)
    database_away: bool = False

    def may_start(self) -> bool:
        return not self.database_away and not draining.stop_requested()


async def _until_recorded(
    state: _Pass, message_id: int, record: Callable[[], Awaitable[Any]]
) -> Any:
    """Write an outcome, waiting for the database as long as it takes: a message that was
    handed to the provider must not be sent again because its outcome was lost. Meanwhile
    the pass sends nothing else (``database_away``).

    A stopping worker cancels its units at the end of the grace period; an outcome in hand
    is still worth :data:`RECORD_AFTER_CANCEL` more seconds of trying (the cancellation is
    raised once it is written, or when that time is up)."""
    pause = RECORD_RETRY_FIRST
    cancelled: asyncio.CancelledError | None = None
    give_up_at = 0.0
    while True:
        try:
            try:
                result = await record()
            except Exception as exc:
                if not db.unreachable(exc):
                    raise
                state.database_away = True
                log.warning(
                    "cannot record the outcome of outbox message %s (%r); sending stops, "
                    "retrying in %.1f s",
                    message_id,
                    exc,
                    pause,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, RECORD_RETRY_CAP)
                continue
        except asyncio.CancelledError as exc:
            loop = asyncio.get_running_loop()
            if cancelled is None:
                cancelled, give_up_at = exc, loop.time() + RECORD_AFTER_CANCEL
                log.warning("outbox message %s was sent: recording it before stopping", message_id)
            if loop.time() >= give_up_at:
                raise
            continue
        if cancelled is not None:
            raise cancelled
        return result


async def _mark(state: _Pass, messages: list[OutboxMessage]) -> set[int] | None:
    """Write the pass's attempt id into these rows before any of them is handed to the
    provider (one statement); the ids still ours, or None when the database does not
    answer (then nothing is sent)."""
    try:
        return await in_flight.mark(rows.keys(messages), state.attempt, datetime.now(UTC))
    except Exception as exc:
        if not db.unreachable(exc):
            raise
        state.database_away = True
        log.warning("database away before sending outbox messages %s: %r", messages[0].id, exc)
        return None


async def _recover(sender: MessageChannel, message: OutboxMessage) -> Sent | None:
    """An earlier attempt died while sending ``message``: did the provider get it?"""
    since = message.sending_since or message.scheduled_for
    found = await sender.find_sent(message, since=since)
    if found is not None:
        log.info(
            "outbox message %s was sent by an attempt that died (%s); not sending it again",
            message.id,
            found.provider_id,
        )
    return found


async def _attempt(
    sender: MessageChannel, message: OutboxMessage, state: _Pass, recovered: Sent | None = None
) -> Sent | DeliveryError | None:
    """Hand one marked message to the provider: what it said, or None when the database
    went away meanwhile (the lane stops)."""
    try:
        return recovered or await sender.send(message)
    except DeliveryError as exc:
        return exc
    except Exception as exc:  # a bug or an unexpected reply must not stop the batch
        if db.unreachable(exc) and state.database_away:
            return None
        log.exception("sending outbox message %s failed unexpectedly", message.id)
        return DeliveryError(f"unexpected error: {exc!r}", permanent=False)


async def _settle_failure(
    settings: Settings,
    state: _Pass,
    report: DispatchReport,
    message: OutboxMessage,
    error: DeliveryError,
    now: datetime,
    unsure: bool = False,
) -> None:
    record = partial(_record_failure, settings, message, error, now, unsure)
    if await _until_recorded(state, message.id, record):
        report.retried += 1
    else:
        report.failed += 1


async def _deliver_unsure(
    settings: Settings,
    message: OutboxMessage,
    sender: MessageChannel,
    report: DispatchReport,
    now: datetime,
    state: _Pass,
) -> None:
    """A message an earlier attempt died sending: ask the provider first, then (if it
    never got it) mark and send it on its own."""
    state.unstarted.discard(message.id)
    try:
        found = await _recover(sender, message)
    except Exception as exc:
        if not isinstance(exc, DeliveryError):
            if db.unreachable(exc) and state.database_away:
                return
            log.exception("looking up outbox message %s failed unexpectedly", message.id)
            exc = DeliveryError(f"unexpected error: {exc!r}", permanent=False)
        await _settle_failure(settings, state, report, message, exc, now, unsure=True)
        return
    if found is None and await _mark(state, [message]) != {message.id}:
        return
    outcome = await _attempt(sender, message, state, found)
    if isinstance(outcome, Sent):
        record = partial(in_flight.record_sent, [(rows.key(message), outcome)], now)
        await _until_recorded(state, message.id, record)
        report.sent += 1
    elif outcome is not None:
        await _settle_failure(settings, state, report, message, outcome, now)


class _Recorder:
    """A lane's sent outcomes, written in the background while the lane goes on sending:
    one write under way at a time, taking every outcome that came in meanwhile (one a
    statement when the database keeps up, more when it lags), and at most
    :data:`RECORD_BACKLOG` waiting for it, so what a killed worker leaves unrecorded stays
    small; :meth:`flush` writes the rest."""

    def __init__(self, state: _Pass, report: DispatchReport, now: datetime) -> None:
        self.state, self.report, self.now = state, report, now
        self.pending: list[tuple[rows.Key, Sent]] = []
        self.task: asyncio.Task[None] | None = None

    async def add(self, message: OutboxMessage, sent: Sent) -> None:
        self.pending.append((rows.key(message), sent))
        if self.task is not None and not self.task.done():
            if len(self.pending) < RECORD_BACKLOG:
                return
            # The database lags: wait rather than let unrecorded sends pile up (shielded:
            # a cancelled lane must not cancel a write of outcomes in hand).
            await asyncio.shield(self.task)
        if self.task is not None:
            self.task.result()  # a write that failed with a bug fails the lane
        batch, self.pending = self.pending, []
        self.task = asyncio.create_task(self._write(batch))

    async def _write(self, batch: list[tuple[rows.Key, Sent]]) -> None:
        record = partial(in_flight.record_sent, batch, self.now)
        await _until_recorded(self.state, batch[0][0][0], record)
        self.report.sent += len(batch)

    async def flush(self) -> None:
        if self.task is not None:
            await asyncio.shield(self.task)
        batch, self.pending = self.pending, []
        if batch:
            await self._write(batch)


async def _deliver_all(
    settings: Settings,
    messages: list[OutboxMessage],
    sender: MessageChannel,
    report: DispatchReport,
    now: datetime,
    state: _Pass,
) -> None:
    """One lane: its messages marked in flight with one statement before the first is
    sent, then sent in order, the sent ones recorded a few per statement meanwhile (and
    the rest when the lane ends, stops or is cancelled: an outcome in hand is always
    written). A message an earlier attempt died sending is looked up and sent on its own."""
    fresh = [m for m in messages if m.attempt_id is None]
    marked = await _mark(state, fresh) if fresh else set()
    if marked is None:
        return
    recorder = _Recorder(state, report, now)
    try:
        for message in messages:
            if not state.may_start():
                return  # the rest are still unstarted: handed back and unmarked
            if message.attempt_id is not None:
                await _deliver_unsure(settings, message, sender, report, now, state)
                continue
            state.unstarted.discard(message.id)
            if message.id not in marked:  # settled by someone else meanwhile
                continue
            outcome = await _attempt(sender, message, state)
            if isinstance(outcome, Sent):
                await recorder.add(message, outcome)
            elif outcome is None:
                return
            else:
                await _settle_failure(settings, state, report, message, outcome, now)
    finally:
        await recorder.flush()


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
    state: _Pass,
) -> None:
    """Send one channel's messages, one channel instance per lane; a channel that is not
    configured fails its messages like any other delivery error."""
    kind = DevMailboxChannel if devmailbox.use_for(settings, channel) else CHANNELS[channel]

    async def lane(batch: list[OutboxMessage]) -> None:
        sender: MessageChannel
        try:
            sender = kind(settings, http_client)
        except DeliveryError as exc:
            sender = _Unavailable(settings, exc)
        async with sender:
            await _deliver_all(settings, batch, sender, report, now, state)

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


async def _release_quietly(state: _Pass) -> None:
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
    limit: int = 100,
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
    state = _Pass(unstarted=set(ids), created=dict(keys), leased=set(ids))
    oldest = min(created for _, created in keys)

    async def renew() -> None:
        await _QUEUE.renew(sorted(state.leased), now=datetime.now(UTC), lease=LEASE, oldest=oldest)

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


async def _settle(
    settings: Settings,
    keys: list[rows.Key],
    report: DispatchReport,
    now: datetime,
    http_client: httpx.AsyncClient | None,
    state: _Pass,
) -> None:
    messages = (
        await rows.among(keys)
        .select_related("merchant", "customer", "shipment", "shipment__order")
        .order_by("scheduled_for", "id")
    )
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
    from portal import db

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
