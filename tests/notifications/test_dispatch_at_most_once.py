"""The dispatcher under stops and crashes: short leases kept alive while it works, work it has
not started handed back when it stops, and a message an attempt died sending resolved by the
provider's own records instead of being sent twice.

Twilio is faked at HTTP with respx in the documented shapes: creating a message
(https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource) and
reading the messages to a number (https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources,
filtered with ``To`` and ``DateSent>``); e-mail goes to a real aiosmtpd sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import respx

from benchmarks.tcp_proxy import TcpProxy
from portal import db as portal_db
from portal.core import draining
from portal.models import MessageState, OutboxMessage
from portal.notifications import dispatcher, lanes
from portal.notifications.dispatcher import IN_FLIGHT_GRACE, claim_due, dispatch_once
from portal.settings import Settings
from tests.conftest import POSTGRES_URL, _truncate_all
from tests.notifications.helpers import (
    MESSAGES_URL,
    Parcel,
    SmtpSink,
    due_messages,
    free_port,
    listening,
    outbox_message,
    parcel,
    smtp_settings,
    twilio_payload,
    twilio_settings,
)

BODY = "Shop: your parcel is out for delivery today."
STARTED = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)


class SlowSink(SmtpSink):
    """An SMTP sink that takes ``delay`` seconds to accept each message, and can ask the
    worker to stop after the first one (a SIGTERM arriving mid-batch)."""

    delay: float = 0.3
    stop_after_first: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        if self.stop_after_first:
            draining.request_stop()
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_sink() -> Iterator[SlowSink]:
    try:
        with listening(SlowSink(port=free_port())) as sink:
            yield sink
    finally:
        draining.reset()


async def test_a_stop_mid_pass_finishes_the_sends_under_way_and_hands_back_the_rest(
    db: str, slow_sink: SlowSink
) -> None:
    p = await parcel()
    await due_messages(p, 20)
    slow_sink.stop_after_first = True

    report = await dispatch_once(smtp_settings(slow_sink))

    # Each of the four lanes finishes the message it was sending, then starts no other.
    assert 1 <= report.sent <= dispatcher.LANES
    assert len(slow_sink.messages) == report.sent
    held = await OutboxMessage.filter(state=MessageState.PENDING)
    assert len(held) == 20 - report.sent
    assert all(m.lease_until is None and m.attempts == 0 for m in held)
    assert all(m.attempt_id is None for m in await OutboxMessage.all())

    draining.reset()
    slow_sink.stop_after_first = False
    slow_sink.delay = 0
    again = await dispatch_once(smtp_settings(slow_sink))

    assert again.sent == 20 - report.sent
    ids = [m["Message-ID"] for m in slow_sink.messages]
    assert len(ids) == len(set(ids)) == 20


async def test_a_stopping_worker_claims_nothing(db: str, slow_sink: SlowSink) -> None:
    p = await parcel()
    await due_messages(p, 3)
    draining.request_stop()

    report = await dispatch_once(smtp_settings(slow_sink))

    assert report.claimed == 0 and not slow_sink.messages
    assert await OutboxMessage.filter(lease_until__isnull=False).count() == 0


async def test_the_lease_is_renewed_while_the_pass_works(
    db: str, slow_sink: SlowSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A beat every tenth of the lease: a loaded machine may hold a renewal back for most
    # of a second (CI once did), and that must not count as a lapse here.
    monkeypatch.setattr(dispatcher, "LEASE", timedelta(seconds=1.0))
    monkeypatch.setattr(dispatcher, "HEARTBEAT", timedelta(seconds=0.1))
    monkeypatch.setattr(dispatcher, "LANES", 1)
    slow_sink.delay = 0.6
    p = await parcel()
    await due_messages(p, 4)

    work = asyncio.create_task(dispatch_once(smtp_settings(slow_sink)))
    await asyncio.sleep(2.0)  # twice the lease: without renewal it would have lapsed
    taken_by_another = await claim_due(now=datetime.now(UTC), limit=10)
    report = await work

    assert taken_by_another == []
    assert report.sent == 4 and len(slow_sink.messages) == 4


async def test_without_renewal_a_dead_workers_messages_come_back_within_a_lease(db: str) -> None:
    p = await parcel()
    (message,) = await due_messages(p, 1)
    now = datetime.now(UTC)

    assert await claim_due(now=now, limit=10) == [message.id]  # then the worker dies
    assert await claim_due(now=now + dispatcher.LEASE / 2, limit=10) == []
    assert await claim_due(now=now + dispatcher.LEASE, limit=10) == [message.id]
    assert timedelta(seconds=30) >= dispatcher.LEASE


async def in_flight(p: Parcel, *, since: datetime, channel: str = "sms") -> OutboxMessage:
    """A message an attempt began sending at ``since`` and never recorded (it died)."""
    message = await outbox_message(p, channel=channel, scheduled_for=since, body_text=BODY)
    await OutboxMessage.filter(id=message.id).update(
        attempt_id="dead0000attempt0000000000000000", sending_since=since, attempts=1
    )
    return message


async def sms_parcel() -> Parcel:
    return await parcel(customer={"phone": "+48601234567", "sms_opt_in": True})


@respx.mock
async def test_an_sms_twilio_already_has_is_recorded_not_sent_again(db: str) -> None:
    listed = respx.get(MESSAGES_URL).mock(
        return_value=httpx.Response(200, json=twilio_payload("messages_list"))
    )
    created = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    message = await in_flight(await sms_parcel(), since=STARTED)

    async with httpx.AsyncClient() as http:
        report = await dispatch_once(
            twilio_settings(), now=STARTED + timedelta(minutes=2), http_client=http
        )

    assert (report.sent, created.call_count, listed.call_count) == (1, 0, 1)
    query = listed.calls[0].request.url.params
    assert query["To"] == "+48601234567"
    assert query["DateSent>"].startswith("2026-06-10T09:58")
    await message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert message.provider_id == "SM22222222222222222222222222222222"
    assert (message.attempt_id, message.sending_since) == (None, None)


@respx.mock
async def test_an_sms_twilio_never_got_is_sent_again_once(db: str) -> None:
    empty = twilio_payload("messages_list", messages=[])
    respx.get(MESSAGES_URL).mock(return_value=httpx.Response(200, json=empty))
    created = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    message = await in_flight(await sms_parcel(), since=STARTED)

    async with httpx.AsyncClient() as http:
        report = await dispatch_once(
            twilio_settings(), now=STARTED + timedelta(minutes=2), http_client=http
        )

    assert (report.sent, created.call_count) == (1, 1)
    await message.refresh_from_db()
    assert message.provider_id == "SM11111111111111111111111111111111"


@respx.mock
async def test_an_sms_with_another_body_is_not_taken_for_ours(db: str) -> None:
    other = twilio_payload("messages_list")
    other["messages"][0]["body"] = "Shop: your return has arrived."
    respx.get(MESSAGES_URL).mock(return_value=httpx.Response(200, json=other))
    created = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    await in_flight(await sms_parcel(), since=STARTED)

    async with httpx.AsyncClient() as http:
        await dispatch_once(twilio_settings(), now=STARTED + timedelta(minutes=2), http_client=http)

    assert created.call_count == 1


@respx.mock
async def test_when_twilio_cannot_say_the_message_waits_and_stays_marked(db: str) -> None:
    respx.get(MESSAGES_URL).mock(return_value=httpx.Response(503, text="unavailable"))
    created = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    message = await in_flight(await sms_parcel(), since=STARTED)

    async with httpx.AsyncClient() as http:
        report = await dispatch_once(
            twilio_settings(), now=STARTED + timedelta(minutes=2), http_client=http
        )

    assert (report.retried, created.call_count) == (1, 0)
    await message.refresh_from_db()
    assert message.state == MessageState.PENDING
    assert message.attempt_id == "dead0000attempt0000000000000000"
    assert message.scheduled_for > STARTED + timedelta(minutes=2)


async def test_an_email_an_attempt_died_sending_goes_again_with_the_same_message_id(
    db: str, slow_sink: SlowSink
) -> None:
    slow_sink.delay = 0
    message = await in_flight(await parcel(), since=STARTED, channel="email")

    report = await dispatch_once(smtp_settings(slow_sink), now=STARTED + timedelta(minutes=2))

    assert report.sent == 1
    assert slow_sink.messages[0]["Message-ID"] == f"<notification.{message.id}@portal.test>"


async def test_a_message_another_attempt_began_moments_ago_is_left_to_it(
    db: str, slow_sink: SlowSink
) -> None:
    message = await in_flight(await parcel(), since=STARTED, channel="email")
    soon = STARTED + timedelta(seconds=10)

    report = await dispatch_once(smtp_settings(slow_sink), now=soon)

    assert report.sent == 0 and not slow_sink.messages
    await message.refresh_from_db()
    assert message.lease_until == STARTED + IN_FLIGHT_GRACE
    assert message.attempts == 1
    assert await claim_due(now=STARTED + IN_FLIGHT_GRACE, limit=5) == [message.id]


async def test_an_outcome_that_cannot_be_recorded_stops_the_lane_until_the_database_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lanes, "RECORD_RETRY_FIRST", 0.01)
    state = lanes.Pass(unstarted={2, 3})
    tries: list[int] = []

    async def record() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise ConnectionRefusedError("database away")
        assert not state.may_start()  # meanwhile no lane starts another message
        return "recorded"

    assert await lanes.until_recorded(state, 1, record) == "recorded"
    assert len(tries) == 3


async def test_a_bug_while_recording_is_not_mistaken_for_an_outage() -> None:
    state = lanes.Pass(unstarted=set())

    async def record() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        await lanes.until_recorded(state, 1, record)
    assert not state.database_away


@pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_POSTGRES is not set")
async def test_a_database_outage_mid_pass_sends_nothing_twice(
    postgres_url: str, slow_sink: SlowSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database is black-holed while the first e-mail is being accepted, for 3 s: the
    lanes stop, the outcomes already in hand are recorded once it is back, and the rest are
    sent by the next pass, each exactly once."""
    monkeypatch.setattr(lanes, "RECORD_RETRY_CAP", 0.5)
    loop = asyncio.get_running_loop()
    upstream = httpx.URL(postgres_url.replace("postgres://", "http://"))
    proxy = await TcpProxy(upstream.host, upstream.port or 5432).start()
    parts = urlsplit(postgres_url)
    via = parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}")
    await portal_db.connect(via.geturl(), Settings(db_statement_timeout=0.5, db_connect_timeout=1))
    try:
        p = await parcel()
        await due_messages(p, 12)
        outage: list[bool] = []

        def cut() -> None:
            if not outage:
                outage.append(True)
                proxy.blackhole()
                loop.call_later(3.0, proxy.restore)

        class Cutting(SlowSink):
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                loop.call_soon_threadsafe(cut)
                return await super().handle_DATA(server, session, envelope)

        slow_sink.__class__ = Cutting
        first = await dispatch_once(smtp_settings(slow_sink))
        assert outage and first.sent < 12
        for _ in range(5):
            await asyncio.sleep(0.2)
            await dispatch_once(smtp_settings(slow_sink))
        ids = [m["Message-ID"] for m in slow_sink.messages]
        assert len(ids) == len(set(ids)) == 12
        assert await OutboxMessage.filter(state=MessageState.SENT).count() == 12
        assert await OutboxMessage.filter(attempt_id__isnull=False).count() == 0
    finally:
        proxy.restore()
        await portal_db.disconnect()
        await proxy.close()
        await portal_db.connect(postgres_url)  # the fixture truncates through its own
        await _truncate_all()
        await portal_db.disconnect()


async def test_a_worker_cancelled_at_the_end_of_its_grace_still_records_a_sent_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lanes, "RECORD_RETRY_FIRST", 0.05)
    state = lanes.Pass(unstarted=set())
    recorded: list[int] = []

    async def record() -> None:
        if len(recorded) < 1 and not task.cancelling():
            raise ConnectionRefusedError("database away")
        recorded.append(1)

    task = asyncio.create_task(lanes.until_recorded(state, 7, record))
    await asyncio.sleep(0.02)
    task.cancel()  # the grace period ran out while the database was away

    with pytest.raises(asyncio.CancelledError):
        await task
    assert recorded == [1]
