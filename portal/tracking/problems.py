"""Why a shipment is not being tracked, in one short code the shop can act on.

The workspace's shipment page and the API's shipment payload (``tracking_problem``) both
ask :func:`tracking_problem`, so they never disagree (the page words each ``code`` in the
staff member's language; ``message`` is the API's English). It is pure: callers load the shop's
carrier accounts once (:func:`shop_accounts`) and ask about any number of shipments, so a
list costs one query more, not one per row. The account it picks is the one the poller
would use (:func:`portal.tracking.accounts.polling_account`): the shipment's own, else the
shop's only account for the carrier, else the one marked default for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from carriers.base import Status
from portal.models import CarrierAccount, Shipment
from portal.tracking.accounts import Health, candidates, health_of, polling_account

NO_CARRIER_ACCOUNT = "no_carrier_account"
#: The shop has several accounts of the carrier, the shipment names none and none is
#: marked default: which credentials to use is the shop's choice.
ACCOUNT_NOT_CHOSEN = "carrier_account_not_chosen"
CREDENTIALS_REFUSED = "credentials_refused"
CARRIER_UNAVAILABLE = "carrier_unavailable"
EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class TrackingProblem:
    """``code`` for programs, ``message`` for people, ``until`` when it clears by itself."""

    code: str
    message: str
    until: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "until": self.until.isoformat() if self.until is not None else None,
        }


async def shop_accounts(merchant_id: int) -> list[CarrierAccount]:
    """Every carrier account of the shop (one query, for any number of shipments)."""
    return await CarrierAccount.filter(merchant_id=merchant_id).order_by("id")


def no_account(shipment: Shipment, accounts: Sequence[CarrierAccount]) -> TrackingProblem:
    """Why no account polls ``shipment`` (:func:`polling_account` found none): the shop has
    several of its carrier and none is chosen, or it has none."""
    several = len(candidates(shipment, accounts))
    if shipment.carrier_account_id is None and several > 1:
        return TrackingProblem(
            ACCOUNT_NOT_CHOSEN,
            f"The shop has {several} {shipment.carrier_key} carrier accounts and none is "
            "marked default: choose the account on the shipment, or mark one as the "
            "default under Carrier accounts.",
        )
    return TrackingProblem(
        NO_CARRIER_ACCOUNT,
        f"No usable {shipment.carrier_key} carrier account: add one under Carrier "
        "accounts, or correct the carrier.",
    )


def tracking_problem(
    shipment: Shipment, accounts: Sequence[CarrierAccount], now: datetime
) -> TrackingProblem | None:
    """None while the shipment is tracked (or has nothing left to track)."""
    status = Status(shipment.status)
    if status is Status.EXPIRED:
        return TrackingProblem(
            EXPIRED, "Tracking stopped: the carrier had no news for too long. Track it again."
        )
    if status.is_final:
        return None
    account = polling_account(shipment, accounts)
    if account is None:
        return no_account(shipment, accounts)
    health, until = health_of(account, now)
    if health is Health.DISABLED:
        return TrackingProblem(
            NO_CARRIER_ACCOUNT, f"The {account.name} carrier account is switched off."
        )
    if health is Health.PAUSED:
        return TrackingProblem(
            CREDENTIALS_REFUSED,
            f"The carrier refused the credentials of the {account.name} account; "
            "tracking resumes when they are fixed.",
        )
    if health in (Health.RATE_LIMITED, Health.CIRCUIT_OPEN):
        return TrackingProblem(
            CARRIER_UNAVAILABLE,
            "The carrier is not answering for now; tracking resumes by itself.",
            until,
        )
    return None
