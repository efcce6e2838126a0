"""``POST /claims/{number}/actions/{action}``: the shop's helpdesk resolves a claim: review,
reship, refund, reject.

Each calls the function the workspace's claim page calls (:mod:`portal.claims.service`),
so the checks are the same, a reship makes the same replacement order and tracked parcel,
and the same ``claim.*`` event tells the customer and the shop's webhooks; the actor is
recorded as ``api:<API key id>``. A move the claim's state does not allow (it is resolved
already, or another process resolved it first) answers 409 with the state as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from portal.api.claims import CLAIM, NUMBER, owned_claim
from portal.api.errors import ApiError, invalid_field
from portal.api.operations import Call, Handler, Operation, Reply
from portal.api.return_actions import PARCEL_REFUSALS
from portal.api.schemas import Schema, component, obj, string
from portal.claims import service, states
from portal.claims.export import claim_json
from portal.models import Claim
from portal.tracking import accounts, registration

REVIEW_IN = component("ClaimReviewInput", obj({}))
RESHIP_IN = component(
    "ClaimReshipInput",
    obj(
        {"tracking_number": string(minLength=1, maxLength=64)},
        {"carrier": string(minLength=1, maxLength=64, description="Detected when omitted.")},
    ),
)
REFUND_IN = component(
    "ClaimRefundInput",
    obj(
        {
            "amount": string(
                pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
                description="What the shop refunds, in the order's currency, e.g. 49.90; at "
                "most what the order cost (lines and delivery) less what its claims and "
                "settled returns refunded already (422 on `/amount` above that).",
            )
        }
    ),
)
REJECT_IN = component(
    "ClaimRejectInput",
    obj({"reason": string(minLength=1, maxLength=2000, description="Why: the customer reads it.")}),
)

#: :class:`service.ClaimRefused` codes → the field at fault and what is wrong with it.
_REFUSALS = {
    "amount": ("/amount", "must be more than 0"),
    "reason": ("/reason", "tells the customer why: it cannot be blank"),
}

Move = Callable[[Claim, Call, str], Awaitable[None]]


async def _review(claim: Claim, call: Call, actor: str) -> None:
    await service.review(claim, actor=actor, settings=call.settings)


async def _reship(claim: Claim, call: Call, actor: str) -> None:
    try:
        await service.reship(
            claim,
            tracking_number=call.body["tracking_number"],
            carrier=call.body.get("carrier"),
            offered=accounts.offered(call.settings),
            actor=actor,
            settings=call.settings,
            now=call.now,
        )
    except registration.Refused as refused:
        status, pointer, detail = PARCEL_REFUSALS[refused.code]
        if refused.candidates:
            detail = f"{detail} ({', '.join(refused.candidates)})"
        if pointer is None:
            raise ApiError(status, detail) from None
        raise invalid_field(pointer, detail) from None


async def _refund(claim: Claim, call: Call, actor: str) -> None:
    amount = service.parse_amount(call.body["amount"])
    await service.refund(claim, amount, actor=actor, settings=call.settings)


async def _reject(claim: Claim, call: Call, actor: str) -> None:
    await service.reject(claim, call.body["reason"], actor=actor, settings=call.settings)


def _run(move: Move) -> Handler:
    async def handle(call: Call) -> Reply:
        claim = await owned_claim(call)
        try:
            await move(claim, call, f"api:{call.caller.api_key_id}")
        except states.ClaimMoveRefused as refused:
            raise ApiError(
                409,
                f"This cannot be done while the claim is {refused.current.value!r}.",
                state=refused.current.value,
            ) from None
        except service.RefundTooLarge as refused:
            raise invalid_field(
                "/amount",
                f"is more than the order cost, less what was already refunded for it: at "
                f"most {refused.most:.2f} {refused.currency}",
            ) from None
        except service.ClaimRefused as refused:
            pointer, detail = _REFUSALS.get(refused.code, ("", "is refused"))
            raise invalid_field(pointer, detail) from None
        await claim.refresh_from_db()
        return Reply(200, await claim_json(claim))

    return handle


_MOVES: list[tuple[str, str, str, Move, Schema]] = [
    ("review", "reviewClaim", "Start reviewing a claim (send `{}`)", _review, REVIEW_IN),
    (
        "reship",
        "reshipClaim",
        "Resolve with a replacement: a replacement order and its parcel, tracked",
        _reship,
        RESHIP_IN,
    ),
    ("refund", "refundClaim", "Resolve with a refund of an amount", _refund, REFUND_IN),
    (
        "reject",
        "rejectClaim",
        "Reject a claim with the reason the customer reads",
        _reject,
        REJECT_IN,
    ),
]

OPERATIONS = [
    Operation(
        "POST",
        f"/claims/{{number}}/actions/{action}",
        operation_id,
        summary,
        "claims",
        _run(move),
        {200: CLAIM},
        body=body,
        params=(NUMBER,),
        errors=(409,),
        description="The same resolution as the workspace's claim page, recorded as "
        "`api:<key id>`; the customer is told as from there. 409 (with `state`) when the "
        "claim's state does not allow it or another change won a race; nothing is changed "
        "then.",
    )
    for action, operation_id, summary, move, body in _MOVES
]
