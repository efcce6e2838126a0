"""Set-based writes of the tracking engine: one statement per batch, conflicts skipped,
nothing left behind for the next batch when one fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from carriers.base import Reason, Status, TrackingEvent
from portal.models import EventSource, Shipment
from portal.models import TrackingEvent as StoredEvent
from portal.tracking import store
from portal.tracking.merge import event_key
from tests import factories
from tests.tracking.helpers import NOW


def scan(minutes: int, status: Status = Status.IN_TRANSIT, **fields: object) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=NOW - timedelta(minutes=minutes),
        status=status,
        carrier_code=f"C{minutes}",
        description="Scan",
        city="Leeds",
        country="GB",
        **fields,  # type: ignore[arg-type]
    )


async def a_shipment() -> Shipment:
    shop = await factories.merchant()
    return await factories.shipment(shop)


async def insert(shipment: Shipment, *scans: TrackingEvent) -> None:
    async with in_transaction() as conn:
        await store.insert_events(
            conn,
            ((shipment.id, event_key(e), e) for e in scans),
            source=EventSource.POLL,
            now=NOW,
        )


async def test_events_are_stored_as_given_with_enum_members_as_text(db: str) -> None:
    shipment = await a_shipment()
    await insert(shipment, scan(30, Status.EXCEPTION, reason=Reason.DAMAGED), scan(10))

    stored = await StoredEvent.filter(shipment=shipment).order_by("occurred_at")
    assert [(e.status, e.reason, e.carrier_code) for e in stored] == [
        (Status.EXCEPTION, Reason.DAMAGED, "C30"),
        (Status.IN_TRANSIT, None, "C10"),
    ]
    assert stored[0].occurred_at == NOW - timedelta(minutes=30)
    assert stored[0].source == EventSource.POLL


async def test_a_known_scan_or_a_repeat_in_one_batch_is_skipped(db: str) -> None:
    shipment = await a_shipment()
    await insert(shipment, scan(30))
    await insert(shipment, scan(30), scan(20), scan(20))

    assert await StoredEvent.filter(shipment=shipment).count() == 2


async def test_two_batches_in_one_transaction_each_write_their_own_rows(db: str) -> None:
    first, second = await a_shipment(), await a_shipment()
    async with in_transaction() as conn:
        for shipment, minutes in ((first, 30), (second, 20)):
            await store.insert_events(
                conn,
                [(shipment.id, event_key(scan(minutes)), scan(minutes))],
                source=EventSource.PUSH,
                now=NOW,
            )

    assert await StoredEvent.filter(shipment=first).values_list("carrier_code", flat=True) == [
        "C30"
    ]
    assert await StoredEvent.filter(shipment=second).values_list("carrier_code", flat=True) == [
        "C20"
    ]


async def test_a_failed_batch_leaves_nothing_for_the_next_one(db: str) -> None:
    shipment = await a_shipment()
    missing_shipment = shipment.id + 1000
    with pytest.raises((IntegrityError, OperationalError)):
        async with in_transaction() as conn:
            await store.insert_events(
                conn,
                [
                    (shipment.id, event_key(scan(30)), scan(30)),
                    (missing_shipment, event_key(scan(20)), scan(20)),
                ],
                source=EventSource.POLL,
                now=NOW,
            )
    await insert(shipment, scan(10))

    assert await StoredEvent.all().values_list("carrier_code", flat=True) == ["C10"]


async def test_rows_outside_a_transaction_are_written_too(db: str) -> None:
    shipment = await a_shipment()
    conn = connections.get("default")
    await store.insert_events(
        conn, [(shipment.id, event_key(scan(5)), scan(5))], source=EventSource.POLL, now=NOW
    )

    assert await StoredEvent.filter(shipment=shipment).count() == 1


async def test_a_clash_undoes_only_its_own_attempt_in_the_callers_transaction(db: str) -> None:
    """On PostgreSQL a batch is copied straight into the table first; a scan stored after
    all makes that copy fail, and the batch is then written without it, while what the
    transaction wrote before stays."""
    shipment = await a_shipment()
    async with in_transaction() as conn:
        for scans in ((scan(30),), (scan(30), scan(20))):
            await store.insert_events(
                conn,
                [(shipment.id, event_key(e), e) for e in scans],
                source=EventSource.POLL,
                now=NOW,
            )
        await Shipment.filter(id=shipment.id).using_db(conn).update(last_error="kept")

    stored = await StoredEvent.filter(shipment=shipment).order_by("occurred_at")
    assert [e.carrier_code for e in stored] == ["C30", "C20"]
    assert (await Shipment.get(id=shipment.id)).last_error == "kept"
