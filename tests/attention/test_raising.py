"""Attention items: raised once per episode by domain events, closed when the episode ends."""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from portal import events
from portal.event_catalogue import SURVEY_FOLLOW_UP
from portal.models import AttentionItem, AttentionKind, Direction, Outcome, Survey
from tests import factories
from tests.attention.helpers import NOW, late, status, stuck

SINCE = NOW - timedelta(days=2)


async def _open(kind: AttentionKind | None = None) -> list[AttentionItem]:
    query = AttentionItem.filter(closed_at=None, resolved_at=None)
    if kind is not None:
        query = query.filter(kind=kind)
    return await query.order_by("id")


async def test_a_late_parcel_raises_one_item_however_often_it_is_reported(db: str) -> None:
    parcel = await factories.shipment(carrier_key="dhl", status="in_transit")
    for _ in range(3):
        await late(parcel, SINCE)
    (item,) = await AttentionItem.all()
    assert (item.kind, item.shipment_id, item.merchant_id) == (
        AttentionKind.LATE,
        parcel.id,
        parcel.merchant_id,
    )
    assert item.carrier_key == "dhl"
    assert item.since == SINCE
    assert item.is_open


async def test_delivery_closes_late_and_stuck_but_not_an_unrelated_parcel(db: str) -> None:
    parcel = await factories.shipment(status="in_transit")
    other = await factories.shipment(status="in_transit")
    await late(parcel, SINCE)
    await stuck(parcel, SINCE)
    await late(other, SINCE)
    await status(parcel, "in_transit", "delivered", NOW)
    assert [(i.kind, i.shipment_id) for i in await _open()] == [(AttentionKind.LATE, other.id)]
    closed = await AttentionItem.filter(shipment_id=parcel.id)
    assert len(closed) == 2 and all(i.closed_at == NOW for i in closed)
    # The same lateness reported again after delivery is the same episode: nothing new.
    await late(parcel, SINCE)
    assert await AttentionItem.filter(shipment_id=parcel.id).count() == 2


async def test_a_scan_ends_stuck_and_a_later_stuck_is_a_new_episode(db: str) -> None:
    parcel = await factories.shipment(status="in_transit")
    await stuck(parcel, SINCE)
    await status(parcel, "in_transit", "out_for_delivery", NOW - timedelta(days=1))
    assert await _open() == []
    await stuck(parcel, NOW - timedelta(hours=30))
    await stuck(parcel, NOW - timedelta(hours=30))
    (item,) = await _open()
    assert item.since == NOW - timedelta(hours=30)
    # Another start without a status change between still means a scan came: one open.
    await stuck(parcel, NOW - timedelta(hours=3))
    (item,) = await _open()
    assert item.since == NOW - timedelta(hours=3)
    assert await AttentionItem.filter(kind=AttentionKind.STUCK).count() == 3


async def test_problem_statuses_raise_items_and_moving_on_closes_them(db: str) -> None:
    parcel = await factories.shipment(status="in_transit", carrier_key="inpost")
    await status(parcel, "in_transit", "exception", SINCE, reason="address_issue")
    (item,) = await _open()
    assert (item.kind, item.detail, item.carrier_key) == (
        AttentionKind.EXCEPTION,
        {"reason": "address_issue"},
        "inpost",
    )
    await status(parcel, "exception", "failed_attempt", NOW - timedelta(days=1))
    assert [i.kind for i in await _open()] == [AttentionKind.FAILED_ATTEMPT]
    await status(parcel, "failed_attempt", "returned_to_sender", NOW)
    assert [i.kind for i in await _open()] == [AttentionKind.RETURNED_TO_SENDER]
    # A parcel on its way back stays in the queue until a person resolves it.
    await status(parcel, "returned_to_sender", "delivered", NOW + timedelta(days=1))
    assert [i.kind for i in await _open()] == [AttentionKind.RETURNED_TO_SENDER]


async def test_ordinary_progress_raises_nothing(db: str) -> None:
    parcel = await factories.shipment()
    await status(parcel, "pending", "in_transit", SINCE)
    await status(parcel, "in_transit", "delivered", NOW)
    assert await AttentionItem.all().count() == 0


async def test_return_parcels_are_not_queued(db: str) -> None:
    parcel = await factories.shipment(direction=Direction.RETURN)
    await late(parcel, SINCE)
    await status(parcel, "in_transit", "exception", NOW)
    assert await AttentionItem.all().count() == 0


async def test_an_event_naming_another_shops_parcel_raises_nothing(db: str) -> None:
    parcel = await factories.shipment()
    stranger = await factories.merchant()
    async with in_transaction() as conn:
        await events.emit(
            merchant_id=stranger.id,
            kind="shipment.late",
            subject_type="shipment",
            subject_id=parcel.id,
            payload={"shipment_id": parcel.id, "since": SINCE.isoformat()},
            using_db=conn,
            settings=factories.app_settings(),
        )
    assert await AttentionItem.all().count() == 0


async def test_a_sweeps_batch_raises_and_closes_in_one_go(db: str) -> None:
    parcels = [await factories.shipment(status="in_transit") for _ in range(3)]
    await late(parcels[0], SINCE)
    specs = [
        events.EventSpec(
            merchant_id=p.merchant_id,
            kind="shipment.status_changed",
            subject_type="shipment",
            subject_id=p.id,
            payload={
                "old_status": "in_transit",
                "new_status": new,
                "reason": None,
                "occurred_at": NOW.isoformat(),
                "tracking_number": p.tracking_number,
                "carrier_key": p.carrier_key,
                "source": "poll",
            },
        )
        for p, new in zip(parcels, ("delivered", "exception", "failed_attempt"), strict=True)
    ]
    async with in_transaction() as conn:
        await events.emit_many(specs, using_db=conn, settings=factories.app_settings(), now=NOW)
    assert [(i.kind, i.shipment_id) for i in await _open()] == [
        (AttentionKind.EXCEPTION, parcels[1].id),
        (AttentionKind.FAILED_ATTEMPT, parcels[2].id),
    ]


async def test_an_unhappy_survey_answer_is_queued_once(db: str) -> None:
    parcel = await factories.shipment(status="delivered", carrier_key="dpd_pl")
    survey = await Survey.create(
        merchant_id=parcel.merchant_id,
        shipment=parcel,
        outcome=Outcome.LATE,
        questions=["csat_delivery"],
        token_hash="a" * 64,
        expires_at=NOW + timedelta(days=30),
    )
    for _ in range(2):
        async with in_transaction() as conn:
            await events.emit(
                merchant_id=parcel.merchant_id,
                kind=SURVEY_FOLLOW_UP,
                subject_type="survey",
                subject_id=survey.id,
                payload={"question": "csat_delivery", "score": 1, "outcome": "late"},
                using_db=conn,
                settings=factories.app_settings(),
            )
    (item,) = await _open()
    assert (item.kind, item.survey_id, item.shipment_id, item.carrier_key) == (
        AttentionKind.UNHAPPY_ANSWER,
        survey.id,
        parcel.id,
        "dpd_pl",
    )
    assert item.detail["score"] == 1
    # Delivery news about its parcel does not close a customer's complaint.
    await status(parcel, "delivered", "delivered", NOW)
    assert len(await _open()) == 1
