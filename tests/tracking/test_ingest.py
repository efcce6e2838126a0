"""The one ingest path: events, status, ETA and domain events in one transaction."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from carriers.base import Status, TrackingEvent, TrackingResult
from portal import events
from portal.models import DomainEvent, EventSource, Shipment
from portal.models import TrackingEvent as StoredEvent
from portal.tracking.ingest import ingest, ingest_many
from tests import factories
from tests.tracking.helpers import NOW, counting_queries, make_shipments

H = timedelta(hours=1)


def scan(hours_ago: float, status: Status, code: str = "", city: str = "Leeds") -> TrackingEvent:
    return TrackingEvent(
        occurred_at=NOW - timedelta(hours=hours_ago),
        status=status,
        carrier_code=code or status.value[:3].upper(),
        description=f"{status.value} scan",
        city=city,
        country="GB",
    )


def result(number: str, *scans: TrackingEvent, **fields: object) -> TrackingResult:
    return TrackingResult(number=number, events=list(scans), **fields)  # type: ignore[arg-type]


async def status_changes(shipment: Shipment) -> list[DomainEvent]:
    return await DomainEvent.filter(
        kind=events.SHIPMENT_STATUS_CHANGED, subject_id=shipment.id
    ).order_by("id")


async def test_it_stores_new_events_and_takes_the_newest_status(db: str) -> None:
    shipment = await factories.shipment()
    outcome = await ingest(
        shipment,
        result(shipment.tracking_number, scan(5, Status.INFO_RECEIVED), scan(2, Status.IN_TRANSIT)),
        source=EventSource.POLL,
        now=NOW,
        settings=factories.app_settings(),
    )
    assert (outcome.new_events, outcome.status_changed) == (2, True)
    stored = await Shipment.get(id=shipment.id)
    assert stored.status is Status.IN_TRANSIT
    assert stored.last_event_at == NOW - 2 * H
    assert stored.last_polled_at == NOW
    assert stored.next_poll_at is not None and stored.next_poll_at > NOW
    assert shipment.status is Status.IN_TRANSIT  # the instance is brought up to date
    assert await StoredEvent.filter(shipment_id=shipment.id, source=EventSource.POLL).count() == 2


async def test_a_status_change_emits_one_domain_event_with_its_payload(db: str) -> None:
    shipment = await factories.shipment()
    await ingest(
        shipment,
        result(
            shipment.tracking_number,
            scan(3, Status.INFO_RECEIVED),
            scan(1, Status.OUT_FOR_DELIVERY),
        ),
        source=EventSource.PUSH,
        now=NOW,
        settings=factories.app_settings(),
    )
    [change] = await status_changes(shipment)
    assert change.merchant_id == shipment.merchant_id
    assert change.payload == {
        "old_status": "pending",
        "new_status": "out_for_delivery",
        "reason": None,
        "tracking_number": shipment.tracking_number,
        "carrier_key": "sandbox",
        "occurred_at": (NOW - H).isoformat(),
        "source": "push",
    }
    assert change.occurred_at == NOW - H


async def test_the_same_result_twice_changes_nothing_the_second_time(db: str) -> None:
    shipment = await factories.shipment()
    answer = result(
        shipment.tracking_number, scan(2, Status.IN_TRANSIT), scan(1, Status.OUT_FOR_DELIVERY)
    )
    await ingest(
        shipment, answer, source=EventSource.POLL, now=NOW, settings=factories.app_settings()
    )
    again = await ingest(
        shipment, answer, source=EventSource.PUSH, now=NOW + H, settings=factories.app_settings()
    )
    assert (again.new_events, again.status_changed) == (0, False)
    assert await StoredEvent.filter(shipment_id=shipment.id).count() == 2
    assert len(await status_changes(shipment)) == 1


async def test_a_poll_that_brings_nothing_new_moves_only_the_poll_bookkeeping(db: str) -> None:
    shipment = await factories.shipment()
    answer = result(
        shipment.tracking_number,
        scan(2, Status.IN_TRANSIT),
        scan(1, Status.OUT_FOR_DELIVERY),
        estimated_delivery=date(2026, 11, 21),
        carrier_url="https://carrier.example/t/1",
    )
    settings = factories.app_settings()
    await ingest(shipment, answer, source=EventSource.POLL, now=NOW, settings=settings)
    await Shipment.filter(id=shipment.id).update(poll_failures=3, last_error="timed out")
    first = await Shipment.get(id=shipment.id)

    await ingest(shipment, answer, source=EventSource.POLL, now=NOW + H, settings=settings)

    after = await Shipment.get(id=shipment.id)
    assert (after.last_polled_at, after.poll_failures, after.last_error) == (NOW + H, 0, None)
    assert after.updated_at == NOW + H
    assert after.next_poll_at is not None and after.next_poll_at > NOW + H
    picture = ("status", "estimated_delivery", "carrier_url", "last_event_at", "shipped_at")
    assert [getattr(after, n) for n in picture] == [getattr(first, n) for n in picture]


async def test_concurrent_ingests_of_one_result_store_it_once(db: str) -> None:
    shipment = await factories.shipment()
    answer = result(shipment.tracking_number, scan(2, Status.IN_TRANSIT), scan(1, Status.DELIVERED))
    outcomes = await asyncio.gather(
        *(
            ingest_many(
                [(shipment.id, answer)],
                source=EventSource.PUSH,
                now=NOW,
                settings=factories.app_settings(),
            )
            for _ in range(5)
        )
    )
    assert sum(o.new_events for [o] in outcomes) == 2
    assert sum(o.status_changed for [o] in outcomes) == 1
    assert await StoredEvent.filter(shipment_id=shipment.id).count() == 2
    assert len(await status_changes(shipment)) == 1


async def test_out_of_order_events_are_stored_and_sorted_by_time(db: str) -> None:
    shipment = await factories.shipment()
    number = shipment.tracking_number
    await ingest(
        shipment,
        result(number, scan(1, Status.OUT_FOR_DELIVERY)),
        source=EventSource.PUSH,
        now=NOW,
        settings=factories.app_settings(),
    )
    late = await ingest(
        shipment,
        result(number, scan(6, Status.INFO_RECEIVED), scan(4, Status.IN_TRANSIT)),
        source=EventSource.PUSH,
        now=NOW,
        settings=factories.app_settings(),
    )
    assert (late.new_events, late.status_changed) == (2, False)
    stored = await StoredEvent.filter(shipment_id=shipment.id).order_by("occurred_at")
    assert [e.status for e in stored] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
    ]
    assert (await Shipment.get(id=shipment.id)).status is Status.OUT_FOR_DELIVERY


async def test_a_final_status_is_never_rolled_back_by_an_older_event(db: str) -> None:
    shipment = await factories.shipment()
    number = shipment.tracking_number
    await ingest(
        shipment,
        result(
            number,
            scan(2, Status.DELIVERED),
            status=Status.DELIVERED,
            delivered_at=NOW - 2 * H,
            signed_by="Ann",
        ),
        source=EventSource.POLL,
        now=NOW,
        settings=factories.app_settings(),
    )
    await ingest(
        shipment,
        result(number, scan(5, Status.OUT_FOR_DELIVERY)),
        source=EventSource.PUSH,
        now=NOW,
        settings=factories.app_settings(),
    )
    stored = await Shipment.get(id=shipment.id)
    assert (stored.status, stored.signed_by, stored.delivered_at) == (
        Status.DELIVERED,
        "Ann",
        NOW - 2 * H,
    )
    assert len(await status_changes(shipment)) == 1


async def test_a_not_found_answer_keeps_everything_known(db: str) -> None:
    shipment = await factories.shipment()
    await ingest(
        shipment,
        result(
            shipment.tracking_number,
            scan(2, Status.IN_TRANSIT),
            estimated_delivery=date(2026, 11, 22),
        ),
        source=EventSource.POLL,
        now=NOW,
        settings=factories.app_settings(),
    )
    outcome = await ingest(
        shipment,
        TrackingResult(shipment.tracking_number, not_found=True),
        source=EventSource.POLL,
        now=NOW + H,
        settings=factories.app_settings(),
    )
    assert (outcome.new_events, outcome.status_changed) == (0, False)
    stored = await Shipment.get(id=shipment.id)
    assert (stored.status, stored.estimated_delivery) == (Status.IN_TRANSIT, date(2026, 11, 22))
    assert await StoredEvent.filter(shipment_id=shipment.id).count() == 1


async def test_an_eta_moved_to_a_later_day_emits_a_delay(db: str) -> None:
    shipment = await factories.shipment()
    number = shipment.tracking_number
    await ingest(
        shipment,
        result(number, scan(3, Status.IN_TRANSIT), estimated_delivery=date(2026, 11, 21)),
        source=EventSource.POLL,
        now=NOW,
        settings=factories.app_settings(),
    )
    outcome = await ingest(
        shipment,
        result(number, scan(3, Status.IN_TRANSIT), estimated_delivery=date(2026, 11, 23)),
        source=EventSource.POLL,
        now=NOW + H,
        settings=factories.app_settings(),
    )
    assert outcome.delayed
    [delay] = await DomainEvent.filter(kind=events.SHIPMENT_DELAYED, subject_id=shipment.id)
    assert (delay.payload["old_eta"], delay.payload["new_eta"]) == ("2026-11-21", "2026-11-23")
    stored = await Shipment.get(id=shipment.id)
    assert (stored.estimated_delivery, stored.first_estimated_delivery) == (
        date(2026, 11, 23),
        date(2026, 11, 21),
    )


async def test_a_failing_listener_rolls_back_the_whole_ingest(db: str) -> None:
    shipment = await factories.shipment()
    armed = [True]  # listeners stay registered for the session: disarm after this test

    @events.listen(events.SHIPMENT_STATUS_CHANGED)
    async def boom(event: DomainEvent, ctx: events.ListenerContext) -> None:
        if armed and event.payload.get("tracking_number") == shipment.tracking_number:
            raise RuntimeError("listener failed")

    try:
        with pytest.raises(RuntimeError):
            await ingest(
                shipment,
                result(shipment.tracking_number, scan(1, Status.IN_TRANSIT)),
                source=EventSource.POLL,
                now=NOW,
                settings=factories.app_settings(),
            )
    finally:
        armed.clear()
    stored = await Shipment.get(id=shipment.id)
    assert (stored.status, stored.last_polled_at) == (Status.PENDING, None)
    assert await StoredEvent.filter(shipment_id=shipment.id).count() == 0


async def test_a_push_never_postpones_the_next_poll(db: str) -> None:
    shipment = await factories.shipment(next_poll_at=NOW + 5 * 60 * timedelta(seconds=1))
    await ingest(
        shipment,
        result(shipment.tracking_number, scan(1, Status.IN_TRANSIT)),
        source=EventSource.PUSH,
        now=NOW,
        settings=factories.app_settings(),
    )
    stored = await Shipment.get(id=shipment.id)
    assert stored.next_poll_at == NOW + timedelta(minutes=5)
    assert stored.last_polled_at is None


async def test_bulk_ingest_costs_the_same_statements_for_50_or_500_shipments(
    db: str, emits: list[str]
) -> None:
    shop = await factories.merchant()

    async def statements(count: int, offset: int) -> tuple[int, int]:
        numbers = [f"SBX{offset + i:011d}" for i in range(count)]
        shipments = await make_shipments(shop, None, numbers)
        both = (scan(3, Status.INFO_RECEIVED), scan(2, Status.IN_TRANSIT))
        items = [(s.id, result(s.tracking_number, *both)) for s in shipments]
        emits.clear()
        with counting_queries() as first:
            await ingest_many(
                items, source=EventSource.POLL, now=NOW, settings=factories.app_settings()
            )
        assert len(emits) == count  # one status change each, emitted through events.emit
        with counting_queries() as steady:
            await ingest_many(
                items, source=EventSource.POLL, now=NOW + H, settings=factories.app_settings()
            )
        return first.count, steady.count

    assert await statements(50, 0) == await statements(500, 1000)


async def test_an_unchanged_answer_records_only_the_poll(db: str) -> None:
    shipment = await factories.shipment()
    settings = factories.app_settings()
    answer = result(shipment.tracking_number, scan(2, Status.IN_TRANSIT), digest="d1")
    await ingest(shipment, answer, source=EventSource.POLL, now=NOW, settings=settings)
    first = await Shipment.get(id=shipment.id)
    assert first.poll_digest == "d1"

    same = TrackingResult(number=shipment.tracking_number, digest="d1", unchanged=True)
    [outcome] = await ingest_many(
        [(shipment.id, same)], source=EventSource.POLL, now=NOW + H, settings=settings
    )

    after = await Shipment.get(id=shipment.id)
    assert (outcome.new_events, outcome.status_changed) == (0, False)
    assert after.last_polled_at == NOW + H
    assert after.next_poll_at is not None and after.next_poll_at > NOW + H
    picture = ("status", "last_event_at", "shipped_at", "poll_digest")
    assert [getattr(after, n) for n in picture] == [getattr(first, n) for n in picture]
    assert await StoredEvent.filter(shipment_id=shipment.id).count() == 1
    assert len(await status_changes(shipment)) == 1


async def test_an_unchanged_answer_about_a_shipment_written_since_the_claim_is_polled_again(
    db: str,
) -> None:
    shipment = await factories.shipment()
    settings = factories.app_settings()
    answer = result(shipment.tracking_number, scan(2, Status.IN_TRANSIT), digest="d1")
    await ingest(shipment, answer, source=EventSource.POLL, now=NOW, settings=settings)
    # A push lands between the claim (which read "d1") and the write-back: it clears the
    # digest, so the poll's "unchanged" no longer describes what is stored.
    push = result(shipment.tracking_number, scan(1, Status.OUT_FOR_DELIVERY), digest="d2")
    await ingest(shipment, push, source=EventSource.PUSH, now=NOW, settings=settings)
    assert (await Shipment.get(id=shipment.id)).poll_digest is None

    same = TrackingResult(number=shipment.tracking_number, digest="d1", unchanged=True)
    await ingest_many(
        [(shipment.id, same)], source=EventSource.POLL, now=NOW + H, settings=settings
    )

    after = await Shipment.get(id=shipment.id)
    assert after.next_poll_at == NOW + H  # due at once, to be polled in full
    assert after.status is Status.OUT_FOR_DELIVERY
    assert after.last_polled_at == NOW  # this answer was not taken as a poll
    assert await StoredEvent.filter(shipment_id=shipment.id).count() == 2


async def test_an_unchanged_answer_still_expires_a_silent_shipment(db: str) -> None:
    shipment = await factories.shipment()
    settings = factories.app_settings()
    answer = result(shipment.tracking_number, scan(2, Status.IN_TRANSIT), digest="d1")
    await ingest(shipment, answer, source=EventSource.POLL, now=NOW, settings=settings)
    later = NOW + timedelta(days=400)

    same = TrackingResult(number=shipment.tracking_number, digest="d1", unchanged=True)
    [outcome] = await ingest_many(
        [(shipment.id, same)], source=EventSource.POLL, now=later, settings=settings
    )

    assert (outcome.old_status, outcome.new_status) == (Status.IN_TRANSIT, Status.EXPIRED)
    assert (await Shipment.get(id=shipment.id)).status is Status.EXPIRED
    assert [e.payload["new_status"] for e in await status_changes(shipment)] == [
        "in_transit",
        "expired",
    ]
