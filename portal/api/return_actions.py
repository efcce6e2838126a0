"""Returns the shop's system moves: ``PUT /returns/{number}/shipment`` links the parcel
coming back (the same rules as the customer's follow page and the workspace,
:mod:`portal.returns.return_parcel`; refusals worded as a claim's reship words them,
:func:`portal.api.actions.parcel_refused`)."""

from __future__ import annotations

from urllib.parse import quote

from portal.api.actions import parcel_refused
from portal.api.operations import Call, Operation, Reply
from portal.api.returns import NUMBER, RETURN, owned_return
from portal.api.schemas import component, obj, string
from portal.returns import return_parcel
from portal.returns.public import return_json
from portal.tracking import accounts

PARCEL_IN = component(
    "ReturnShipmentInput",
    obj(
        {"tracking_number": string(minLength=1, maxLength=64)},
        {"carrier": string(minLength=1, maxLength=64, description="Detected when omitted.")},
    ),
)


async def put_shipment(call: Call) -> Reply:
    request = await owned_return(call)
    try:
        linked = await return_parcel.link(
            request,
            call.body["tracking_number"],
            carrier=call.body.get("carrier"),
            offered=accounts.offered(call.settings),
            now=call.now,
        )
    except return_parcel.ParcelRefused as refused:
        raise parcel_refused(refused.code) from None
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
