"""Shipment events become outbox messages: the right trigger, once, for willing customers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from tortoise.transactions import in_transaction

from portal import events
from portal.models import Channel, DomainEvent, NotificationTemplate, OutboxMessage
from portal.notifications.base import Trigger
from portal.notifications.composer import channels_for
from portal.notifications.shipments import SHIPMENTS
from portal.notifications.triggers import enqueue_for_event, trigger_for
from portal.settings import Settings
from tests.notifications.helpers import emit_status, parcel

NOON_UTC = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def daytime() -> object:
    with time_machine.travel(NOON_UTC, tick=True) as traveller:
        yield traveller


def test_statuses_map_to_triggers() -> None:
    changed = events.SHIPMENT_STATUS_CHANGED
    assert trigger_for(changed, {"new_status": "info_received"}) == "shipped"
    assert trigger_for(changed, {"new_status": "in_transit"}) == "shipped"
    assert trigger_for(changed, {"new_status": "available_for_pickup"}) == "ready_for_pickup"
    assert trigger_for(changed, {"new_status": "pending"}) is None
    assert trigger_for(changed, {"new_status": "expired"}) is None
    assert trigger_for(events.SHIPMENT_DELAYED, {}) == "delayed"
    assert trigger_for("return.approved", {"new_status": "delivered"}) is None


async def test_a_delivered_event_queues_an_email_in_the_customers_language(
    db: str, settings: Settings
) -> None:
    p = await parcel(customer={"locale": "pl-PL", "email": "anna@example.test"})
    await emit_status(p.shipment, "delivered", old_status="out_for_delivery", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert message.channel == Channel.EMAIL
    assert message.trigger == "delivered"
    assert message.recipient == "anna@example.test"
    assert message.unique_key == f"shipment:{p.shipment.id}:delivered:email"
    assert message.locale == "pl"
    assert message.subject == "Twoja przesyłka została doręczona"
    assert "została doręczona" in message.body_text
    assert "https://portal.test/t/" in message.body_text
    assert message.body_html is not None and "Śledź przesyłkę" in message.body_html
    assert message.state == "pending"
    # Sent now, not held: noon is outside quiet hours. The clock ticks from noon (the
    # fixture), so the margin is the test's own run time on a loaded machine, far below
    # the hours a hold would add.
    assert abs(message.scheduled_for - NOON_UTC) < timedelta(minutes=2)


async def test_label_created_then_in_transit_is_one_shipped_message(
    db: str, settings: Settings
) -> None:
    p = await parcel()
    await emit_status(p.shipment, "info_received", old_status="pending", settings=settings)
    await emit_status(p.shipment, "in_transit", old_status="info_received", settings=settings)
    await emit_status(p.shipment, "in_transit", old_status="exception", settings=settings)

    assert await OutboxMessage.filter(shipment_id=p.shipment.id, trigger="shipped").count() == 1


async def test_the_same_trigger_twice_makes_one_message(db: str, settings: Settings) -> None:
    p = await parcel()
    await emit_status(p.shipment, "out_for_delivery", settings=settings)
    await emit_status(p.shipment, "out_for_delivery", settings=settings)

    assert await OutboxMessage.filter(shipment_id=p.shipment.id).count() == 1


async def test_concurrent_duplicate_events_still_make_one_message(
    db: str, settings: Settings
) -> None:
    p = await parcel()
    event = DomainEvent(
        merchant_id=p.merchant.id,
        kind=events.SHIPMENT_STATUS_CHANGED,
        subject_type="shipment",
        subject_id=p.shipment.id,
        payload={"old_status": "in_transit", "new_status": "delivered"},
        occurred_at=datetime.now(UTC),
    )

    first_wrote = asyncio.Event()

    async def second_worker() -> list[str]:
        await first_wrote.wait()
        async with in_transaction() as conn:
            return await enqueue_for_event(event, conn, settings=settings)

    # Started outside the first transaction, so it gets its own connection.
    racing = asyncio.create_task(second_worker())
    async with in_transaction() as conn:
        assert await enqueue_for_event(event, conn, settings=settings)
        # The second worker cannot see the uncommitted row; on PostgreSQL its insert
        # waits on the unique index and then does nothing.
        first_wrote.set()
        await asyncio.sleep(0.3)
    await racing

    assert await OutboxMessage.filter(shipment_id=p.shipment.id).count() == 1


async def test_events_from_before_the_import_send_nothing(db: str, settings: Settings) -> None:
    p = await parcel()
    before_import = p.shipment.created_at - timedelta(days=2)
    await emit_status(p.shipment, "info_received", occurred_at=before_import, settings=settings)
    await emit_status(
        p.shipment, "delivered", occurred_at=before_import + timedelta(days=1), settings=settings
    )

    assert await OutboxMessage.filter(shipment_id=p.shipment.id).count() == 0


async def test_an_event_after_the_first_sync_is_sent(db: str, settings: Settings) -> None:
    p = await parcel()
    await emit_status(
        p.shipment,
        "in_transit",
        occurred_at=p.shipment.created_at - timedelta(1),
        settings=settings,
    )
    await emit_status(p.shipment, "delivered", occurred_at=datetime.now(UTC), settings=settings)

    assert await OutboxMessage.filter(shipment_id=p.shipment.id).values_list(
        "trigger", flat=True
    ) == ["delivered"]


async def test_sms_goes_only_to_customers_who_opted_in_with_a_valid_number(
    db: str, settings: Settings
) -> None:
    willing = await parcel(customer={"phone": "+48 601 234 567", "sms_opt_in": True})
    unwilling = await parcel(customer={"phone": "+48601234568", "sms_opt_in": False})
    no_phone = await parcel(customer={"sms_opt_in": True})
    bad_phone = await parcel(customer={"phone": "12", "sms_opt_in": True})
    for p in (willing, unwilling, no_phone, bad_phone):
        await emit_status(p.shipment, "out_for_delivery", settings=settings)

    sms = await OutboxMessage.filter(channel=Channel.SMS)
    assert [(m.shipment_id, m.recipient) for m in sms] == [(willing.shipment.id, "+48601234567")]
    assert await OutboxMessage.filter(channel=Channel.EMAIL).count() == 4


async def test_an_email_opt_out_or_a_missing_address_sends_nothing(
    db: str, settings: Settings
) -> None:
    opted_out = await parcel(customer={"email_opt_in": False})
    no_email = await parcel(customer={"email": None}, order={"email": ""})
    await emit_status(opted_out.shipment, "delivered", settings=settings)
    await emit_status(no_email.shipment, "delivered", settings=settings)

    assert await OutboxMessage.all().count() == 0


async def test_the_order_email_stands_in_for_a_customer_without_one(
    db: str, settings: Settings
) -> None:
    p = await parcel(customer={"email": None}, order={"email": "buyer@example.test"})
    await emit_status(p.shipment, "delivered", settings=settings)

    assert (await OutboxMessage.get(shipment_id=p.shipment.id)).recipient == "buyer@example.test"


async def test_merchant_rules_choose_the_channels(db: str, settings: Settings) -> None:
    p = await parcel(
        merchant={"notification_rules": {"delivered": ["sms"], "out_for_delivery": []}},
        customer={"phone": "+40722123456", "sms_opt_in": True},
    )
    await emit_status(p.shipment, "out_for_delivery", settings=settings)
    await emit_status(p.shipment, "delivered", settings=settings)
    await emit_status(p.shipment, "exception", reason="damaged", settings=settings)

    keys = sorted(await OutboxMessage.all().values_list("trigger", "channel"))
    assert keys == [("delivered", "sms"), ("exception", "email"), ("exception", "sms")]
    assert channels_for(p.merchant, SHIPMENTS, Trigger.DELIVERED) == [Channel.SMS]
    assert channels_for(p.merchant, SHIPMENTS, Trigger.SHIPPED) == [Channel.EMAIL]  # default kept


async def test_the_exception_message_explains_the_reason_in_plain_words(
    db: str, settings: Settings
) -> None:
    p = await parcel(customer={"locale": "ru"})
    await emit_status(p.shipment, "exception", reason="customs_hold", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert message.subject == "Проблема с доставкой посылки"
    assert "Посылка задержана на таможне." in message.body_text
    assert "customs_hold" not in message.body_text


async def test_an_exception_without_a_reason_says_the_carrier_has_not_said(
    db: str, settings: Settings
) -> None:
    p = await parcel()
    await emit_status(p.shipment, "exception", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert "The carrier has not said why yet." in message.body_text


async def test_a_delay_queues_one_delay_message(db: str, settings: Settings) -> None:
    p = await parcel(customer={"locale": "el"})
    await emit_status(p.shipment, "in_transit", kind=events.SHIPMENT_DELAYED, settings=settings)
    await emit_status(p.shipment, "in_transit", kind=events.SHIPMENT_DELAYED, settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert message.trigger == "delayed"
    assert message.subject == "Το δέμα σας καθυστερεί"


async def test_a_delay_message_gives_the_new_eta(db: str, settings: Settings) -> None:
    p = await parcel(customer={"locale": "en"})
    await emit_status(
        p.shipment,
        "in_transit",
        kind=events.SHIPMENT_DELAYED,
        old_eta="2026-06-11",
        new_eta="2026-06-15",
        settings=settings,
    )

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert "now expects to deliver it on Monday, June 15, 2026." in message.body_text


async def test_a_broken_merchant_template_falls_back_to_the_default(
    db: str, settings: Settings
) -> None:
    p = await parcel()
    await NotificationTemplate.create(  # saved before a variable was renamed, say
        merchant=p.merchant,
        trigger="delivered",
        channel="email",
        locale="en",
        subject="{{ parcel_number }}",
        body="{{ greeting }}",
    )
    await emit_status(p.shipment, "delivered", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert message.subject == "Your parcel has been delivered"


async def test_pending_and_expired_statuses_send_nothing(db: str, settings: Settings) -> None:
    p = await parcel()
    await emit_status(p.shipment, "pending", settings=settings)
    await emit_status(p.shipment, "expired", settings=settings)

    assert await OutboxMessage.all().count() == 0


async def test_return_shipments_send_nothing(db: str, settings: Settings) -> None:
    p = await parcel(shipment={"direction": "return"})
    await emit_status(p.shipment, "delivered", settings=settings)

    assert await OutboxMessage.all().count() == 0


async def test_the_message_rolls_back_with_its_cause(db: str, settings: Settings) -> None:
    p = await parcel()
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await events.emit(
                merchant_id=p.merchant.id,
                kind=events.SHIPMENT_STATUS_CHANGED,
                subject_type="shipment",
                subject_id=p.shipment.id,
                payload={"old_status": "in_transit", "new_status": "delivered"},
                using_db=conn,
                settings=settings,
            )
            raise RuntimeError("the status change failed after the event")

    assert await OutboxMessage.all().count() == 0


async def test_a_merchant_override_replaces_the_default_template(
    db: str, settings: Settings
) -> None:
    p = await parcel(merchant={"name": "Zielony Sklep"}, customer={"locale": "pl"})
    await NotificationTemplate.create(
        merchant=p.merchant,
        trigger="delivered",
        channel="email",
        locale="pl",
        subject="{{ merchant.name }}: paczka u Ciebie!",
        body="{{ greeting }}\n\nPaczka {{ tracking_number }} dotarła.",
    )
    await emit_status(p.shipment, "delivered", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert message.subject == "Zielony Sklep: paczka u Ciebie!"
    assert f"Paczka {p.shipment.tracking_number} dotarła." in message.body_text
