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
from typing import Literal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal.models import CarrierAccount, MessageState, OutboxMessage, Shipment, TrackingEvent
from portal.tracking import late_clock


class CorrectionError(ValueError):
    """The correction cannot be made; the message says why."""


class AccountRefused(CorrectionError):
    """The carrier account named cannot poll the shipment. ``code``: ``not_found`` (not
    one of the shop's accounts) or ``other_carrier`` (an account of another carrier)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


async def shop_account(merchant_id: int, account_id: int, carrier: str | None) -> CarrierAccount:
    """The shop's account ``account_id``, which must be for ``carrier`` when one is given.

    The one check behind every way of naming a shipment's account (the API's ``POST`` and
    ``PATCH /shipments``, the workspace's shipment page); raises :class:`AccountRefused`.
    """
    account = await CarrierAccount.get_or_none(id=account_id, merchant_id=merchant_id)
    if account is None:
        raise AccountRefused("not_found", "no carrier account of this shop has this id")
    if carrier is not None and carrier != account.carrier_key:
        raise AccountRefused("other_carrier", f"is a {account.carrier_key} account, not {carrier}")
    return account


@dataclass(frozen=True, slots=True)
class Correction:
    """What changed: the shipment as stored afterwards, whether history was dropped and
    whether it moved to another carrier account (both make it due for polling now)."""

    shipment: Shipment
    changed: bool
    moved: bool = False


#: ``account_id`` of :func:`correct` when the shipment's carrier account is not named.
KEEP: Literal["keep"] = "keep"


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
    account_id: int | Literal["keep"] | None = KEEP,
) -> Correction:
    """Give ``shipment`` another number and/or carrier. A carrier a person chose is pinned
    (``pin``); one detected from the new number is not.

    ``account_id`` moves it to that one of the shop's accounts for its (new) carrier, or
    with None to none (the shop's only account for the carrier polls it); the caller has
    checked that the account is the shop's and the carrier's. Naming an account pins the
    carrier. The shipment keeps its history: the parcel is the same, only the
    credentials it is asked about with change. A new carrier without an account named
    leaves it with none.

    Raises :class:`CorrectionError` when the shop already has a shipment with that
    carrier and number.
    """
    number = tracking_number or shipment.tracking_number
    key = carrier or shipment.carrier_key
    named = account_id != KEEP
    pin = (carrier is not None and pin) or (named and account_id is not None)
    if number == shipment.tracking_number and key == shipment.carrier_key:
        return await _move(shipment, account_id, pin, now)
    changes: dict[str, object] = {
        **_FRESH,
        "tracking_number": number,
        "carrier_key": key,
        "carrier_pinned": shipment.carrier_pinned or pin,
        "next_poll_at": now,
    }
    if named:
        changes["carrier_account_id"] = account_id
    elif key != shipment.carrier_key:
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
            await late_clock.refresh(conn, [shipment.id])  # its carrier dates are gone
    except IntegrityError:
        raise CorrectionError(f"Shipment {key} {number} is already registered.") from None
    await shipment.refresh_from_db()
    return Correction(shipment, changed=True)


async def _move(
    shipment: Shipment, account_id: int | Literal["keep"] | None, pin: bool, now: datetime
) -> Correction:
    """Same number and carrier: pin the carrier and move it to ``account_id`` if asked.
    A shipment still tracked becomes due now, so the next poll uses the new account
    (one parked for want of an account would otherwise wait hours)."""
    changes: dict[str, object] = {}
    if pin and not shipment.carrier_pinned:
        changes["carrier_pinned"] = True
    moved = account_id != KEEP and account_id != shipment.carrier_account_id
    if moved:
        changes["carrier_account_id"] = account_id
        if shipment.next_poll_at is not None or not Status(shipment.status).is_final:
            changes["next_poll_at"] = now
    if changes:
        await Shipment.filter(id=shipment.id).update(**changes)
        await shipment.refresh_from_db()
    return Correction(shipment, changed=False, moved=moved)
