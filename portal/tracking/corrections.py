"""Correcting a shipment a person registered wrongly: another tracking number or carrier.

What the wrong number told us belongs to someone else's parcel, so it is dropped: its
scans, the status and dates derived from them, and the messages about it not yet sent
(cancelled, never deleted: the outbox keeps what happened). The shipment then counts as
new and is polled at once; messages already sent stay sent, and the outbox's unique keys
keep the customer from hearing the same step twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal.models import MessageState, OutboxMessage, Shipment, TrackingEvent


class CorrectionError(ValueError):
    """The correction cannot be made; the message says why."""


@dataclass(frozen=True, slots=True)
class Correction:
    """What changed: the shipment as stored afterwards and whether history was dropped."""

    shipment: Shipment
    changed: bool


#: Everything derived from the carrier's answers, back to a shipment nobody polled yet.
_FRESH = {
    "status": Status.PENDING,
    "reason": None,
    "estimated_delivery": None,
    "eta_window_start": None,
    "eta_window_end": None,
    "first_estimated_delivery": None,
    "shipped_at": None,
    "delivered_at": None,
    "signed_by": None,
    "carrier_url": None,
    "last_event_at": None,
    "last_polled_at": None,
    "poll_failures": 0,
    "last_error": None,
    "refresh_lease_until": None,
    "pickup_point": None,
    "pickup_deadline": None,
    "poll_digest": None,
}


async def correct(
    shipment: Shipment,
    *,
    now: datetime,
    tracking_number: str | None = None,
    carrier: str | None = None,
    pin: bool = True,
) -> Correction:
    """Give ``shipment`` another number and/or carrier. A carrier a person chose is pinned
    (``pin``); one detected from the new number is not.

    Raises :class:`CorrectionError` when the shop already has a shipment with that
    carrier and number.
    """
    number = tracking_number or shipment.tracking_number
    key = carrier or shipment.carrier_key
    if number == shipment.tracking_number and key == shipment.carrier_key:
        if carrier is not None and pin and not shipment.carrier_pinned:
            await Shipment.filter(id=shipment.id).update(carrier_pinned=True)
            shipment.carrier_pinned = True
        return Correction(shipment, changed=False)
    changes: dict[str, object] = {
        **_FRESH,
        "tracking_number": number,
        "carrier_key": key,
        "carrier_pinned": shipment.carrier_pinned or (carrier is not None and pin),
        "next_poll_at": now,
    }
    if key != shipment.carrier_key:
        changes["carrier_account_id"] = None
    try:
        async with in_transaction() as conn:
            await TrackingEvent.filter(shipment_id=shipment.id).using_db(conn).delete()
            await (
                OutboxMessage.filter(shipment_id=shipment.id, state=MessageState.PENDING)
                .using_db(conn)
                .update(state=MessageState.CANCELLED, error="tracking number corrected")
            )
            await Shipment.filter(id=shipment.id).using_db(conn).update(**changes)
    except IntegrityError:
        raise CorrectionError(f"Shipment {key} {number} is already registered.") from None
    await shipment.refresh_from_db()
    return Correction(shipment, changed=True)
