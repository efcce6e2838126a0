"""Returns the shop's system moves: ``PUT /returns/{number}/shipment`` links the parcel
coming back (the same rules as the customer's follow page and the workspace,
:mod:`portal.returns.return_parcel`)."""

from __future__ import annotations

from urllib.parse import quote

from portal.api.errors import ApiError, invalid_field, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.returns import RETURN
from portal.api.schemas import component, obj, string
from portal.models import ReturnRequest
from portal.returns import return_parcel
from portal.returns.public import return_json
from portal.tracking import accounts

NUMBER = Param("number", string(minLength=1, maxLength=32), "The RMA number.", "path", True)

PARCEL_IN = component(
    "ReturnShipmentInput",
    obj(
        {"tracking_number": string(minLength=1, maxLength=64)},
        {"carrier": string(minLength=1, maxLength=64, description="Detected when omitted.")},
    ),
)

#: Why a parcel is refused (:mod:`portal.tracking.registration`'s codes and ``closed``)
#: → status, pointer (None: not a field's fault) and detail; claims' reships share it.
PARCEL_REFUSALS = {
    "closed": (409, None, "This return no longer takes a parcel."),
    "in_use": (409, None, "The shop already tracks this number with this carrier."),
    "bad_number": (422, "/tracking_number", "is not a plausible tracking number"),
    "unknown_carrier": (422, "/carrier", "is not a carrier this portal offers"),
    "carrier_needed": (422, "/carrier", "is required: no carrier recognises this number"),
    "carrier_ambiguous": (422, "/carrier", "is required: several carriers use this format"),
}


async def put_shipment(call: Call) -> Reply:
    request = await ReturnRequest.get_or_none(
        merchant_id=call.merchant_id, number=call.path["number"]
    )
    if request is None:
        raise not_found("return")
    try:
        linked = await return_parcel.link(
            request,
            call.body["tracking_number"],
            carrier=call.body.get("carrier"),
            offered=accounts.offered(call.settings),
            now=call.now,
        )
    except return_parcel.ParcelRefused as refused:
        status, pointer, detail = PARCEL_REFUSALS[refused.code]
        if pointer is None:
            raise ApiError(status, detail) from None
        raise invalid_field(pointer, detail) from None
    await request.refresh_from_db()
    body = await return_json(request)
    if linked.created:
        return Reply(201, body, location=f"/api/v1/returns/{quote(request.number, safe='')}")
    return Reply(200, body)


OPERATIONS = [
    Operation(
        "PUT",
        "/returns/{number}/shipment",
        "putReturnShipment",
        "Link (or correct) the parcel the customer sends back; its scans move the return",
        "returns",
        put_shipment,
        {200: RETURN, 201: RETURN},
        body=PARCEL_IN,
        params=(NUMBER,),
        errors=(409,),
    ),
]
