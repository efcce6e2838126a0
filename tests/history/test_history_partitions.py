"""Monthly partitions on PostgreSQL: created ahead, filled from the default partition when
late, and the unique keys still forbid a second scan, message or delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import connections

from portal.history import partitions
from portal.models import OutboxMessage, TrackingEvent, WebhookDelivery
from portal.tracking.store import EVENT_COLUMNS, bulk_insert_ignore
from tests import factories
from tests.history.helpers import at, delivery, endpoint, event, message, partition_of, scan


@pytest.fixture
def postgres(db: str) -> str:
    if not db.startswith("postgres"):
        pytest.skip("partitions are PostgreSQL's")
    return db


async def test_the_worker_creates_this_month_and_two_ahead(postgres: str) -> None:
    conn = connections.get("default")
    created = await partitions.ensure(conn, at(2031, 5))

    for table in ("tracking_event", "domain_event", "outbox_message", "webhook_delivery"):
        months = await partitions.monthly(conn, table)
        assert {at(2031, m, 1).replace(hour=0) for m in (4, 5, 6, 7)} <= set(months)
        assert f"{table}_p2031_07" in created
    assert await partitions.ensure(conn, at(2031, 5)) == []  # nothing twice


async def test_new_rows_land_in_their_months_partition(postgres: str) -> None:
    await partitions.ensure(connections.get("default"), at(2031, 5))
    shop = await factories.merchant()
    found = await scan(await factories.shipment(shop), at(2031, 6, 3))
    sent = await message(shop, at(2031, 7, 31))

    assert await partition_of("tracking_event", found.id) == "tracking_event_p2031_06"
    assert await partition_of("outbox_message", sent.id) == "outbox_message_p2031_07"


async def test_a_row_with_no_months_partition_goes_to_default_and_moves_when_it_comes(
    postgres: str,
) -> None:
    shop = await factories.merchant()
    stray = await scan(await factories.shipment(shop), at(2033, 1, 10))
    assert await partition_of("tracking_event", stray.id) == "tracking_event_default"

    await partitions.ensure(connections.get("default"), at(2033, 2))

    assert await partition_of("tracking_event", stray.id) == "tracking_event_p2033_01"
    assert await TrackingEvent.filter(id=stray.id).count() == 1


async def test_a_scan_is_stored_once_even_when_its_copies_differ_below_the_second(
    postgres: str,
) -> None:
    await partitions.ensure(connections.get("default"), at(2031, 5))
    shipment = await factories.shipment()
    when = at(2031, 5, 31).replace(hour=23, minute=59, second=59)
    rows = [
        (shipment.id, moment, "in_transit", None, "X", "", None, None, None, None, "X|key",
         "poll", moment)
        for moment in (when, when + timedelta(microseconds=500))
    ]  # fmt: skip
    conn = connections.get("default")

    await bulk_insert_ignore(conn, "tracking_event", EVENT_COLUMNS, rows)
    await bulk_insert_ignore(conn, "tracking_event", EVENT_COLUMNS, rows[:1])

    assert await TrackingEvent.filter(shipment_id=shipment.id).count() == 1


async def test_a_message_key_is_used_once_whatever_the_month(postgres: str) -> None:
    await partitions.ensure(connections.get("default"), at(2031, 5))
    shop = await factories.merchant()
    first = await message(shop, at(2031, 4), key="shipment:1:delivered:email")
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                merchant=shop,
                channel="email",
                recipient="b@example.test",
                trigger="delivered",
                unique_key="shipment:1:delivered:email",
                scheduled_for=at(2031, 6),
                created_at=at(2031, 6),
            )
        ],
        ignore_conflicts=True,
    )

    assert await OutboxMessage.filter(unique_key="shipment:1:delivered:email").count() == 1
    assert await partition_of("outbox_message", first.id) == "outbox_message_p2031_04"


async def test_a_message_moved_to_another_month_keeps_its_row(postgres: str) -> None:
    """An UPDATE of ``created_at`` across months is a delete and an insert between
    partitions: the key's own message passes its key check, a copy still does not."""
    await partitions.ensure(connections.get("default"), at(2031, 5))
    shop = await factories.merchant()
    moved = await message(shop, at(2031, 4), key="shipment:2:delivered:email")

    await OutboxMessage.filter(id=moved.id).update(created_at=at(2031, 5))

    assert await OutboxMessage.filter(unique_key="shipment:2:delivered:email").count() == 1
    assert await partition_of("outbox_message", moved.id) == "outbox_message_p2031_05"
    copy = OutboxMessage(
        merchant=shop, channel="email", recipient="b@example.test", trigger="delivered",
        unique_key="shipment:2:delivered:email", scheduled_for=at(2031, 6),
        created_at=at(2031, 6),
    )  # fmt: skip
    await OutboxMessage.bulk_create([copy], ignore_conflicts=True)
    assert await OutboxMessage.filter(unique_key="shipment:2:delivered:email").count() == 1


async def test_an_endpoint_gets_one_delivery_per_event_whatever_the_month(postgres: str) -> None:
    await partitions.ensure(connections.get("default"), at(2031, 5))
    shop = await factories.merchant()
    hook = await endpoint(shop)
    cause = await event(shop, at(2031, 4))
    await delivery(hook, at(2031, 4), cause=cause)
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(
                endpoint=hook,
                event=cause,
                topic="shipment.delivered",
                next_attempt_at=at(2031, 6),
                created_at=at(2031, 6),
            )
        ],
        ignore_conflicts=True,
    )
    await delivery(hook, at(2031, 6))  # pings carry no event: any number of them

    assert await WebhookDelivery.filter(endpoint_id=hook.id, event_id=cause.id).count() == 1
    assert await WebhookDelivery.filter(endpoint_id=hook.id).count() == 2


async def test_a_deleted_delivery_may_be_written_again(postgres: str) -> None:
    """As with the old unique constraint: the key guards the rows that exist (a withdrawn
    survey follow-up is written again when the score drops once more)."""
    shop = await factories.merchant()
    hook = await endpoint(shop)
    cause = await event(shop, at(2031, 4))
    first = await delivery(hook, at(2031, 4), cause=cause)
    await WebhookDelivery.filter(id=first.id).delete()

    again = await delivery(hook, at(2031, 4), cause=cause)

    assert again.id is not None
    assert await WebhookDelivery.filter(endpoint_id=hook.id, event_id=cause.id).count() == 1
