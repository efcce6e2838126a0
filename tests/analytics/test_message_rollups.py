"""Messages by channel read through their daily rollup (``analytics_message_day``): the
same figures as the live query they replaced, read from the rollup for whole past days,
kept when retention deletes the messages of a rolled-up day, and marked dirty by the
writes that change them."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise import connections

from portal.analytics.messaging import ChannelRow, by_channel
from portal.analytics.rollups import coverage, rebuild, refresh
from portal.analytics.sql import Filters
from portal.history import retention
from portal.models import Merchant, OutboxMessage, Shipment
from tests.admin.helpers import signed_in_owner
from tests.analytics import reference
from tests.analytics.seed import (
    END,
    START,
    at,
    period,
    seed_messages,
    seed_parcel_messages,
    seed_shipments,
)
from tests.analytics.test_rollups import LATER, day


async def seed() -> Merchant:
    shop = await seed_shipments()
    await seed_messages(shop)
    await seed_parcel_messages(shop)
    return shop


def filters(shop: Merchant) -> list[Filters]:
    return [
        period(shop),
        period(shop, "ups"),
        period(shop, "dhl"),
        period(shop, "fedex"),
        Filters(shop.id, at(16, 12), at(25, 6)),
        Filters(shop.id, at(17), at(21, 13), "ups"),
        Filters(shop.id, at(19, 23), at(20, 1), "dhl"),
        Filters(shop.id, START - timedelta(days=30), END + timedelta(days=30)),
    ]


async def assert_same_as_live(shop: Merchant) -> None:
    for f in filters(shop):
        assert await by_channel(f) == await reference.by_channel(f), f


async def test_rolled_up_messages_equal_the_live_query(db: str) -> None:
    shop = await seed()
    assert await by_channel(period(shop, "ups")) == [  # two parcels shipped in the period
        ChannelRow("email", 2, 0, 2),
        ChannelRow("sms", 2, 2, 0),
    ]
    await assert_same_as_live(shop)  # nothing rolled up: all live

    await refresh(now=at(20, 15))  # up to the 19th rolled up, the rest live
    assert (await coverage("messages", period(shop))).days == [(day(16), day(20))]
    await assert_same_as_live(shop)

    await refresh(now=LATER)
    assert (await coverage("messages", period(shop))).live == []
    await assert_same_as_live(shop)
    await rebuild(now=LATER)
    await assert_same_as_live(shop)


async def test_the_figures_are_read_from_the_rollup(db: str) -> None:
    shop = await seed()
    await refresh(now=LATER)
    await connections.get("default").execute_script(
        "UPDATE analytics_message_day SET messages = messages + 100 WHERE channel = 'push'"
    )
    rows = {r.channel: r for r in await by_channel(period(shop))}
    assert rows["push"].messages == 202  # one rollup row on each of two days
    assert {r.channel: r for r in await reference.by_channel(period(shop))}["push"].messages == 2


async def test_a_receipt_for_a_rolled_up_day_shows_at_once_and_is_recounted(db: str) -> None:
    shop = await seed()
    await refresh(now=LATER)
    await OutboxMessage.filter(merchant=shop, channel="whatsapp", delivery_status="sent").update(
        delivery_status="read"
    )
    late = await OutboxMessage.create(
        merchant=shop, channel="push", recipient="x", trigger="delivered",
        unique_key="late:push", state="sent", scheduled_for=at(25),
    )  # fmt: skip
    await OutboxMessage.filter(id=late.id).update(created_at=at(25, 9))
    assert (await coverage("messages", period(shop))).live == [
        (at(21, 0), at(22, 0)),  # the WhatsApp receipt's day
        (at(25, 0), at(26, 0)),  # the message written late
    ]
    await assert_same_as_live(shop)

    done = await refresh(now=LATER)
    assert done.recounted >= 2
    assert (await coverage("messages", period(shop))).live == []
    await assert_same_as_live(shop)

    await Shipment.filter(merchant=shop, carrier_key="dhl").update(carrier_key="fedex")
    await assert_same_as_live(shop)  # the parcel's messages' days read live
    await refresh(now=LATER)
    await assert_same_as_live(shop)
    assert (
        await by_channel(period(shop, "fedex"))
        == await reference.by_channel(period(shop, "fedex"))
        != []
    )


async def test_messages_survive_retention_deleting_them(client: httpx.AsyncClient, db: str) -> None:
    """Retention deletes the messages of old days (or drops their partition): the
    section, its CSV and a rebuild keep those days."""
    shop = await seed()
    await signed_in_owner(client, shop)
    await refresh(now=LATER)
    before = await by_channel(period(shop))
    url = "/admin/analytics/messages_by_channel.csv?from=2026-11-16&to=2026-11-30"
    csv = (await client.get(url)).text
    assert "whatsapp,2,1,0,50.00,0.00" in csv  # written on the 20th and 21st

    await OutboxMessage.filter(merchant=shop, created_at__lt=at(22, 0)).delete()
    assert await reference.by_channel(period(shop)) != before  # the live rows are gone
    assert await by_channel(period(shop)) == before
    assert (await client.get(url)).text == csv

    await refresh(now=LATER + timedelta(days=1))
    await rebuild(now=LATER + timedelta(days=1))
    assert await by_channel(period(shop)) == before
    assert (await client.get(url)).text == csv


async def test_the_migration_marks_the_messages_of_rolled_up_days(db: str) -> None:
    """Migration 0023 arrives with days already rolled up and an empty message rollup:
    the days that hold messages are marked dirty, so they read live until counted; its
    triggers drop and come back on this engine."""
    migration: Any = importlib.import_module("portal.migrations.0024_message_rollups")
    shop = await seed()
    await refresh(now=LATER)
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    for statement in migration.drop_sql(postgres) + migration.create_sql(postgres):
        await conn.execute_script(statement)
    await conn.execute_script("DELETE FROM analytics_dirty")
    assert await by_channel(period(shop)) != await reference.by_channel(period(shop))

    await conn.execute_script(migration.backfill_sql(postgres))
    found = await conn.execute_query_dict(
        "SELECT DISTINCT day FROM analytics_dirty WHERE fact = 'messages' AND merchant_id = "
        f"{shop.id} ORDER BY day"
    )
    assert str(found[0]["day"]) == "2026-11-14" and len(found) >= 10
    await assert_same_as_live(shop)
    await refresh(now=LATER)
    assert (await coverage("messages", period(shop))).live == []
    await assert_same_as_live(shop)


async def test_retention_recounts_the_dirty_days_before_deleting(db: str) -> None:
    """A receipt arrives for a rolled-up day; retention comes before the next rollup run:
    its hook recounts the day first, so the receipt is kept in the figures."""
    shop = await seed()
    await refresh(now=LATER)
    await OutboxMessage.filter(merchant=shop, channel="whatsapp", delivery_status="sent").update(
        delivery_status="read"
    )
    live = await reference.by_channel(period(shop))

    outcome = await retention.apply(await retention.plan(at(1) + timedelta(days=800)))

    assert outcome.deleted and await OutboxMessage.filter(merchant=shop).count() == 0
    assert await by_channel(period(shop)) == live


async def test_only_writes_to_past_days_messages_mark_them_dirty(db: str) -> None:
    """Today is counted live: a message written and sent today adds nothing to
    ``analytics_dirty`` (but in the UTC day's last hour, judged an hour ahead); a receipt
    for yesterday's message marks yesterday."""
    shop = await Merchant.create(name="Dirty days", slug="dirty-days")
    conn = connections.get("default")

    async def dirty() -> int:
        rows = await conn.execute_query_dict(
            "SELECT count(*) AS n FROM analytics_dirty WHERE fact = 'messages'"
        )
        return int(rows[0]["n"])

    before = await dirty()
    started = datetime.now(UTC)
    today = await OutboxMessage.create(
        merchant=shop, channel="sms", recipient="+48500100200", trigger="delivered",
        unique_key="today:sms", state="pending", scheduled_for=datetime.now(UTC),
    )  # fmt: skip
    await OutboxMessage.filter(id=today.id).update(state="sent", delivery_status="delivered")
    ended = datetime.now(UTC)
    if started.date() == ended.date() and 23 not in (started.hour, ended.hour):
        assert await dirty() == before
    elif started.hour == ended.hour == 23:
        # In the UTC day's last hour "past" is judged an hour ahead (a write just before
        # midnight must still mark), so there today's write marks by design.
        assert await dirty() > before

    old = await OutboxMessage.create(
        merchant=shop, channel="sms", recipient="+48500100200", trigger="shipped",
        unique_key="yesterday:sms", state="sent", scheduled_for=datetime.now(UTC),
    )  # fmt: skip
    await OutboxMessage.filter(id=old.id).update(created_at=datetime.now(UTC) - timedelta(days=1))
    await OutboxMessage.filter(id=old.id).update(delivery_status="delivered")
    assert await dirty() > before
