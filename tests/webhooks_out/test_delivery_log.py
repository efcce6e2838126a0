"""An endpoint's delivery log: newest first by (created_at, id), pages that never repeat a
row, filters by time and state, and resend as a copy of a finished delivery."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import connections

from portal.history import partitions
from portal.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from portal.settings import Settings
from portal.webhooks_out import admin, delivery_log
from tests import factories
from tests.conftest import make_settings

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def hook_settings(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db)


async def _endpoint(settings: Settings) -> WebhookEndpoint:
    shop = await factories.merchant()
    endpoint, _ = await admin.create_endpoint(
        settings, merchant_id=shop.id, url="https://x.test/h", topics_=["*"]
    )
    return endpoint


async def _delivery(
    endpoint: WebhookEndpoint,
    created_at: datetime,
    state: DeliveryState = DeliveryState.DELIVERED,
    topic: str = "shipment.delivered",
) -> WebhookDelivery:
    delivery = await WebhookDelivery.create(
        endpoint=endpoint,
        topic=topic,
        payload={"id": f"evt_{topic}", "topic": topic, "data": {}},
        state=state,
        attempts=1,
        next_attempt_at=created_at,
    )
    # created_at is stamped on insert; set the moment the row stands for (on PostgreSQL
    # the row moves to that month's partition).
    await WebhookDelivery.filter(id=delivery.id).update(created_at=created_at)
    delivery.created_at = created_at
    return delivery


async def test_pages_run_newest_first_by_creation_and_repeat_no_row(
    hook_settings: Settings,
) -> None:
    endpoint = await _endpoint(hook_settings)
    # Written out of time order (a larger id can be older), two sharing one instant.
    moments = [NOW - timedelta(days=d) for d in (40, 1, 65, 1, 0, 33, 2)]
    rows = [await _delivery(endpoint, moment) for moment in moments]
    other = await _endpoint(hook_settings)
    await _delivery(other, NOW)
    expected = [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]

    seen: list[int] = []
    before = None
    for _ in range(len(rows)):
        found = await delivery_log.page(endpoint, limit=3, before=before)
        seen += [d.id for d in found.deliveries]
        before = found.next_key
        if before is None:
            break
    assert seen == expected
    # A row written while someone pages is newer than every page still to come.
    first = await delivery_log.page(endpoint, limit=3)
    await _delivery(endpoint, NOW)
    second = await delivery_log.page(endpoint, limit=3, before=first.next_key)
    assert [d.id for d in second.deliveries] == expected[3:6]


async def test_the_log_is_bounded_in_time_and_filtered_by_state(hook_settings: Settings) -> None:
    endpoint = await _endpoint(hook_settings)
    old = await _delivery(endpoint, NOW - timedelta(days=45), DeliveryState.FAILED)
    failed = await _delivery(endpoint, NOW - timedelta(days=3), DeliveryState.FAILED)
    await _delivery(endpoint, NOW - timedelta(days=2), DeliveryState.DELIVERED)

    recent = await delivery_log.page(endpoint, since=NOW - timedelta(days=30))
    assert len(recent.deliveries) == 2 and old.id not in [d.id for d in recent.deliveries]
    only_failed = await delivery_log.page(endpoint, state=DeliveryState.FAILED)
    assert [d.id for d in only_failed.deliveries] == [failed.id, old.id]


async def test_resend_queues_a_copy_of_a_failed_delivery_with_the_same_body(
    hook_settings: Settings,
) -> None:
    endpoint = await _endpoint(hook_settings)
    failed = await _delivery(endpoint, NOW - timedelta(days=1), DeliveryState.FAILED)

    copy = await delivery_log.resend(endpoint, failed, now=NOW)

    stored = await WebhookDelivery.get(id=copy.id)
    assert (stored.state, stored.attempts, stored.next_attempt_at) == (
        DeliveryState.PENDING,
        0,
        NOW,
    )
    assert (stored.topic, stored.payload) == (failed.topic, failed.payload)
    assert (await WebhookDelivery.get(id=failed.id)).state == DeliveryState.FAILED
    newest = (await delivery_log.page(endpoint, limit=1)).deliveries
    assert [d.id for d in newest] == [copy.id]


async def test_a_pending_delivery_or_a_disabled_endpoint_is_not_resent(
    hook_settings: Settings,
) -> None:
    endpoint = await _endpoint(hook_settings)
    pending = await _delivery(endpoint, NOW, DeliveryState.PENDING)
    with pytest.raises(delivery_log.ResendRefused) as refused:
        await delivery_log.resend(endpoint, pending, now=NOW)
    assert refused.value.reason == "pending"

    failed = await _delivery(endpoint, NOW, DeliveryState.FAILED)
    endpoint.enabled = False
    with pytest.raises(delivery_log.ResendRefused) as refused:
        await delivery_log.resend(endpoint, failed, now=NOW)
    assert refused.value.reason == "disabled"
    assert await WebhookDelivery.filter(endpoint_id=endpoint.id).count() == 2


async def test_another_endpoints_delivery_is_not_found(hook_settings: Settings) -> None:
    mine, theirs = await _endpoint(hook_settings), await _endpoint(hook_settings)
    delivery = await _delivery(theirs, NOW)
    assert await delivery_log.get(mine, delivery.id) is None
    assert (await delivery_log.get(theirs, delivery.id)) is not None


async def test_on_postgresql_a_page_reads_the_endpoint_index_of_the_newest_partitions(
    hook_settings: Settings, db: str
) -> None:
    """The index of migration 0031 is a partitioned one: every monthly partition has its
    part, a partition made later gets it when attached, and a page of the log walks it
    backwards (no sort) from the newest month, never reaching months it does not need."""
    if not db.startswith("postgres"):
        pytest.skip("partitions are PostgreSQL's")
    conn = connections.get("default")
    spec = partitions.BY_TABLE["webhook_delivery"]
    this_month = partitions.month_start(NOW)
    have = await partitions.monthly(conn, "webhook_delivery")
    made = [partitions.add_months(this_month, n) for n in (-3, partitions.AHEAD + 1)]
    async with conn._in_transaction() as tx:  # an old month, and one the worker adds later
        for month in made:
            if month not in have:
                await partitions.create_month(tx, spec, month)
    endpoint = await _endpoint(hook_settings)
    for days in (0, 1, 35, 80):
        await _delivery(endpoint, NOW - timedelta(days=days))

    [index] = await conn.execute_query_dict(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'webhook_delivery' "
        "AND indexdef LIKE '%(endpoint_id, created_at, id)'"
    )
    parts = await conn.execute_query_dict(
        "SELECT c.relname AS part FROM pg_inherits h JOIN pg_index x ON x.indexrelid = h.inhrelid "
        "JOIN pg_class c ON c.oid = x.indrelid WHERE h.inhparent = $1::regclass",
        [index["indexname"]],
    )
    every = set((await partitions.monthly(conn, "webhook_delivery")).values())
    assert {r["part"] for r in parts} == every | {"webhook_delivery_default"}

    since = NOW - timedelta(days=30)
    query = delivery_log.log_query(endpoint, limit=51, since=since)
    async with conn._in_transaction() as tx:
        await tx.execute_script("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(
            row["QUERY PLAN"]
            for row in await tx.execute_query_dict("EXPLAIN " + query.sql(params_inline=True))
        )
    scans = re.findall(r"-> +(\w[\w ]+?) +(?:using|on) (\S+)", plan)
    assert scans and all(
        kind == "Index Scan Backward" and name.endswith("_endpoint_id_created_at_id_idx")
        for kind, name in scans
    ), plan
    assert not re.search(r"Sort  \(cost", plan)  # no sort node (a Merge Append's key is fine)
    months = {
        partitions.month_of(name) for name in re.findall(r"webhook_delivery_p\d{4}_\d{2}", plan)
    }
    assert months and all(m is not None and m >= partitions.month_start(since) for m in months)
