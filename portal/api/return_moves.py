"""``POST /returns/{number}/actions/{action}``: the shop's system moves a return through the
queue: approve, reject, receive, inspect, resolve, close, cancel.

Each goes through the functions the workspace calls (:mod:`portal.returns.service`,
:mod:`portal.returns.queue`), so the same checks, stock moves and ``return.*`` webhooks
follow; the actor is recorded as ``api:<API key id>``. A move the return's state does not
allow, or one raced by another process, answers 409 with the state as it is; an exchange
whose variant has no stock left answers 409 too; an inspection that does not cover the
returned items answers 422 with a pointer per item. The shape (404, 409, the actor, the
answer) is the claims' too (:mod:`portal.api.actions`).
"""

from __future__ import annotations

from typing import Any

from portal.api.actions import Action, ActionFamily, state_refused
from portal.api.errors import ApiError, invalid, invalid_field
from portal.api.operations import Call
from portal.api.returns import NUMBER, RETURN, owned_return
from portal.api.schemas import FieldError, component, obj, string
from portal.models import ReturnRequest
from portal.models.returns import ReturnState
from portal.returns import queue, service
from portal.returns.exchanges import OutOfStock
from portal.returns.public import return_json
from portal.returns.states import StaleReturn, TransitionRefused

MESSAGE_MAX = 2000
NOTE = string(maxLength=MESSAGE_MAX, description="Kept in the return's history.")

NOTE_IN = component("ReturnNoteInput", obj({}, {"note": NOTE}))
REJECT_IN = component(
    "ReturnRejectInput",
    obj({"message": string(minLength=1, maxLength=MESSAGE_MAX, description="To the customer.")}),
)
RECEIVE_IN = component(
    "ReturnReceiveInput",
    obj(
        {},
        {
            "settle_now": {
                "type": "boolean",
                "description": "Resolve at once (refund or credit due) instead of waiting "
                "for an inspection.",
            },
            "note": NOTE,
        },
    ),
)
INSPECT_IN = component(
    "ReturnInspectionInput",
    obj(
        {
            "items": {
                "type": "array",
                "maxItems": 100,
                "items": obj(
                    {
                        "id": {"type": "integer", "description": "The return item's id."},
                        "condition": {"type": "string", "enum": list(queue.CONDITIONS)},
                        "restock": {"type": "boolean"},
                    }
                ),
            }
        },
        {"note": NOTE},
    ),
)

_INSPECTION_PROBLEMS = {
    "missing": "missing: every returned item needs a verdict",
    "unknown_item": "unknown_item: is not an item that comes back in this return",
    "condition": "condition: is not a known condition",
    "no_variant": "no_variant: the ordered line has no variant to restock",
    "duplicate_item": "duplicate_item: an item is listed twice",
}


async def _approve(ret: ReturnRequest, call: Call, actor: str) -> None:
    await service.approve(ret, actor=actor, note=call.body.get("note", ""), settings=call.settings)


async def _reject(ret: ReturnRequest, call: Call, actor: str) -> None:
    message = call.body["message"].strip()
    if not message:
        raise invalid_field("/message", "tells the customer why: it cannot be blank")
    await queue.reject(ret, actor=actor, message=message, settings=call.settings)


async def _receive(ret: ReturnRequest, call: Call, actor: str) -> None:
    await queue.mark_received(
        ret,
        actor=actor,
        issue_refund=bool(call.body.get("settle_now", False)),
        settings=call.settings,
        note=call.body.get("note", ""),
    )


async def _inspect(ret: ReturnRequest, call: Call, actor: str) -> None:
    given: list[dict[str, Any]] = call.body["items"]
    results = [queue.Inspection(g["id"], g["condition"], g["restock"]) for g in given]
    try:
        await queue.record_inspection(
            ret, results, actor=actor, settings=call.settings, note=call.body.get("note", "")
        )
    except queue.InspectionProblem as exc:
        where = {g["id"]: n for n, g in enumerate(given)}
        errors = [
            FieldError(
                f"/items/{where[key]}" if key in where else "/items",
                _INSPECTION_PROBLEMS.get(code, code) + (f" (item {key})" if key else ""),
            )
            for key, code in exc.problems.items()
        ]
        raise invalid(errors, "The inspection was not recorded.") from None


async def _resolve(ret: ReturnRequest, call: Call, actor: str) -> None:
    await queue.resolve(ret, actor=actor, settings=call.settings, note=call.body.get("note", ""))


async def _close(ret: ReturnRequest, call: Call, actor: str) -> None:
    await queue.close(ret, actor=actor, settings=call.settings, note=call.body.get("note", ""))


async def _cancel(ret: ReturnRequest, call: Call, actor: str) -> None:
    await service.cancel(ret, actor=actor, settings=call.settings, note=call.body.get("note", ""))


async def _stale(ret: ReturnRequest, _exc: StaleReturn) -> ApiError:
    current = await ReturnRequest.get(id=ret.id)
    return ApiError(
        409,
        "Another change moved this return a moment ago; read it and decide again.",
        state=ReturnState(current.state).value,
    )


async def _refused(_ret: ReturnRequest, refused: TransitionRefused) -> ApiError:
    return state_refused("return", refused.from_state.value)


async def _out_of_stock(_ret: ReturnRequest, _exc: OutOfStock) -> ApiError:
    return ApiError(
        409,
        "A variant the customer exchanges for is out of stock; nothing was changed.",
        title="Out of stock",
    )


RETURNS: ActionFamily[ReturnRequest] = ActionFamily(
    path="/returns/{number}",
    number=NUMBER,
    tag="returns",
    find=owned_return,
    answer=return_json,
    schema=RETURN,
    refusals={StaleReturn: _stale, TransitionRefused: _refused, OutOfStock: _out_of_stock},
    description="The same move as the workspace's button, recorded as `api:<key id>`. "
    "409 (with `state`) when the return's state does not allow it or another change "
    "won a race; nothing is changed then.",
)

OPERATIONS = RETURNS.operations(
    [
        Action("approve", "approveReturn", "Approve a return under review", _approve, NOTE_IN),
        Action(
            "reject",
            "rejectReturn",
            "Reject a return with a message to the customer",
            _reject,
            REJECT_IN,
        ),
        Action(
            "receive",
            "receiveReturn",
            "Mark the parcel received (optionally settling at once)",
            _receive,
            RECEIVE_IN,
        ),
        Action(
            "inspect",
            "inspectReturn",
            "Record each returned item's condition; restocked units go back on sale",
            _inspect,
            INSPECT_IN,
        ),
        Action(
            "resolve",
            "resolveReturn",
            "Settle: refunds and credit due, exchanges ship",
            _resolve,
            NOTE_IN,
        ),
        Action("close", "closeReturn", "File a settled return", _close, NOTE_IN),
        Action(
            "cancel", "cancelReturn", "Cancel a return before its parcel ships", _cancel, NOTE_IN
        ),
    ]
)
