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

from carriers.detection import detect, is_plausible, normalise
from portal.models import ReturnRequest, Shipment
from portal.models.returns import ReturnState as S
from portal.models.tracking import Direction
from portal.tracking import corrections

#: A return whose parcel can still be added or corrected.
OPEN = frozenset({S.APPROVED, S.AWAITING_SHIPMENT, S.IN_TRANSIT})


class ParcelRefused(ValueError):
    """The number cannot be linked; ``code`` says why (the pages word it)."""

    def __init__(self, code: str, candidates: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.candidates = candidates or []


@dataclass(frozen=True, slots=True)
class Linked:
    shipment: Shipment
    created: bool


def carrier_for(number: str, given: str | None, offered: list[str]) -> str:
    """The carrier to track ``number`` with: the one given, or the detected leader."""
    if given:
        if given not in offered:
            raise ParcelRefused("unknown_carrier")
        return given
    candidates = [key for key, _confidence in detect(number) if key in offered]
    if not candidates:
        raise ParcelRefused("carrier_needed")
    if len(candidates) > 1:
        raise ParcelRefused("carrier_ambiguous", candidates)
    return candidates[0]


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
    if not is_plausible(tracking_number):
        raise ParcelRefused("bad_number")
    number = normalise(tracking_number)
    key = carrier_for(number, carrier, offered)
    shipment_id = request.return_shipment_id  # type: ignore[attr-defined]
    if shipment_id is not None:
        current = await Shipment.get(id=shipment_id)
        try:
            fixed = await corrections.correct(
                current, now=now, tracking_number=number, carrier=key, pin=carrier is not None
            )
        except corrections.CorrectionError:
            raise ParcelRefused("in_use") from None
        return Linked(fixed.shipment, created=False)
    merchant_id: int = request.merchant_id  # type: ignore[attr-defined]
    try:
        async with in_transaction() as conn:
            shipment = await Shipment.create(
                merchant_id=merchant_id,
                order_id=request.order_id,  # type: ignore[attr-defined]
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
    request.return_shipment_id = shipment.id  # type: ignore[attr-defined]
    return Linked(shipment, created=True)
