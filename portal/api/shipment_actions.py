"""``PATCH /shipments/{id}`` and ``POST /shipments/{id}/refresh``: correct and re-poll.

A shop that typed a wrong number or picked the wrong carrier corrects it here (history of
the wrong number is dropped, :mod:`portal.tracking.corrections`), and a shop with several
accounts for a carrier moves a shipment to another (history kept: the parcel is the same,
only the credentials it is asked about with change); a shop that wants news
now asks for a refresh, which goes through the same on-demand path as the tracking page
(one carrier call however many ask, :mod:`portal.tracking.refresh`), at most once a minute
per shipment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from carriers.detection import is_plausible, normalise
from portal.api.errors import ApiError, invalid_field
from portal.api.operations import Call, Operation, Reply
from portal.api.schemas import component, nullable, obj, string
from portal.api.shipments import (
    SHIPMENT,
    SHIPMENT_ID,
    choose_carrier,
    owned_shipment,
    shipments_json,
)
from portal.models import Shipment
from portal.tracking import accounts, corrections, problems, refresh, registration

#: A shipment asked about this recently is not asked about again on request.
REFRESH_INTERVAL = timedelta(seconds=60)
#: How long the request waits for the carrier before answering 202.
REFRESH_WAIT_SECONDS = 5.0

SHIPMENT_PATCH = component(
    "ShipmentCorrection",
    obj(
        {},
        {
            "tracking_number": string(minLength=1, maxLength=64),
            "carrier": string(
                minLength=1,
                maxLength=64,
                description="Carrier key (pinned). With only `tracking_number`, the carrier "
                "is detected again unless it was pinned.",
            ),
            "carrier_account_id": nullable(
                {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Poll it through this one of the shop's accounts for its "
                    "carrier (the `carrier` sent, else its own) from now on; null: through "
                    "the shop's only account for the carrier. Its history is kept.",
                }
            ),
        },
    ),
)


async def _reply(shipment: Shipment, status: int = 200) -> Reply:
    return Reply(status, (await shipments_json([shipment], datetime.now(UTC)))[0])


async def _poll_now(call: Call, shipment: Shipment) -> bool:
    client: Any = call.request.app.state.http_client
    return await refresh.refresh_if_stale(
        shipment,
        call.settings,
        client=client,
        max_age=REFRESH_INTERVAL,
        timeout=REFRESH_WAIT_SECONDS,
        now=call.now,
    )


async def _account_id(call: Call, carrier: str) -> int | None:
    """The ``carrier_account_id`` sent, checked: one of the shop's accounts for
    ``carrier`` (the shipment's carrier after the change), or None."""
    account_id: int | None = call.body["carrier_account_id"]
    if account_id is None:
        return None
    try:
        await corrections.shop_account(call.merchant_id, account_id, carrier)
    except corrections.AccountRefused as exc:
        raise invalid_field("/carrier_account_id", str(exc)) from None
    return account_id


async def correct_shipment(call: Call) -> Reply:
    shipment = await owned_shipment(call.merchant_id, call.path["id"])
    body = call.body
    if not body:
        raise invalid_field(
            "/", "send `tracking_number`, `carrier`, `carrier_account_id` or several"
        )
    number = None
    if "tracking_number" in body:
        if not is_plausible(body["tracking_number"]):
            raise invalid_field("/tracking_number", "is not a plausible tracking number")
        number = normalise(body["tracking_number"])
    carrier = body.get("carrier")
    offered = accounts.offered(call.settings)
    if carrier is not None and carrier not in offered:
        raise invalid_field("/carrier", f"must be one of: {', '.join(offered)}")
    pin = carrier is not None
    naming = "carrier_account_id" in body
    if carrier is None and number is not None and not shipment.carrier_pinned and not naming:
        # a detected carrier is a proposal: not pinned
        prefer = await registration.preferences(call.merchant_id)
        carrier = choose_carrier(number, offered, **prefer)
    account_id: int | Literal["keep"] | None = corrections.KEEP
    if naming:  # an account named keeps the carrier: no detection from a new number
        account_id = await _account_id(call, carrier or shipment.carrier_key)
    try:
        result = await corrections.correct(
            shipment,
            now=call.now,
            tracking_number=number,
            carrier=carrier,
            pin=pin,
            account_id=account_id,
        )
    except corrections.CorrectionError as exc:
        raise ApiError(409, str(exc)) from None
    if result.changed or result.moved:
        await _poll_now(call, result.shipment)
    return await _reply(result.shipment)


async def refresh_shipment(call: Call) -> Reply:
    shipment = await owned_shipment(call.merchant_id, call.path["id"])
    if shipment.status.is_final and shipment.next_poll_at is None:
        return await _reply(shipment)
    if await refresh.account_for(shipment) is None:
        missing = problems.no_account(shipment, await problems.shop_accounts(call.merchant_id))
        raise ApiError(409, missing.message, title="No carrier account")
    last = shipment.last_polled_at
    if last is not None and call.now - last < REFRESH_INTERVAL:
        wait = int((REFRESH_INTERVAL - (call.now - last)).total_seconds()) + 1
        raise ApiError(
            429,
            "This shipment was asked about less than a minute ago.",
            headers={"Retry-After": str(wait)},
        )
    await Shipment.filter(id=shipment.id).update(next_poll_at=call.now)
    if await _poll_now(call, shipment):
        return await _reply(shipment)
    await shipment.refresh_from_db()
    return await _reply(shipment, 202)


OPERATIONS = [
    Operation(
        "PATCH",
        "/shipments/{id}",
        "correctShipment",
        "Correct a shipment's tracking number or carrier (the wrong number's history is "
        "dropped), or move it to another of the shop's carrier accounts",
        "shipments",
        correct_shipment,
        {200: SHIPMENT},
        body=SHIPMENT_PATCH,
        params=(SHIPMENT_ID,),
        errors=(409,),
    ),
    Operation(
        "POST",
        "/shipments/{id}/refresh",
        "refreshShipment",
        "Ask the carrier now (at most once a minute per shipment)",
        "shipments",
        refresh_shipment,
        {200: SHIPMENT, 202: SHIPMENT},
        params=(SHIPMENT_ID,),
        errors=(409,),
        description="200 when the carrier answered within a few seconds (the shipment as "
        "now stored); 202 when the answer is still on its way (the shipment is due for "
        "polling now). 409 when the shop has no usable account for the carrier; 429 with "
        "`Retry-After` when it was asked about in the last minute.",
    ),
]
