"""Carrier scans of the return parcel move the return, in the tracking engine's transaction."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from portal import events
from portal.models import ReturnRequest, ReturnTransition, Shipment
from portal.models.returns import ReturnState as S
from portal.models.tracking import Direction
from portal.returns import tracking_listener  # noqa: F401  (registers the listener)
from tests import factories
from tests.returns.helpers import request_in


async def _scan(shipment: Shipment, new_status: str, old_status: str = "pending") -> None:
    async with in_transaction() as conn:
        await events.emit(
            merchant_id=shipment.merchant_id,  # type: ignore[attr-defined]
            kind=events.SHIPMENT_STATUS_CHANGED,
            subject_type="shipment",
            subject_id=shipment.id,
            payload={
                "old_status": old_status,
                "new_status": new_status,
                "reason": None,
                "tracking_number": shipment.tracking_number,
                "carrier_key": shipment.carrier_key,
                "occurred_at": "2026-11-20T10:00:00+00:00",
            },
            using_db=conn,
            settings=factories.app_settings(),
        )


async def _return_with_parcel(
    state: S, direction: Direction = Direction.RETURN
) -> tuple[ReturnRequest, Shipment]:
    request = await request_in(state)
    parcel = await factories.shipment(
        await request.merchant,
        order_id=request.order_id,
        direction=direction,  # type: ignore[attr-defined]
    )
    await ReturnRequest.filter(id=request.id).update(return_shipment_id=parcel.id)
    return request, parcel


SCANS = [
    ("in-transit", S.AWAITING_SHIPMENT, ["in_transit"], S.IN_TRANSIT),
    ("then-delivered", S.AWAITING_SHIPMENT, ["in_transit", "delivered"], S.RECEIVED),
    ("delivered-without-transit-scan", S.AWAITING_SHIPMENT, ["delivered"], S.RECEIVED),
    ("out-for-delivery-counts-as-transit", S.AWAITING_SHIPMENT, ["out_for_delivery"], S.IN_TRANSIT),
    ("repeated-scan-ignored", S.AWAITING_SHIPMENT, ["in_transit", "in_transit"], S.IN_TRANSIT),
    ("late-transit-scan-after-receipt-ignored", S.RECEIVED, ["in_transit"], S.RECEIVED),
    ("exception-ignored", S.AWAITING_SHIPMENT, ["exception"], S.AWAITING_SHIPMENT),
    ("cancelled-return-not-revived", S.CANCELLED, ["delivered"], S.CANCELLED),
]


@pytest.mark.parametrize(("start", "scans", "end"), [pytest.param(*c[1:], id=c[0]) for c in SCANS])
async def test_return_parcel_scans_drive_the_state(
    db: str, start: S, scans: list[str], end: S
) -> None:
    request, parcel = await _return_with_parcel(start)
    for status in scans:
        await _scan(parcel, status)
    assert (await ReturnRequest.get(id=request.id)).state == end
    actors = {t.actor for t in await ReturnTransition.filter(return_request_id=request.id)}
    assert actors <= {"carrier"}


async def test_an_outbound_parcel_moves_no_return(db: str) -> None:
    request, parcel = await _return_with_parcel(S.AWAITING_SHIPMENT, Direction.OUTBOUND)
    await _scan(parcel, "delivered")
    assert (await ReturnRequest.get(id=request.id)).state == S.AWAITING_SHIPMENT


async def test_the_move_rolls_back_with_the_scan(db: str) -> None:
    request, parcel = await _return_with_parcel(S.AWAITING_SHIPMENT)
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await events.emit(
                merchant_id=parcel.merchant_id,  # type: ignore[attr-defined]
                kind=events.SHIPMENT_STATUS_CHANGED,
                subject_type="shipment",
                subject_id=parcel.id,
                payload={"old_status": "pending", "new_status": "delivered"},
                using_db=conn,
                settings=factories.app_settings(),
            )
            raise RuntimeError("the ingest failed after emitting")
    assert (await ReturnRequest.get(id=request.id)).state == S.AWAITING_SHIPMENT
    assert not await ReturnTransition.filter(return_request_id=request.id).exists()


async def test_a_sweep_of_many_scans_moves_each_return_in_order(db: str) -> None:
    first, parcel_a = await _return_with_parcel(S.AWAITING_SHIPMENT)
    second, parcel_b = await _return_with_parcel(S.AWAITING_SHIPMENT)
    specs = [
        events.EventSpec(
            merchant_id=p.merchant_id,  # type: ignore[attr-defined]
            kind=events.SHIPMENT_STATUS_CHANGED,
            subject_type="shipment",
            subject_id=p.id,
            payload={"old_status": "pending", "new_status": status},
        )
        for p, status in (
            (parcel_a, "in_transit"),
            (parcel_b, "delivered"),
            (parcel_a, "delivered"),
        )
    ]
    async with in_transaction() as conn:
        await events.emit_many(specs, using_db=conn, settings=factories.app_settings())
    assert (await ReturnRequest.get(id=first.id)).state == S.RECEIVED
    assert (await ReturnRequest.get(id=second.id)).state == S.RECEIVED
    steps = [
        t.to_state for t in await ReturnTransition.filter(return_request_id=first.id).order_by("id")
    ]
    assert steps == [S.IN_TRANSIT, S.RECEIVED]
