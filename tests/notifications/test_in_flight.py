"""In-flight marks and outcomes written a few messages per statement
(:mod:`portal.notifications.in_flight`): every mark still lands before its send, every
outcome in hand is written, and a pass that stops or is cancelled part way through a batch
leaves only the message it was sending in doubt. E-mail goes to a real aiosmtpd sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.core import draining
from portal.models import MessageState, OutboxMessage
from portal.notifications import dispatcher, in_flight, rows
from portal.notifications.base import Sent
from portal.notifications.dispatcher import dispatch_once
from tests.notifications.helpers import (
    SmtpSink,
    due_messages,
    free_port,
    listening,
    parcel,
    smtp_settings,
)


class WatchedSink(SmtpSink):
    """A sink that takes ``delay`` seconds a message and tells the test's event loop each
    time one arrives (the handler runs in the controller's thread)."""

    delay: float = 0.0
    loop: asyncio.AbstractEventLoop | None = None
    arrived: asyncio.Queue[int] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.loop is not None and self.arrived is not None:
            self.loop.call_soon_threadsafe(self.arrived.put_nowait, 1)
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink() -> Iterator[WatchedSink]:
    try:
        with listening(WatchedSink(port=free_port())) as handler:
            yield handler
    finally:
        draining.reset()


def watch(sink: WatchedSink, delay: float) -> asyncio.Queue[int]:
    sink.delay, sink.loop, sink.arrived = delay, asyncio.get_running_loop(), asyncio.Queue()
    return sink.arrived


async def test_a_lane_marks_its_messages_before_the_first_is_sent_and_records_them_meanwhile(
    db: str, sink: WatchedSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher, "LANES", 1)
    arrived = watch(sink, delay=0.2)
    total = 11
    await due_messages(await parcel(), total)

    work = asyncio.create_task(dispatch_once(smtp_settings(sink)))
    await arrived.get()  # the first message is at the server
    marked = await OutboxMessage.filter(attempt_id__isnull=False)
    for _ in range(9):
        await arrived.get()
    recorded_while_sending = await OutboxMessage.filter(state=MessageState.SENT).count()
    report = await work

    assert len(marked) == total and len({m.attempt_id for m in marked}) == 1
    assert all(m.sending_since is not None for m in marked)
    # Outcomes were written while the lane went on sending, not all at its end.
    assert 1 <= recorded_while_sending <= 9
    assert report.sent == total
    rows = await OutboxMessage.all()
    assert all(m.state == MessageState.SENT and m.attempt_id is None for m in rows)


async def test_each_row_of_a_batch_gets_its_own_outcome(db: str, sink: WatchedSink) -> None:
    messages = await due_messages(await parcel(), 11)

    report = await dispatch_once(smtp_settings(sink))

    assert report.sent == 11
    for message in messages:
        await message.refresh_from_db()
        assert message.state == MessageState.SENT
        assert message.provider_id == f"<notification.{message.id}@portal.test>"
        assert (message.delivery_status, message.attempts) == ("accepted", 1)
        assert (message.lease_until, message.attempt_id, message.sending_since) == (None,) * 3
    assert sorted(m["Message-ID"] for m in sink.messages) == sorted(
        f"<notification.{m.id}@portal.test>" for m in messages
    )


async def test_a_pass_cancelled_mid_batch_records_what_it_sent_and_hands_back_the_rest(
    db: str, sink: WatchedSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grace period runs out while the third message of a batch is at the server: the
    two sent are recorded, the third stays marked (an attempt died sending it), and the
    rest are unmarked and due again, their attempt uncounted."""
    monkeypatch.setattr(dispatcher, "LANES", 1)
    arrived = watch(sink, delay=0.3)
    await due_messages(await parcel(), 8)

    work = asyncio.create_task(dispatch_once(smtp_settings(sink)))
    for _ in range(3):
        await arrived.get()
    work.cancel()
    with pytest.raises(asyncio.CancelledError):
        await work

    rows = await OutboxMessage.all().order_by("id")
    sent = [m for m in rows if m.state == MessageState.SENT]
    in_doubt = [m for m in rows if m.attempt_id is not None]
    handed_back = [m for m in rows if m.state == MessageState.PENDING and m.attempt_id is None]
    assert len(sent) == 2 and all(m.provider_id for m in sent)
    assert len(in_doubt) == 1 and in_doubt[0].state == MessageState.PENDING
    assert len(handed_back) == 8 - 3
    assert all(m.lease_until is None and m.attempts == 0 for m in handed_back)


async def test_a_release_takes_off_only_its_own_attempts_marks(db: str) -> None:
    p = await parcel()
    ours, dead = await due_messages(p, 2)
    now = datetime.now(UTC)
    await OutboxMessage.filter(id__in=[ours.id, dead.id]).update(
        lease_until=now + timedelta(seconds=30), attempts=1
    )
    assert await in_flight.mark([rows.key(ours)], "ours", now) == {ours.id}
    assert await in_flight.mark([rows.key(dead)], "dead", now - timedelta(minutes=5)) == {dead.id}

    assert await in_flight.release(rows.keys([ours, dead]), "ours") == 2

    await ours.refresh_from_db()
    await dead.refresh_from_db()
    assert (ours.attempt_id, ours.sending_since, ours.lease_until, ours.attempts) == (
        None,
        None,
        None,
        0,
    )
    assert dead.attempt_id == "dead" and dead.sending_since is not None
    assert (dead.lease_until, dead.attempts) == (None, 0)


async def test_a_settled_row_is_neither_marked_nor_sent(db: str) -> None:
    p = await parcel()
    pending, cancelled = await due_messages(p, 2)
    await OutboxMessage.filter(id=cancelled.id).update(state=MessageState.CANCELLED)

    assert await in_flight.mark(rows.keys([pending, cancelled]), "a", datetime.now(UTC)) == {
        pending.id
    }
    assert await in_flight.record_sent(
        [(rows.key(pending), Sent("SM1", "queued"))], datetime.now(UTC)
    )
    await pending.refresh_from_db()
    assert (pending.state, pending.provider_id, pending.attempt_id) == (
        MessageState.SENT,
        "SM1",
        None,
    )
