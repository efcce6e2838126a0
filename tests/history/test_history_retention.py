"""Retention: each merchant's months are kept, older history goes (whole partitions on
PostgreSQL, rows on SQLite), and what is still owed or needed never goes."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal.history import partitions, retention
from portal.models import (
    DeliveryState,
    DomainEvent,
    MessageState,
    OutboxMessage,
    TrackingEvent,
    WebhookDelivery,
    Withdrawal,
)
from tests import factories
from tests.history.helpers import (
    at,
    delivered_shipment,
    delivery,
    endpoint,
    event,
    message,
    partition_of,
    scan,
)

#: 13 months kept: from 1 February 2026 on; 3 months kept: from 1 December 2026 on.
NOW = datetime(2027, 3, 10, 4, tzinfo=UTC)


async def _apply() -> retention.Outcome:
    return await retention.apply(await retention.plan(NOW))


def test_a_merchant_keeps_whole_months_before_the_current_one() -> None:
    assert retention.cutoff(NOW, 13) == datetime(2026, 2, 1, tzinfo=UTC)
    assert retention.cutoff(NOW, 3) == datetime(2026, 12, 1, tzinfo=UTC)
    assert retention.cutoff(NOW, 0) == retention.cutoff(NOW, retention.MIN_MONTHS)


async def test_history_older_than_the_retention_is_removed_and_newer_kept(db: str) -> None:
    shop = await factories.merchant()
    shipment = await delivered_shipment(shop)
    hook = await endpoint(shop)
    old, kept = at(2026, 1, 31), at(2026, 2, 1)
    for when in (old, kept):
        await scan(shipment, when)
        await delivery(hook, when, cause=await event(shop, when))
        await message(shop, when)

    await _apply()

    assert [e.occurred_at for e in await TrackingEvent.all()] == [kept]
    assert [e.created_at for e in await DomainEvent.all()] == [kept]
    assert [m.created_at for m in await OutboxMessage.all()] == [kept]
    assert [d.created_at for d in await WebhookDelivery.all()] == [kept]


async def test_a_shorter_retention_removes_only_that_merchants_rows(db: str) -> None:
    brief = await factories.merchant(history_retention_months=3)
    usual = await factories.merchant()
    when = at(2026, 11)
    for shop in (brief, usual):
        await scan(await delivered_shipment(shop), when)
        await event(shop, when)
        await message(shop, when)
        await delivery(await endpoint(shop), when)

    await _apply()

    assert await TrackingEvent.filter(shipment__merchant_id=brief.id).count() == 0
    assert await TrackingEvent.filter(shipment__merchant_id=usual.id).count() == 1
    assert await DomainEvent.filter(merchant_id=brief.id).count() == 0
    assert await OutboxMessage.filter(merchant_id=brief.id).count() == 0
    assert await WebhookDelivery.filter(endpoint__merchant_id=brief.id).count() == 0
    assert await DomainEvent.filter(merchant_id=usual.id).count() == 1
    assert await OutboxMessage.filter(merchant_id=usual.id).count() == 1
    assert await WebhookDelivery.filter(endpoint__merchant_id=usual.id).count() == 1


async def test_what_is_still_owed_or_needed_is_never_removed(db: str) -> None:
    shop = await factories.merchant(history_retention_months=3)
    old = at(2025, 1)
    moving = await factories.shipment(shop, status=Status.IN_TRANSIT)
    await scan(moving, old)
    unsent = await message(shop, old, state=MessageState.PENDING)
    sending = await message(shop, old, state=MessageState.SENDING)
    proof = await message(shop, old, key="withdrawal:1:acknowledgement")
    await Withdrawal.create(
        merchant=shop,
        order=await factories.order(shop),
        name="Ann",
        email="ann@example.test",
        items=[],
        locale="en",
        submitted_at=old,
        submission_key="k1",
        acknowledgement=proof,
    )
    await message(shop, old)  # sent, not referenced: goes
    unhandled = await event(shop, old, handled=False)
    owed = await delivery(await endpoint(shop), old, state=DeliveryState.PENDING)

    await _apply()

    assert await TrackingEvent.filter(shipment_id=moving.id).count() == 1
    assert {m.id for m in await OutboxMessage.all()} == {unsent.id, sending.id, proof.id}
    assert [e.id for e in await DomainEvent.all()] == [unhandled.id]
    assert [d.id for d in await WebhookDelivery.all()] == [owed.id]


async def test_a_whole_old_partition_is_dropped_on_postgresql(db: str) -> None:
    if not db.startswith("postgres"):
        return  # SQLite has no partitions: the tests above are its retention
    conn = connections.get("default")
    async with in_transaction() as tx:
        for spec in partitions.TABLES:
            await partitions.create_month(tx, spec, at(2025, 6, 1).replace(hour=0))
    shop = await factories.merchant()
    old = at(2025, 6)
    gone = await scan(await delivered_shipment(shop), old)
    await message(shop, old)
    await event(shop, old)
    assert await partition_of("tracking_event", gone.id) == "tracking_event_p2025_06"

    outcome = await _apply()

    assert {"tracking_event_p2025_06", "outbox_message_p2025_06"} <= set(outcome.dropped)
    assert {"domain_event_p2025_06", "webhook_delivery_p2025_06"} <= set(outcome.dropped)
    months = await partitions.monthly(conn, "tracking_event")
    assert at(2025, 6, 1).replace(hour=0) not in months
    assert await TrackingEvent.all().count() == 0


async def test_an_old_partition_holding_an_unsent_message_is_kept_on_postgresql(db: str) -> None:
    if not db.startswith("postgres"):
        return
    async with in_transaction() as tx:
        await partitions.create_month(
            tx, partitions.BY_TABLE["outbox_message"], at(2025, 7, 1).replace(hour=0)
        )
    shop = await factories.merchant()
    unsent = await message(shop, at(2025, 7), state=MessageState.PENDING)
    await message(shop, at(2025, 7))

    outcome = await _apply()

    assert "outbox_message_p2025_07" not in outcome.dropped
    assert [m.id for m in await OutboxMessage.all()] == [unsent.id]
    assert await partition_of("outbox_message", unsent.id) == "outbox_message_p2025_07"


async def test_retention_runs_once_a_day_after_the_nightly_jobs(db: str) -> None:
    day = datetime(2027, 3, 10, tzinfo=UTC)

    assert not await retention.claim_run(day.replace(hour=2))
    assert await retention.claim_run(day.replace(hour=4))
    assert not await retention.claim_run(day.replace(hour=23))
    assert await retention.claim_run(day.replace(day=11, hour=3, minute=5))


async def test_a_failing_hook_stops_the_run_before_anything_is_removed(db: str) -> None:
    shop = await factories.merchant()
    await message(shop, at(2020, 1))

    async def not_ready(plan: retention.Plan) -> None:
        raise RuntimeError("rollups not done")

    retention.before_retention(not_ready)
    try:
        try:
            await _apply()
        except RuntimeError:
            pass
        else:
            raise AssertionError("the run went on")
    finally:
        retention._HOOKS.remove(not_ready)
    assert await OutboxMessage.all().count() == 1
