"""``POST /returns/{number}/actions/{action}``: the shop's system moves a return through the
queue: approve, reject, receive, inspect, resolve, close, cancel.

Each goes through the functions the workspace calls (:mod:`portal.returns.service`,
:mod:`portal.returns.queue`), so the same checks, stock moves and ``return.*`` webhooks
follow; the actor is recorded as ``api:<API key id>``. A move the return's state does not
allow, or one raced by another process, answers 409 with the state as it is; an exchange
whose variant has no stock left answers 409 too; an inspection that does not cover the
returned items answers 422 with a pointer per item.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from portal.api.errors import ApiError, invalid, invalid_field, not_found
from portal.api.operations import Call, Handler, Operation, Param, Reply
from portal.api.returns import RETURN
from portal.api.schemas import FieldError, Schema, component, obj, string
from portal.models import ReturnRequest
from portal.models.returns import ReturnState
from portal.returns import queue, service
from portal.returns.exchanges import OutOfStock
from portal.returns.public import return_json
from portal.returns.states import StaleReturn, TransitionRefused

NUMBER = Param("number", string(minLength=1, maxLength=32), "The RMA number.", "path", True)
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

Move = Callable[[ReturnRequest, Call, str], Awaitable[None]]


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


def _run(move: Move) -> Handler:
    async def handle(call: Call) -> Reply:
        ret = await ReturnRequest.get_or_none(
            merchant_id=call.merchant_id, number=call.path["number"]
        )
        if ret is None:
            raise not_found("return")
        try:
            await move(ret, call, f"api:{call.caller.api_key_id}")
        except StaleReturn:
            current = await ReturnRequest.get(id=ret.id)
            raise ApiError(
                409,
                "Another change moved this return a moment ago; read it and decide again.",
                state=ReturnState(current.state).value,
            ) from None
        except TransitionRefused as refused:
            raise ApiError(
                409,
                f"This cannot be done while the return is {refused.from_state.value!r}.",
                state=refused.from_state.value,
            ) from None
        except OutOfStock:
            raise ApiError(
                409,
                "A variant the customer exchanges for is out of stock; nothing was changed.",
                title="Out of stock",
            ) from None
        await ret.refresh_from_db()
        return Reply(200, await return_json(ret))

    return handle


_MOVES: list[tuple[str, str, str, Move, Schema]] = [
    ("approve", "approveReturn", "Approve a return under review", _approve, NOTE_IN),
    (
        "reject",
        "rejectReturn",
        "Reject a return with a message to the customer",
        _reject,
        REJECT_IN,
    ),
    (
        "receive",
        "receiveReturn",
        "Mark the parcel received (optionally settling at once)",
        _receive,
        RECEIVE_IN,
    ),
    (
        "inspect",
        "inspectReturn",
        "Record each returned item's condition; restocked units go back on sale",
        _inspect,
        INSPECT_IN,
    ),
    (
        "resolve",
        "resolveReturn",
        "Settle: refunds and credit due, exchanges ship",
        _resolve,
        NOTE_IN,
    ),
    ("close", "closeReturn", "File a settled return", _close, NOTE_IN),
    ("cancel", "cancelReturn", "Cancel a return before its parcel ships", _cancel, NOTE_IN),
]

OPERATIONS = [
    Operation(
        "POST",
        f"/returns/{{number}}/actions/{action}",
        operation_id,
        summary,
        "returns",
        _run(move),
        {200: RETURN},
        body=body,
        params=(NUMBER,),
        errors=(409,),
        description="The same move as the workspace's button, recorded as `api:<key id>`. "
        "409 (with `state`) when the return's state does not allow it or another change "
        "won a race; nothing is changed then.",
    )
    for action, operation_id, summary, move, body in _MOVES
]
