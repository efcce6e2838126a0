"""The shared work-queue pieces: backoff grows, is capped and jittered; claims lease once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from portal.leased_queue import LeasedQueue, backoff_delay
from portal.models import OutboxMessage
from tests import factories

BASE, CAP = timedelta(minutes=1), timedelta(hours=1)


def test_backoff_doubles_per_attempt_within_jitter() -> None:
    rng = random.Random(1)
    for attempts, nominal in [(1, 1), (2, 2), (3, 4), (4, 8)]:
        delay = backoff_delay(attempts, base=BASE, cap=CAP, rng=rng)
        assert timedelta(minutes=nominal) * 0.8 <= delay <= timedelta(minutes=nominal) * 1.2


def test_backoff_is_capped() -> None:
    assert backoff_delay(30, base=BASE, cap=CAP, rng=random.Random(2)) <= CAP * 1.2


async def test_a_due_row_is_leased_once_until_its_lease_lapses(db: str) -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    shop = await factories.merchant()
    row = await OutboxMessage.create(
        merchant=shop, channel="email", recipient="a@example.test", trigger="delivered",
        unique_key="shipment:1:delivered:email", scheduled_for=now,
    )  # fmt: skip
    queue = LeasedQueue(OutboxMessage, due_field="scheduled_for")
    lease = timedelta(minutes=5)
    assert await queue.claim_due(now=now, limit=10, lease=lease) == [row.id]
    assert await queue.claim_due(now=now + timedelta(minutes=1), limit=10, lease=lease) == []
    assert await queue.claim_due(now=now + lease, limit=10, lease=lease) == [row.id]
    assert (await OutboxMessage.get(id=row.id)).attempts == 2


async def test_rows_named_by_their_keys_are_renewed_and_handed_back(db: str) -> None:
    now = datetime.now(UTC)
    shop = await factories.merchant()
    made = [
        await OutboxMessage.create(
            merchant=shop,
            channel="email",
            recipient="a@example.test",
            trigger="delivered",
            unique_key=f"shipment:{n}:delivered:email",
            scheduled_for=now - timedelta(days=age),
            created_at=now - timedelta(days=age),
        )
        for n, age in enumerate((70, 35, 0))
    ]
    queue = LeasedQueue(OutboxMessage, due_field="scheduled_for", partition_key="created_at")
    lease = timedelta(minutes=5)
    keys = await queue.claim_keys(now=now, limit=10, lease=lease)
    assert keys == sorted((row.id, row.created_at) for row in made)
    assert await queue.renew_keys(keys, now=now + timedelta(minutes=1), lease=lease) == 3
    assert await queue.release_keys(keys[:2]) == 2
    rows = {row.id: row for row in await OutboxMessage.all()}
    assert [(rows[i].attempts, rows[i].lease_until is None) for i, _ in keys] == [
        (0, True),
        (0, True),
        (1, False),
    ]
    assert await queue.release_keys(keys[:2]) == 0  # handed back once
