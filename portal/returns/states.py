"""The return state machine: one table of allowed moves, one function that makes a move.

A move is a conditional UPDATE (``WHERE state = <expected>``), so two processes racing
to move the same return cannot both succeed; the loser gets :class:`StaleReturn`. Each
move writes a :class:`~portal.models.ReturnTransition` and emits ``return.<state>`` in the
caller's transaction; listeners react in it too (exchanges reserve, release and fulfil,
customers and shops are told). A new return enters its first state through
:func:`record_creation`, which shares that code, so ``return.requested`` is written
exactly like every later state.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal import events
from portal.event_catalogue import ReturnMoved, return_kind
from portal.models import ReturnRequest, ReturnTransition
from portal.models.returns import ReturnState as S
from portal.settings import Settings

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
    settings: Settings,
    note: str = "",
    using_db: BaseDBAsyncClient | None = None,
) -> ReturnTransition:
    """Move ``request`` to ``to_state``, record who did it, emit ``return.<state>``.

    Runs in ``using_db``'s transaction when given (a listener's connection), else in a new
    one. ``request`` is updated in place on success.
    """
    if using_db is None:
        async with in_transaction() as conn:
            return await transition(
                request, to_state, actor=actor, settings=settings, note=note, using_db=conn
            )
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
    return await _entered(request, current, target, actor, note, now, settings, using_db)


async def record_creation(
    request: ReturnRequest,
    *,
    actor: str,
    settings: Settings,
    using_db: BaseDBAsyncClient,
) -> ReturnTransition:
    """A return just created (in ``requested``) enters that state: the same transition
    record and ``return.requested`` event as any later move, in the creating transaction."""
    if S(request.state) is not S.REQUESTED:
        raise TransitionRefused(request.number, S(request.state), S.REQUESTED, "not a new return")
    now = datetime.now(UTC)
    return await _entered(request, None, S.REQUESTED, actor, "", now, settings, using_db)


async def _entered(
    request: ReturnRequest,
    current: S | None,
    target: S,
    actor: str,
    note: str,
    now: datetime,
    settings: Settings,
    conn: BaseDBAsyncClient,
) -> ReturnTransition:
    """Record that ``request`` reached ``target`` and emit ``return.<target>``: the one
    place a return state is announced."""
    record = await ReturnTransition.create(
        return_request_id=request.id,
        from_state=current,
        to_state=target,
        actor=actor,
        note=note,
        using_db=conn,
    )
    await events.emit(
        merchant_id=request.merchant_id,
        kind=return_kind(target.value),
        subject_type="return_request",
        subject_id=request.id,
        payload=ReturnMoved(
            number=request.number,
            from_state=current.value if current is not None else None,
            to_state=target.value,
            actor=actor,
            note=note,
        ),
        using_db=conn,
        settings=settings,
        occurred_at=now,
    )
    return record
