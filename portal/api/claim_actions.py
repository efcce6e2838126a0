"""``POST /claims/{number}/actions/{action}``: the shop's helpdesk resolves a claim: review,
reship, refund, reject.

Each calls the function the workspace's claim page calls (:mod:`portal.claims.service`),
so the checks are the same, a reship makes the same replacement order and tracked parcel,
and the same ``claim.*`` event tells the customer and the shop's webhooks; the actor is
recorded as ``api:<API key id>``. A move the claim's state does not allow (it is resolved
already, or another process resolved it first) answers 409 with the state as it is. The
shape (404, 409, the actor, the answer) is the returns' too (:mod:`portal.api.actions`).
"""

from __future__ import annotations

from portal.api.actions import Action, ActionFamily, parcel_refused, state_refused
from portal.api.claims import CLAIM, NUMBER, owned_claim
from portal.api.errors import ApiError, invalid_field
from portal.api.operations import Call
from portal.api.schemas import component, obj, string
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
        raise parcel_refused(refused.code, refused.candidates) from None


async def _refund(claim: Claim, call: Call, actor: str) -> None:
    amount = service.parse_amount(call.body["amount"])
    await service.refund(claim, amount, actor=actor, settings=call.settings)


async def _reject(claim: Claim, call: Call, actor: str) -> None:
    await service.reject(claim, call.body["reason"], actor=actor, settings=call.settings)


async def _refused(_claim: Claim, refused: states.ClaimMoveRefused) -> ApiError:
    return state_refused("claim", refused.current.value)


async def _too_large(_claim: Claim, refused: service.RefundTooLarge) -> ApiError:
    return invalid_field(
        "/amount",
        f"is more than the order cost, less what was already refunded for it: at "
        f"most {refused.most:.2f} {refused.currency}",
    )


async def _invalid(_claim: Claim, refused: service.ClaimRefused) -> ApiError:
    pointer, detail = _REFUSALS.get(refused.code, ("", "is refused"))
    return invalid_field(pointer, detail)


CLAIMS: ActionFamily[Claim] = ActionFamily(
    path="/claims/{number}",
    number=NUMBER,
    tag="claims",
    find=owned_claim,
    answer=claim_json,
    schema=CLAIM,
    # RefundTooLarge is a ClaimRefused: it is looked for first.
    refusals={
        states.ClaimMoveRefused: _refused,
        service.RefundTooLarge: _too_large,
        service.ClaimRefused: _invalid,
    },
    description="The same resolution as the workspace's claim page, recorded as "
    "`api:<key id>`; the customer is told as from there. 409 (with `state`) when the "
    "claim's state does not allow it or another change won a race; nothing is changed "
    "then.",
)

OPERATIONS = CLAIMS.operations(
    [
        Action("review", "reviewClaim", "Start reviewing a claim (send `{}`)", _review, REVIEW_IN),
        Action(
            "reship",
            "reshipClaim",
            "Resolve with a replacement: a replacement order and its parcel, tracked",
            _reship,
            RESHIP_IN,
        ),
        Action("refund", "refundClaim", "Resolve with a refund of an amount", _refund, REFUND_IN),
        Action(
            "reject",
            "rejectClaim",
            "Reject a claim with the reason the customer reads",
            _reject,
            REJECT_IN,
        ),
    ]
)
