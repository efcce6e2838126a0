"""The return state machine: one table of allowed moves, one function that makes a move.

A move is a conditional UPDATE (``WHERE state = <expected>``), so two processes racing
to move the same return cannot both succeed; the loser gets :class:`StaleReturn`. Each
move writes a :class:`~portal.models.ReturnTransition` and emits ``return.<state>`` in the
caller's transaction, and lets exchanges react (reserve, release, fulfil) in it too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal import events
from portal.models import ReturnRequest, ReturnTransition
from portal.models.returns import ReturnState as S

#: from-state -> states it may move to. Anything not listed is refused.
ALLOWED: dict[S, frozenset[S]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.NEEDS_REVIEW, S.CANCELLED}),
    S.NEEDS_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    # approved -> resolved: nothing to send back (keep-item only).
    S.APPROVED: frozenset({S.AWAITING_SHIPMENT, S.RESOLVED, S.CANCELLED}),
    # awaiting_shipment -> received: in-store drop-off, or a delivery scan with no transit scan.
    S.AWAITING_SHIPMENT: frozenset({S.IN_TRANSIT, S.RECEIVED, S.CANCELLED, S.EXPIRED}),
    S.IN_TRANSIT: frozenset({S.RECEIVED}),
    # received -> resolved: the merchant settles at receipt without a separate inspection.
    S.RECEIVED: frozenset({S.INSPECTED, S.RESOLVED}),
    S.INSPECTED: frozenset({S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset(),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

#: A customer may cancel until the parcel ships.
CUSTOMER_CANCELLABLE = frozenset({S.REQUESTED, S.NEEDS_REVIEW, S.APPROVED, S.AWAITING_SHIPMENT})
TERMINAL = frozenset(state for state, moves in ALLOWED.items() if not moves)


class TransitionRefused(Exception):
    """The move is not in :data:`ALLOWED` (or not allowed to this actor)."""

    def __init__(self, number: str, from_state: S, to_state: S, detail: str = "") -> None:
        self.from_state, self.to_state = from_state, to_state
        allowed = ", ".join(sorted(ALLOWED[from_state])) or "none, it is final"
        message = (
            f"return {number} cannot move from {from_state.value!r} to {to_state.value!r}"
            f" (allowed: {allowed})"
        )
        super().__init__(f"{message}: {detail}" if detail else message)


class StaleReturn(TransitionRefused):
    """Another process moved the return first; reload it and decide again."""


def can_move(from_state: S, to_state: S) -> bool:
    return to_state in ALLOWED[from_state]


async def transition(
    request: ReturnRequest,
    to_state: S | str,
    *,
    actor: str,
    note: str = "",
    using_db: BaseDBAsyncClient | None = None,
) -> ReturnTransition:
    """Move ``request`` to ``to_state``, record who did it, emit ``return.<state>``.

    Runs in ``using_db``'s transaction when given (a listener's connection), else in a new
    one. ``request`` is updated in place on success.
    """
    if using_db is None:
        async with in_transaction() as conn:
            return await transition(request, to_state, actor=actor, note=note, using_db=conn)
    target = S(to_state)
    current = S(request.state)
    if not can_move(current, target):
        raise TransitionRefused(request.number, current, target)
    if actor == "customer" and target is S.CANCELLED and current not in CUSTOMER_CANCELLABLE:
        raise TransitionRefused(request.number, current, target, "it has already shipped")
    now = datetime.now(UTC)
    changes: dict[str, object] = {"state": target, "updated_at": now}
    if target is S.RESOLVED:
        changes["resolved_at"] = now
    updated = (
        await ReturnRequest.filter(id=request.id, state=current)
        .using_db(using_db)
        .update(**changes)
    )
    if not updated:
        fresh = await ReturnRequest.get(id=request.id, using_db=using_db)
        raise StaleReturn(request.number, S(fresh.state), target, "it was changed meanwhile")
    for name, value in changes.items():
        setattr(request, name, value)
    record = await ReturnTransition.create(
        return_request_id=request.id,
        from_state=current,
        to_state=target,
        actor=actor,
        note=note,
        using_db=using_db,
    )
    from portal.returns import exchanges  # exchanges reacts to moves; it never moves itself

    await exchanges.after_transition(request, current, target, using_db)
    await events.emit(
        merchant_id=request.merchant_id,
        kind=f"return.{target.value}",
        subject_type="return_request",
        subject_id=request.id,
        payload={
            "number": request.number,
            "from_state": current.value,
            "to_state": target.value,
            "actor": actor,
            "note": note,
        },
        using_db=using_db,
        occurred_at=now,
    )
    return record
