"""The dispatcher claims due messages once, sends them, and records every outcome."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
import time_machine

from portal.models import Customer, MessageState, OutboxMessage
from portal.notifications import devmailbox
from portal.notifications.dispatcher import (
    LEASE,
    MAX_ATTEMPTS,
    backoff_delay,
    claim_due,
    dispatch_command,
    dispatch_job,
    dispatch_once,
)
from portal.settings import Settings
from tests.notifications.helpers import (
    MESSAGES_URL,
    Parcel,
    SmtpSink,
    emit_status,
    make_settings,
    outbox_message,
    parcel,
    twilio_payload,
    twilio_settings,
)

NOON_WARSAW = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)


def smtp_settings(sink: SmtpSink, **overrides: object) -> Settings:
    return make_settings(smtp_url=f"smtp://127.0.0.1:{sink.port}", **overrides)


async def sms_parcel(**customer: object) -> Parcel:
    fields = {"phone": "+48601234567", "sms_opt_in": True, "time_zone": "Europe/Warsaw"}
    return await parcel(customer={**fields, **customer})


async def test_it_sends_due_email_and_records_it(db: str, smtp_sink: SmtpSink) -> None:
    p = await parcel()
    message = await outbox_message(p, scheduled_for=NOON_WARSAW)

    report = await dispatch_once(smtp_settings(smtp_sink), now=NOON_WARSAW)

    assert (report.claimed, report.sent, report.more) == (1, 1, False)
    await message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert message.provider_id == f"<notification.{message.id}@portal.test>"
    assert message.delivery_status == "accepted"
    assert message.sent_at == NOON_WARSAW
    assert (message.attempts, message.lease_until) == (1, None)
    assert smtp_sink.messages[0]["Message-ID"] == message.provider_id


async def test_messages_wait_for_their_time(db: str, smtp_sink: SmtpSink) -> None:
    p = await parcel()
    await outbox_message(p, scheduled_for=NOON_WARSAW + timedelta(hours=1))

    assert (await dispatch_once(smtp_settings(smtp_sink), now=NOON_WARSAW)).claimed == 0
    assert (
        await dispatch_once(smtp_settings(smtp_sink), now=NOON_WARSAW + timedelta(hours=1))
    ).sent == 1


async def test_a_leased_message_is_claimed_once_until_its_lease_runs_out(db: str) -> None:
    p = await parcel()
    message = await outbox_message(p, scheduled_for=NOON_WARSAW)

    assert await claim_due(now=NOON_WARSAW, limit=10) == [message.id]
    assert await claim_due(now=NOON_WARSAW + LEASE / 2, limit=10) == []
    # The first worker died: after its lease another worker takes the message over.
    assert await claim_due(now=NOON_WARSAW + LEASE, limit=10) == [message.id]
    await message.refresh_from_db()
    assert message.attempts == 2


async def test_two_dispatchers_never_send_one_message_twice(db: str, smtp_sink: SmtpSink) -> None:
    p = await parcel()
    for number in range(30):
        await outbox_message(p, trigger=f"t{number}", scheduled_for=NOON_WARSAW)
    settings = smtp_settings(smtp_sink)

    reports = await asyncio.gather(
        *(dispatch_once(settings, now=NOON_WARSAW, limit=8) for _ in range(4))
    )
    while (await dispatch_once(settings, now=NOON_WARSAW, limit=8)).claimed:
        pass

    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert sum(r.claimed for r in reports) <= 30
    assert await OutboxMessage.filter(state=MessageState.SENT, attempts=1).count() == 30


@respx.mock
async def test_a_transient_failure_is_retried_later_with_backoff(db: str) -> None:
    respx.post(MESSAGES_URL).mock(return_value=httpx.Response(503, text="unavailable"))
    p = await sms_parcel()
    message = await outbox_message(p, channel="sms", scheduled_for=NOON_WARSAW)
    settings = twilio_settings()

    report = await dispatch_once(settings, now=NOON_WARSAW)

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    await message.refresh_from_db()
    assert message.state == MessageState.PENDING and message.attempts == 1
    assert message.lease_until is None and "503" in (message.error or "")
    delay = message.scheduled_for - NOON_WARSAW
    assert timedelta(seconds=48) <= delay <= timedelta(seconds=72)  # one minute ± 20 %

    now = message.scheduled_for
    await dispatch_once(settings, now=now)
    await message.refresh_from_db()
    assert timedelta(seconds=96) <= message.scheduled_for - now <= timedelta(seconds=144)


@respx.mock
async def test_it_gives_up_after_the_last_attempt(db: str) -> None:
    respx.post(MESSAGES_URL).mock(side_effect=httpx.ConnectTimeout("slow"))
    p = await sms_parcel()
    message = await outbox_message(p, channel="sms", scheduled_for=NOON_WARSAW)
    now = NOON_WARSAW
    for _ in range(MAX_ATTEMPTS):
        await dispatch_once(twilio_settings(), now=now)
        await message.refresh_from_db()
        now = max(now, message.scheduled_for)

    assert message.state == MessageState.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert "timed out" in (message.error or "")


async def test_a_retry_never_lands_in_quiet_hours(db: str) -> None:
    p = await sms_parcel()
    late = datetime(2026, 6, 10, 18, 59, 30, tzinfo=UTC)  # 20:59:30 in Warsaw
    message = await outbox_message(p, channel="sms", scheduled_for=late)
    with respx.mock:
        respx.post(MESSAGES_URL).mock(return_value=httpx.Response(500, text="oops"))
        await dispatch_once(twilio_settings(), now=late)

    await message.refresh_from_db()
    assert message.scheduled_for == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)  # 08:00 next day


async def test_a_retry_keeps_to_the_quiet_hours_of_the_orders_shipping_country(db: str) -> None:
    """No zone on the customer: the order's shipping country places them (the shipment and
    order are read for the failure, not loaded with every message)."""
    p = await parcel(
        merchant={"time_zone": "America/New_York"},
        customer={"phone": "+48601234567", "sms_opt_in": True, "time_zone": None},
        order={"ship_country": "PL"},
    )
    late = datetime(2026, 6, 10, 18, 59, 30, tzinfo=UTC)  # 20:59:30 in Warsaw
    message = await outbox_message(p, channel="sms", scheduled_for=late)
    with respx.mock:
        respx.post(MESSAGES_URL).mock(return_value=httpx.Response(500, text="oops"))
        await dispatch_once(twilio_settings(), now=late)

    await message.refresh_from_db()
    assert message.scheduled_for == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)  # 08:00 in Warsaw


def test_backoff_doubles_up_to_a_cap() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, rng) for n in range(1, 12)]
    assert all(a < b for a, b in itertools.pairwise(delays[:8]))  # doubling beats jitter
    assert max(delays) <= timedelta(hours=6) * 1.2


@respx.mock
async def test_an_invalid_number_fails_at_once(db: str) -> None:
    respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(400, json=twilio_payload("error_21211"))
    )
    p = await sms_parcel()
    message = await outbox_message(p, channel="sms", scheduled_for=NOON_WARSAW)

    report = await dispatch_once(twilio_settings(), now=NOON_WARSAW)

    assert report.failed == 1
    await message.refresh_from_db()
    assert message.state == MessageState.FAILED and "21211" in (message.error or "")
    assert (await Customer.get(id=p.customer.id)).sms_opt_in is True


@respx.mock
async def test_an_opted_out_recipient_clears_the_customers_sms_consent(db: str) -> None:
    respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(400, json=twilio_payload("error_21610"))
    )
    p = await sms_parcel()
    message = await outbox_message(p, channel="sms", scheduled_for=NOON_WARSAW)

    await dispatch_once(twilio_settings(), now=NOON_WARSAW)

    await message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert (await Customer.get(id=p.customer.id)).sms_opt_in is False


@respx.mock
async def test_a_sent_sms_records_twilios_sid(db: str) -> None:
    route = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created", status="queued"))
    )
    p = await sms_parcel()
    message = await outbox_message(p, channel="sms", scheduled_for=NOON_WARSAW)
    async with httpx.AsyncClient() as http:
        report = await dispatch_once(twilio_settings(), now=NOON_WARSAW, http_client=http)

    assert report.sent == 1 and route.call_count == 1
    await message.refresh_from_db()
    assert message.provider_id == "SM11111111111111111111111111111111"
    assert (message.state, message.delivery_status) == (MessageState.SENT, "queued")


async def test_a_customer_who_opted_out_meanwhile_gets_nothing(
    db: str, smtp_sink: SmtpSink
) -> None:
    p = await parcel()
    message = await outbox_message(p, scheduled_for=NOON_WARSAW)
    await Customer.filter(id=p.customer.id).update(email_opt_in=False)

    report = await dispatch_once(smtp_settings(smtp_sink), now=NOON_WARSAW)

    assert report.cancelled == 1 and smtp_sink.messages == []
    await message.refresh_from_db()
    assert message.state == MessageState.CANCELLED


async def test_without_smtp_or_twilio_messages_go_to_the_dev_mailbox(db: str) -> None:
    p = await sms_parcel()
    email = await outbox_message(p, scheduled_for=NOON_WARSAW)
    sms = await outbox_message(p, channel="sms", scheduled_for=NOON_WARSAW)

    report = await dispatch_once(make_settings(), now=NOON_WARSAW)

    assert report.sent == 2
    for message in (email, sms):
        await message.refresh_from_db()
        assert message.state == MessageState.SENT
        assert message.provider_id == f"devmailbox:{message.id}"
    listed = await devmailbox.mailbox_messages(10)
    assert {m.id for m in listed} == {email.id, sms.id}
    assert listed[0].merchant.name == p.merchant.name
    assert [m.id for m in await devmailbox.mailbox_messages(10, channel="sms")] == [sms.id]
    assert (await devmailbox.mailbox_message(email.id)) is not None


async def test_a_message_without_shipment_or_customer_is_still_sent(
    db: str, smtp_sink: SmtpSink
) -> None:
    p = await parcel()
    message = await outbox_message(p, scheduled_for=NOON_WARSAW)
    await OutboxMessage.filter(id=message.id).update(shipment_id=None, customer_id=None)

    report = await dispatch_once(smtp_settings(smtp_sink), now=NOON_WARSAW)

    assert report.sent == 1
    assert "List-Unsubscribe" not in smtp_sink.messages[0]


async def test_production_never_uses_the_dev_mailbox(db: str) -> None:
    p = await parcel()
    message = await outbox_message(p, scheduled_for=NOON_WARSAW)
    settings = make_settings(mode="production")

    report = await dispatch_once(settings, now=NOON_WARSAW)

    assert report.retried == 1
    await message.refresh_from_db()
    assert message.state == MessageState.PENDING and "SMTP is not configured" in (
        message.error or ""
    )


async def test_the_scheduler_job_does_one_pass_and_says_whether_more_waits(
    db: str, smtp_sink: SmtpSink
) -> None:
    p = await parcel()
    for number in range(3):
        await outbox_message(p, trigger=f"t{number}")

    assert await dispatch_job(smtp_settings(smtp_sink)) is False
    assert len(smtp_sink.messages) == 3


async def test_the_command_runs_one_pass(db: str) -> None:
    p = await parcel()
    await outbox_message(p)
    lines: list[str] = []

    assert await dispatch_command(make_settings(), connect=False, echo=lines.append) == 0
    assert lines == ["dispatch: claimed 1, sent 1, retried 0, failed 0, cancelled 0"]


@pytest.mark.parametrize("body", ["not json", ""])
@respx.mock
async def test_an_unexpected_reply_is_retried_not_fatal(db: str, body: str) -> None:
    respx.post(MESSAGES_URL).mock(return_value=httpx.Response(201, text=body))
    p = await sms_parcel()
    await outbox_message(p, channel="sms", scheduled_for=NOON_WARSAW)

    report = await dispatch_once(twilio_settings(), now=NOON_WARSAW)

    assert (report.sent, report.retried) == (0, 1)


async def test_a_status_change_reaches_the_customers_inbox(db: str, smtp_sink: SmtpSink) -> None:
    settings = smtp_settings(smtp_sink)
    with time_machine.travel(datetime(2026, 6, 10, 12, tzinfo=UTC), tick=True):
        p = await parcel(
            merchant={"name": "Zielony Sklep", "branding": {"primary_color": "#0a7d32"}},
            customer={"locale": "ro", "name": "Ioana", "time_zone": "UTC"},
        )
        await emit_status(p.shipment, "out_for_delivery", settings=settings)
        report = await dispatch_once(settings)

    assert report.sent == 1
    email = smtp_sink.messages[0]
    assert email["Subject"] == "Coletul tău este în curs de livrare astăzi"
    assert email["From"] == "Zielony Sklep <no-reply@portal.test>"
    plain = email.get_body(preferencelist=("plain",))
    html = email.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert "Bună ziua, Ioana," in plain.get_content()
    assert "Urmărește coletul: https://portal.test/t/" in plain.get_content()
    assert "#0a7d32" in html.get_content()
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
