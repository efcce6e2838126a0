"""One lane of a dispatch pass: its messages marked in flight, sent one after another,
and every outcome recorded (:mod:`portal.notifications.dispatcher` claims the messages
and splits a pass into lanes).

Sent outcomes are written in the background while the lane goes on sending
(:class:`Recorder`); failures are retried later with exponential backoff and jitter, or
given up (:func:`_record_failure`); an outcome in hand is written however long the
database takes (:func:`until_recorded`), and meanwhile the pass sends nothing else.
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

from portal import db
from portal.core import draining, timezones
from portal.leased_queue import backoff_delay as queue_backoff
from portal.models import Channel, MessageState, Order, OutboxMessage, Shipment
from portal.notifications import in_flight, rows
from portal.notifications.base import DeliveryError, MessageChannel, Sent
from portal.notifications.sms import OPTED_OUT, honour_opt_out
from portal.settings import Settings

log = logging.getLogger(__name__)

#: Waiting for the database to record an outcome: first pause, longest pause, and how long
#: a stopping worker keeps trying after its grace period ran out.
RECORD_RETRY_FIRST = 0.5
RECORD_RETRY_CAP = 2.0
RECORD_AFTER_CANCEL = 30.0
MAX_ATTEMPTS = 6
#: Sent outcomes a pass lets wait for the database (while one write is under way) before
#: its lanes stop sending until they are written: what a killed worker can send twice (a stop
#: or an outage sends nothing twice).
RECORD_BACKLOG = 16
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)


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


async def _order_of(message: OutboxMessage) -> Order | None:
    """The order of the message's shipment (its shipping country places the recipient),
    read here: the pass loads it only for the messages that need it, the failed ones."""
    if message.shipment_id is None:
        return None
    shipment = await Shipment.get_or_none(id=message.shipment_id).select_related("order")
    return shipment.order if shipment is not None else None


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
        order = await _order_of(message)
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
        await honour_opt_out(message.customer_id)
    return False


@dataclass
class Pass:
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


async def until_recorded(state: Pass, message_id: int, record: Callable[[], Awaitable[Any]]) -> Any:
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


async def _mark(state: Pass, messages: list[OutboxMessage]) -> set[int] | None:
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
    sender: MessageChannel, message: OutboxMessage, state: Pass, recovered: Sent | None = None
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
    state: Pass,
    report: DispatchReport,
    message: OutboxMessage,
    error: DeliveryError,
    now: datetime,
    unsure: bool = False,
) -> None:
    record = partial(_record_failure, settings, message, error, now, unsure)
    if await until_recorded(state, message.id, record):
        report.retried += 1
    else:
        report.failed += 1


async def _deliver_unsure(
    settings: Settings,
    message: OutboxMessage,
    sender: MessageChannel,
    report: DispatchReport,
    now: datetime,
    state: Pass,
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
        await until_recorded(state, message.id, record)
        report.sent += 1
    elif outcome is not None:
        await _settle_failure(settings, state, report, message, outcome, now)


class Recorder:
    """Sent outcomes, written in the background while the lanes go on sending: one write
    under way at a time, taking every outcome that came in meanwhile (from every lane of
    the pass that shares this recorder: fewer, larger statements), and at most
    :data:`RECORD_BACKLOG` waiting for it, so what a killed worker leaves unrecorded stays
    small; :meth:`flush` writes the rest."""

    def __init__(self, state: Pass, report: DispatchReport, now: datetime) -> None:
        self.state, self.report, self.now = state, report, now
        self.pending: list[tuple[rows.Key, Sent]] = []
        self.task: asyncio.Task[None] | None = None

    async def add(self, message: OutboxMessage, sent: Sent) -> None:
        self.pending.append((rows.key(message), sent))
        while self.task is not None and not self.task.done():
            if len(self.pending) < RECORD_BACKLOG:
                return
            # The database lags: wait rather than let unrecorded sends pile up (shielded:
            # a cancelled lane must not cancel a write of outcomes in hand).
            await asyncio.shield(self.task)
        if self.task is not None:
            self.task.result()  # a write that failed with a bug fails the lane
        if not self.pending:  # another lane, woken first, took them into its write
            return
        batch, self.pending = self.pending, []
        self.task = asyncio.create_task(self._write(batch))

    async def _write(self, batch: list[tuple[rows.Key, Sent]]) -> None:
        record = partial(in_flight.record_sent, batch, self.now)
        await until_recorded(self.state, batch[0][0][0], record)
        self.report.sent += len(batch)

    async def flush(self) -> None:
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)
        if self.task is not None:
            self.task.result()
        batch, self.pending = self.pending, []
        if batch:
            await self._write(batch)


async def deliver_all(
    settings: Settings,
    messages: list[OutboxMessage],
    sender: MessageChannel,
    report: DispatchReport,
    now: datetime,
    state: Pass,
    recorder: Recorder | None = None,
) -> None:
    """One lane: its messages marked in flight with one statement before the first is
    sent, then sent in order, the sent ones recorded a few per statement meanwhile by
    ``recorder`` (shared by the pass's lanes; the lane's own without one), and the rest
    when the lane ends, stops or is cancelled: an outcome in hand is always written. A
    message an earlier attempt died sending is looked up and sent on its own."""
    fresh = [m for m in messages if m.attempt_id is None]
    marked = await _mark(state, fresh) if fresh else set()
    if marked is None:
        return
    recorder = recorder or Recorder(state, report, now)
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
