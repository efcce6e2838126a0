"""Claims: a due shipment is held by one batch at a time, through a lease kept beside the
shipment (``poll_lease``), never by rewriting the shipment itself."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from tortoise import connections

from carriers.base import Status
from carriers.sandbox import make_numbers
from portal import scheduler
from portal.models import Shipment
from portal.settings import Settings
from portal.tracking import claim
from tests import factories
from tests.tracking.helpers import NOW, make_shipments


async def shipments(settings: Settings, count: int, seed: int = 40) -> list[Shipment]:
    shop = await factories.merchant()
    account = await factories.carrier_account(
        shop, settings=settings, credentials={"api_key": "demo"}
    )
    return await make_shipments(shop, account, make_numbers(count, seed=seed, now=NOW))


async def test_a_claim_holds_shipments_without_writing_them(db: str, settings: Settings) -> None:
    made = await shipments(settings, 3)
    before = {s.id: (s.next_poll_at, s.updated_at) for s in made}

    taken = await claim.claim_due(NOW, 10, holder=claim.new_holder())

    assert sorted(c.id for c in taken) == sorted(before)
    after = {s.id: (s.next_poll_at, s.updated_at) for s in await Shipment.all()}
    assert after == before  # still due by its own schedule, and not rewritten
    assert await claim.claim_due(NOW, 10) == []  # but held
    assert not await claim.any_due(NOW)


async def test_a_batch_gives_back_only_its_own_leases(db: str, settings: Settings) -> None:
    await shipments(settings, 4)
    first, second = claim.new_holder(), claim.new_holder()
    ids = [c.id for c in await claim.claim_due(NOW, 10, holder=first)]

    # The first batch stalled past its lease; a second one took the shipments over.
    later = NOW + claim.CLAIM_LEASE
    assert [c.id for c in await claim.claim_due(later, 10, holder=second)] == ids

    assert await claim.renew(ids, now=later, holder=first) == 0
    assert await claim.release(ids, holder=first) == 0
    assert await claim.claim_due(later, 10) == []  # the second batch still holds them
    assert await claim.release(ids, holder=second) == 4
    assert len(await claim.claim_due(later, 10)) == 4


async def test_a_released_shipment_is_due_by_its_schedule(db: str, settings: Settings) -> None:
    made = await shipments(settings, 2)
    holder = claim.new_holder()
    ids = [c.id for c in await claim.claim_due(NOW, 10, holder=holder)]
    # The write-back gave one a later poll; the other was given back unpolled.
    await Shipment.filter(id=made[0].id).update(next_poll_at=NOW + timedelta(hours=2))

    assert await claim.release(ids, holder=holder) == 2

    assert [c.id for c in await claim.claim_due(NOW, 10)] == [made[1].id]


async def test_concurrent_claims_never_share_a_shipment(db: str, settings: Settings) -> None:
    made = await shipments(settings, 300, seed=41)
    now = datetime.now(UTC)

    batches = await asyncio.gather(
        *(claim.claim_due(now, 40, holder=claim.new_holder()) for _ in range(12))
    )

    ids = [c.id for batch in batches for c in batch]
    assert len(ids) == len(set(ids))
    # What a racing claim skipped is still there for the next one, and nothing twice.
    rest = await claim.claim_due(now, 1000, holder=claim.new_holder())
    assert sorted(ids + [c.id for c in rest]) == sorted(s.id for s in made)


async def leased() -> list[int]:
    """The shipments ``poll_lease`` has a row for, live or ended."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT shipment_id FROM poll_lease ORDER BY shipment_id"
    )
    return [int(r["shipment_id"]) for r in rows]


async def test_housekeeping_forgets_the_leases_of_shipments_gone_or_settled(
    db: str, settings: Settings
) -> None:
    gone, settled, polled, busy = await shipments(settings, 4)
    # A worker claimed three and was killed before it wrote anything back or let go.
    killed = claim.new_holder()
    claimed = await claim.claim_due(NOW, 3, holder=killed)
    assert sorted(c.id for c in claimed) == sorted([gone.id, settled.id, polled.id])
    # Meanwhile one shipment was deleted, one delivered (no next poll), one polled on.
    await Shipment.filter(id=gone.id).delete()
    await Shipment.filter(id=settled.id).update(status=Status.DELIVERED, next_poll_at=None)
    now = datetime.now(UTC)
    await Shipment.filter(id=polled.id).update(next_poll_at=now + timedelta(hours=1))
    # A live worker holds the fourth right now.
    live = claim.new_holder()
    assert [c.id for c in await claim.claim_due(now, 10, holder=live)] == [busy.id]

    async with httpx.AsyncClient() as client:
        assert await scheduler.housekeeping(settings, client) is False

    # The ended lease of a shipment still polled stays for its next claim to replace; the
    # live one stays its holder's.
    assert await leased() == sorted([polled.id, busy.id])
    assert await claim.release([busy.id], holder=live) == 1


async def test_a_lease_just_ended_is_kept_a_lease_longer(db: str, settings: Settings) -> None:
    (shipment,) = await shipments(settings, 1)
    await claim.claim_due(NOW, 1, holder=claim.new_holder())
    await Shipment.filter(id=shipment.id).update(status=Status.DELIVERED, next_poll_at=None)

    ended = NOW + claim.CLAIM_LEASE
    assert await claim.forget_orphans(ended + claim.CLAIM_LEASE) == 0
    assert await claim.forget_orphans(ended + claim.CLAIM_LEASE + timedelta(seconds=1)) == 1
    assert await leased() == []
