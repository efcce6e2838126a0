"""The schema keeps its promises in the database itself, not only in Python."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal.models import DuplicateMessage, OutboxMessage, Shipment, TrackingEvent
from tests import factories


async def test_a_tracking_number_is_unique_per_carrier_per_merchant(db: str) -> None:
    shop = await factories.merchant()
    await factories.shipment(shop, carrier_key="ups", tracking_number="1ZCIETST0111111114")
    with pytest.raises(IntegrityError):
        await Shipment.create(
            merchant=shop, carrier_key="ups", tracking_number="1ZCIETST0111111114"
        )


async def test_the_same_number_may_exist_at_another_carrier_or_merchant(db: str) -> None:
    shop, other = await factories.merchant(), await factories.merchant()
    await factories.shipment(shop, carrier_key="ups", tracking_number="123456789012")
    await factories.shipment(shop, carrier_key="fedex", tracking_number="123456789012")
    await factories.shipment(other, carrier_key="ups", tracking_number="123456789012")
    assert await Shipment.filter(tracking_number="123456789012").count() == 3


async def test_an_event_is_stored_once_per_dedupe_key(db: str) -> None:
    parcel = await factories.shipment()
    fields = {
        "shipment": parcel,
        "occurred_at": datetime(2026, 11, 20, 9, tzinfo=UTC),
        "status": Status.IN_TRANSIT,
        "dedupe_key": "AR|20261120T090000|memphis",
    }
    await TrackingEvent.create(**fields)
    with pytest.raises(IntegrityError):
        await TrackingEvent.create(**fields)


async def an_email(key: str) -> dict[str, Any]:
    """The fields of an e-mail in the outbox under ``key``, for a new shop."""
    return {
        "merchant": await factories.merchant(),
        "channel": "email",
        "recipient": "a@example.test",
        "trigger": "delivered",
        "unique_key": key,
        "scheduled_for": datetime(2026, 11, 20, tzinfo=UTC),
    }


async def test_an_outbox_message_cannot_exist_twice(db: str) -> None:
    """SQLite's unique index refuses the copy; PostgreSQL's key table leaves it out
    silently (migration 0023), and the model raises the same error for it."""
    fields = await an_email("shipment:1:delivered:email")
    first = await OutboxMessage.create(**fields)
    with pytest.raises(DuplicateMessage, match="shipment:1:delivered:email"):
        await OutboxMessage.create(**fields)
    copy = OutboxMessage(**{**fields, "recipient": "b@example.test"})
    with pytest.raises(IntegrityError):
        await copy.save()
    assert copy.pk is None
    assert [m.id for m in await OutboxMessage.filter(unique_key=fields["unique_key"])] == [first.id]


async def test_a_copy_in_a_transaction_rolls_it_back(db: str) -> None:
    fields = await an_email("shipment:2:delivered:email")
    await OutboxMessage.create(**fields)
    with pytest.raises(DuplicateMessage):
        async with in_transaction() as conn:
            await OutboxMessage.create(**{**fields, "unique_key": "other"}, using_db=conn)
            await OutboxMessage.create(**fields, using_db=conn)
    assert await OutboxMessage.all().values_list("unique_key", flat=True) == [fields["unique_key"]]


async def test_a_copy_skipped_on_purpose_is_skipped_on_both_engines(db: str) -> None:
    fields = await an_email("shipment:3:delivered:email")
    await OutboxMessage.create(**fields)
    await OutboxMessage.bulk_create([OutboxMessage(**fields)], ignore_conflicts=True)
    assert await OutboxMessage.filter(unique_key=fields["unique_key"]).count() == 1


async def test_a_customer_email_is_unique_per_merchant(db: str) -> None:
    shop = await factories.merchant()
    await factories.customer(shop, email="ann@example.test")
    with pytest.raises(IntegrityError):
        await factories.customer(shop, email="ann@example.test")
    await factories.customer(await factories.merchant(), email="ann@example.test")


async def test_a_merchant_slug_is_unique(db: str) -> None:
    await factories.merchant(slug="acme")
    with pytest.raises(IntegrityError):
        await factories.merchant(slug="acme")


async def test_deleting_a_merchant_removes_its_rows(db: str) -> None:
    shop = await factories.merchant()
    parcel = await factories.shipment(shop)
    await TrackingEvent.create(
        shipment=parcel,
        occurred_at=datetime(2026, 11, 20, tzinfo=UTC),
        status=Status.IN_TRANSIT,
        dedupe_key="x",
    )
    await shop.delete()
    assert await Shipment.all().count() == 0
    assert await TrackingEvent.all().count() == 0
