"""The claim state machine: one table of moves, one function that makes a move.

Like returns (:mod:`portal.returns.states`), a move is a conditional UPDATE, so two staff
members resolving the same claim at once cannot both succeed, and every state reached,
the first included, emits ``claim.<state>`` in the caller's transaction: the customer's
message and the shop's webhooks are listeners.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from portal import events
from portal.event_catalogue import ClaimMoved, claim_kind
from portal.models import Claim
from portal.models.claims import ClaimState as S
from portal.settings import Settings

ALLOWED: dict[S, frozenset[S]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.RESHIPPED, S.REFUNDED, S.REJECTED}),
    S.IN_REVIEW: frozenset({S.RESHIPPED, S.REFUNDED, S.REJECTED}),
    S.RESHIPPED: frozenset(),
    S.REFUNDED: frozenset(),
    S.REJECTED: frozenset(),
}
OPEN = frozenset({S.SUBMITTED, S.IN_REVIEW})


class ClaimMoveRefused(Exception):
    """Not an allowed move, or another process moved the claim first."""

    def __init__(self, number: str, current: S, target: S) -> None:
        self.current = current
        self.target = target
        allowed = ", ".join(sorted(ALLOWED[current])) or "none, it is final"
        super().__init__(
            f"claim {number} cannot move from {current.value!r} to {target.value!r}"
            f" (allowed: {allowed})"
        )


def check(claim: Claim, target: S) -> None:
    """:class:`ClaimMoveRefused` unless ``claim`` may move to ``target`` from the state it
    was read in: for a move that does work before it moves (a reship registers a parcel),
    so a resolved claim is refused before that work is checked or done."""
    current = S(claim.state)
    if target not in ALLOWED[current]:
        raise ClaimMoveRefused(claim.number, current, target)


async def announce(
    claim: Claim,
    current: S | None,
    target: S,
    *,
    actor: str,
    note: str,
    settings: Settings,
    conn: BaseDBAsyncClient,
) -> None:
    """Emit ``claim.<target>``: the one place a claim state is announced."""
    await events.emit(
        merchant_id=claim.merchant_id,
        kind=claim_kind(target.value),
        subject_type="claim",
        subject_id=claim.id,
        payload=ClaimMoved(
            number=claim.number,
            kind=str(claim.kind),
            from_state=current.value if current is not None else None,
            to_state=target.value,
            actor=actor,
            note=note,
        ),
        using_db=conn,
        settings=settings,
    )


async def move(
    claim: Claim,
    target: S,
    *,
    actor: str,
    settings: Settings,
    conn: BaseDBAsyncClient,
    note: str = "",
    **changes: object,
) -> None:
    """Move ``claim`` to ``target`` (with ``changes`` to its columns) and announce it."""
    check(claim, target)
    current = S(claim.state)
    now = datetime.now(UTC)
    values: dict[str, object] = {"state": target, "updated_at": now, "resolved_by": actor}
    if target not in OPEN:
        values["resolved_at"] = now
    values.update(changes)
    updated = await Claim.filter(id=claim.id, state=current).using_db(conn).update(**values)
    if not updated:
        fresh = await Claim.get(id=claim.id, using_db=conn)
        raise ClaimMoveRefused(claim.number, S(fresh.state), target)
    for name, value in values.items():
        setattr(claim, name, value)
    await announce(claim, current, target, actor=actor, note=note, settings=settings, conn=conn)
