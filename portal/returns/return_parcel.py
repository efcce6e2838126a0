"""The parcel a customer sends back, linked to its return so its scans move the return.

The customer gets a tracking number at the drop-off counter and adds it on the return's
follow page; staff can add or correct it in the workspace; the shop's system can send it
through the API. All three come here: the carrier is the one given, else detected from the
number among the carriers this portal offers; the parcel becomes a ``return`` shipment of
the order, polled like any other, and a carrier scan of it moves the return to
``in_transit`` and ``received`` (:mod:`portal.returns.tracking_listener`).

Correcting a linked number reuses the same shipment (:mod:`portal.tracking.corrections`),
so the wrong number's history goes and the return keeps one parcel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.models import ReturnRequest, Shipment
from portal.models.returns import ReturnState as S
from portal.models.tracking import Direction
from portal.tracking import corrections, registration

#: A return whose parcel can still be added or corrected.
OPEN = frozenset({S.APPROVED, S.AWAITING_SHIPMENT, S.IN_TRANSIT})


#: Why a parcel was refused: the registration rules' reasons, and ``closed``.
ParcelRefused = registration.Refused


@dataclass(frozen=True, slots=True)
class Linked:
    shipment: Shipment
    created: bool


async def link(
    request: ReturnRequest,
    tracking_number: str,
    *,
    carrier: str | None,
    offered: list[str],
    now: datetime,
) -> Linked:
    """Link (or correct) the return parcel of ``request``; polled from ``now`` on."""
    if S(request.state) not in OPEN:
        raise ParcelRefused("closed")
    number = registration.clean_number(tracking_number)
    prefer = {} if carrier else await registration.preferences(request.merchant_id)
    key = registration.carrier_for(number, carrier, offered, **prefer)
    shipment_id = request.return_shipment_id
    if shipment_id is not None:
        current = await Shipment.get(id=shipment_id)
        try:
            fixed = await corrections.correct(
                current, now=now, tracking_number=number, carrier=key, pin=carrier is not None
            )
        except corrections.CorrectionError:
            raise ParcelRefused("in_use") from None
        return Linked(fixed.shipment, created=False)
    merchant_id: int = request.merchant_id
    try:
        async with in_transaction() as conn:
            shipment = await Shipment.create(
                merchant_id=merchant_id,
                order_id=request.order_id,
                carrier_key=key,
                carrier_pinned=carrier is not None,
                tracking_number=number,
                direction=Direction.RETURN,
                next_poll_at=now,
                using_db=conn,
            )
            await (
                ReturnRequest.filter(id=request.id)
                .using_db(conn)
                .update(return_shipment_id=shipment.id)
            )
    except IntegrityError:
        raise ParcelRefused("in_use") from None
    request.return_shipment_id = shipment.id
    return Linked(shipment, created=True)
