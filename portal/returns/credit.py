"""Store credit, recorded: a ledger per customer that a resolved return writes to.

A return's quote says how much credit it grants (``ReturnRequest.credit_total``); when the
return is resolved that amount becomes a ledger entry, once (the entry is unique per
return, so a replayed resolution cannot issue it twice). The balance per currency is the
sum of the entries; the shop's checkout, which spends credit, records what was used as a
negative entry through the same function.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from portal import events
from portal.event_catalogue import return_kind
from portal.models import CreditEntry, DomainEvent, ReturnRequest


@dataclass(frozen=True, slots=True)
class Ledger:
    """A customer's entries (oldest first) and the balance in each currency."""

    entries: list[CreditEntry]
    balances: dict[str, Decimal]


async def issue_for_return(
    request: ReturnRequest, *, conn: BaseDBAsyncClient | None = None
) -> CreditEntry | None:
    """The credit a resolved return grants, as a ledger entry (None when it grants none,
    has no customer, or was issued already)."""
    amount = Decimal(request.credit_total or 0)
    customer_id = request.customer_id
    if amount <= 0 or customer_id is None:
        return None
    if await CreditEntry.filter(return_request_id=request.id).using_db(conn).exists():
        return None
    # The state machine lets one resolution through, so no second entry can race this one;
    # the unique key stays as the last guard (it rolls the resolution back if ever hit).
    return await CreditEntry.create(
        merchant_id=request.merchant_id,
        customer_id=customer_id,
        return_request_id=request.id,
        amount=amount,
        currency=request.currency,
        reason=f"Return {request.number}",
        using_db=conn,
    )


@events.listen(return_kind("resolved"))
async def on_resolved(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """A resolved return's store credit goes on the ledger in the resolution's transaction,
    before the messages and webhooks of ``return.resolved`` are written."""
    request = (
        await ReturnRequest.filter(id=event.subject_id, merchant_id=event.merchant_id)
        .using_db(ctx.conn)
        .first()
    )
    if request is not None:
        await issue_for_return(request, conn=ctx.conn)


async def ledger(customer_id: int, *, conn: BaseDBAsyncClient | None = None) -> Ledger:
    entries = list(
        await CreditEntry.filter(customer_id=customer_id)
        .using_db(conn)
        .order_by("created_at", "id")
    )
    balances: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        balances[entry.currency] += Decimal(entry.amount)
    return Ledger(entries, dict(balances))
