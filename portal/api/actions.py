"""``POST /<things>/{number}/actions/{action}``: the shape the claim and return moves share.

A move is the function the workspace's button calls, given the caller's own object (404
for an unknown or another shop's one, before anything runs), the request and the actor
``api:<API key id>``. The refusals the domain raises become problems here in one place,
each resource naming its own (:class:`ActionFamily.refusals`): a state that does not allow
the move, or a race lost to another change, answers 409 with ``state`` as it is
(:func:`state_refused`); a field at fault answers 422 with its pointer. The answer is the
object read again. The ``Idempotency-Key`` header is the pipeline's, as for every
operation with a body (:mod:`portal.api.operations`).

A parcel's refusals (:mod:`portal.tracking.registration` codes) are worded once too
(:func:`parcel_refused`): a claim's reship and a return's parcel link answer alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.models import Model

from portal.api.errors import ApiError, invalid_field
from portal.api.operations import Call, Handler, Operation, Param, Reply
from portal.api.schemas import Schema

Thing = TypeVar("Thing", bound=Model)
#: The move: the caller's object, the request, the actor.
Move = Callable[[Thing, Call, str], Awaitable[None]]
#: A refusal the move raised, on the object, as the problem to answer.
Refusal = Callable[[Thing, Any], Awaitable[ApiError]]

#: Why a parcel is refused (:mod:`portal.tracking.registration`'s codes and ``closed``)
#: → status, pointer (None: not a field's fault) and detail.
PARCEL_REFUSALS: dict[str, tuple[int, str | None, str]] = {
    "closed": (409, None, "This return no longer takes a parcel."),
    "in_use": (409, None, "The shop already tracks this number with this carrier."),
    "bad_number": (422, "/tracking_number", "is not a plausible tracking number"),
    "unknown_carrier": (422, "/carrier", "is not a carrier this portal offers"),
    "carrier_needed": (422, "/carrier", "is required: no carrier recognises this number"),
    "carrier_ambiguous": (422, "/carrier", "is required: several carriers use this format"),
}


def parcel_refused(code: str, candidates: Sequence[str] = ()) -> ApiError:
    """The problem for a parcel refused with ``code``: 409, or 422 on its field; the
    carriers that could read the number, when several could, named after the detail."""
    status, pointer, detail = PARCEL_REFUSALS[code]
    if candidates:
        detail = f"{detail} ({', '.join(candidates)})"
    if pointer is None:
        return ApiError(status, detail)
    return invalid_field(pointer, detail)


def state_refused(noun: str, state: str) -> ApiError:
    """409: the ``noun``'s state (``state``, answered too) does not allow the move."""
    return ApiError(409, f"This cannot be done while the {noun} is {state!r}.", state=state)


def actor_of(call: Call) -> str:
    """Who the history records for a move made through the API."""
    return f"api:{call.caller.api_key_id}"


@dataclass(frozen=True)
class Action(Generic[Thing]):
    """One move: ``POST …/actions/<name>`` with a ``body`` of this schema."""

    name: str
    operation_id: str
    summary: str
    move: Move[Thing]
    body: Schema


@dataclass(frozen=True)
class ActionFamily(Generic[Thing]):
    """One resource's moves: how the caller's object is found and answered, and the
    domain's refusals (checked in order: a subclass before its base) → problems."""

    #: The object's path, e.g. ``/claims/{number}``, and its path parameter.
    path: str
    number: Param
    tag: str
    #: The caller's object named in the path; raises the 404 for another shop's.
    find: Callable[[Call], Awaitable[Thing]]
    #: The object as the API answers it, and that answer's schema.
    answer: Callable[[Thing], Awaitable[Any]]
    schema: Schema
    refusals: Mapping[type[Exception], Refusal[Thing]]
    description: str

    def handler(self, move: Move[Thing]) -> Handler:
        refused = tuple(self.refusals)

        async def handle(call: Call) -> Reply:
            thing = await self.find(call)
            try:
                await move(thing, call, actor_of(call))
            except refused as exc:
                kind = next(k for k in self.refusals if isinstance(exc, k))
                raise await self.refusals[kind](thing, exc) from None
            await thing.refresh_from_db()
            return Reply(200, await self.answer(thing))

        return handle

    def operations(self, actions: Sequence[Action[Thing]]) -> list[Operation]:
        return [
            Operation(
                "POST",
                f"{self.path}/actions/{action.name}",
                action.operation_id,
                action.summary,
                self.tag,
                self.handler(action.move),
                {200: self.schema},
                body=action.body,
                params=(self.number,),
                errors=(409,),
                description=self.description,
            )
            for action in actions
        ]
