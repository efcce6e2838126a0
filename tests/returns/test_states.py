"""Every allowed move is made and recorded; every other one is refused and changes nothing."""

from __future__ import annotations

import itertools

import pytest
from tortoise.transactions import in_transaction

from portal.models import DomainEvent, ReturnRequest, ReturnTransition
from portal.models.returns import ReturnState as S
from portal.returns import states
from tests import factories
from tests.returns.helpers import request_in

ALLOWED = [(a, b) for a in S for b in S if b in states.ALLOWED[a]]
REFUSED = [(a, b) for a in S for b in S if b not in states.ALLOWED[a]]


def test_the_table_covers_every_state_and_the_documented_path() -> None:
    assert set(states.ALLOWED) == set(S)
    path = [
        "requested",
        "approved",
        "awaiting_shipment",
        "in_transit",
        "received",
        "inspected",
        "resolved",
        "closed",
    ]
    for a, b in itertools.pairwise(path):
        assert states.can_move(S(a), S(b))
    assert {S.REJECTED, S.CLOSED, S.CANCELLED, S.EXPIRED} == states.TERMINAL


@pytest.mark.parametrize(("from_state", "to_state"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
async def test_an_allowed_move_is_recorded_and_emitted(db: str, from_state: S, to_state: S) -> None:
    request = await request_in(from_state)
    record = await states.transition(
        request, to_state, actor="staff:7", note="ok", settings=factories.app_settings()
    )
    assert request.state == to_state
    assert (await ReturnRequest.get(id=request.id)).state == to_state
    saved = await ReturnTransition.get(id=record.id)
    assert (saved.from_state, saved.to_state, saved.actor, saved.note) == (
        from_state,
        to_state,
        "staff:7",
        "ok",
    )
    event = await DomainEvent.get(kind=f"return.{to_state.value}", subject_id=request.id)
    assert event.payload["from_state"] == from_state.value
    assert event.subject_type == "return_request"


@pytest.mark.parametrize(("from_state", "to_state"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
async def test_a_move_outside_the_table_is_refused(db: str, from_state: S, to_state: S) -> None:
    request = await request_in(from_state)
    with pytest.raises(states.TransitionRefused, match=f"from '{from_state.value}' to"):
        await states.transition(
            request, to_state, actor="staff:7", settings=factories.app_settings()
        )
    assert (await ReturnRequest.get(id=request.id)).state == from_state
    assert await ReturnTransition.filter(return_request_id=request.id).count() == 0
    assert not await DomainEvent.filter(subject_id=request.id).exists()


@pytest.mark.parametrize("shipped", [S.IN_TRANSIT, S.RECEIVED])
async def test_a_customer_cannot_cancel_once_it_ships(db: str, shipped: S) -> None:
    request = await request_in(shipped)
    with pytest.raises(states.TransitionRefused):
        await states.transition(
            request, S.CANCELLED, actor="customer", settings=factories.app_settings()
        )


async def test_a_move_on_a_stale_copy_is_refused(db: str) -> None:
    request = await request_in(S.REQUESTED)
    stale = await ReturnRequest.get(id=request.id)
    await states.transition(request, S.APPROVED, actor="system", settings=factories.app_settings())
    with pytest.raises(states.StaleReturn, match="changed meanwhile"):
        await states.transition(
            stale, S.REJECTED, actor="staff:1", settings=factories.app_settings()
        )
    assert (await ReturnRequest.get(id=request.id)).state == S.APPROVED


async def test_resolving_stamps_the_time(db: str) -> None:
    request = await request_in(S.INSPECTED)
    await states.transition(request, S.RESOLVED, actor="staff:1", settings=factories.app_settings())
    assert (await ReturnRequest.get(id=request.id)).resolved_at is not None


async def test_a_new_return_enters_requested_through_the_state_machine(db: str) -> None:
    request = await request_in(S.REQUESTED, number="R-NEW001")
    async with in_transaction() as conn:
        await states.record_creation(
            request, actor="customer", settings=factories.app_settings(), using_db=conn
        )
    (entered,) = await ReturnTransition.filter(return_request_id=request.id)
    assert (entered.from_state, entered.to_state, entered.actor) == (None, S.REQUESTED, "customer")
    event = await DomainEvent.get(subject_id=request.id, kind="return.requested")
    assert event.payload == {
        "number": "R-NEW001",
        "from_state": None,
        "to_state": "requested",
        "actor": "customer",
        "note": "",
    }


async def test_only_a_new_return_can_enter_requested(db: str) -> None:
    request = await request_in(S.APPROVED)
    with pytest.raises(states.TransitionRefused, match="not a new return"):
        async with in_transaction() as conn:
            await states.record_creation(
                request, actor="customer", settings=factories.app_settings(), using_db=conn
            )
    assert await ReturnTransition.filter(return_request_id=request.id).count() == 0
