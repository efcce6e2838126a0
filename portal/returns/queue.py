"""What the merchant does with a return beyond approving it: reject it with a message,
receive it, inspect each item, resolve and close it.

Every action is one transaction: the items' inspection, the stock put back on the shelf
and the state move commit together or not at all, so a refused or stale move
(:class:`~portal.returns.states.TransitionRefused`) leaves nothing half done. Restocking
claims each item with a conditional UPDATE (``inspected_at IS NULL``), so a double
submitted form puts the stock back once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from portal.models import ProductVariant, ReturnItem, ReturnRequest
from portal.models.returns import Resolution
from portal.models.returns import ReturnState as S
from portal.returns import states
from portal.settings import Settings

#: What an inspected item can be found to be, best first.
CONDITIONS: tuple[str, ...] = ("as_new", "opened", "used", "damaged", "faulty")


@dataclass(frozen=True, slots=True)
class Inspection:
    """The merchant's verdict on one returned item."""

    item_id: int
    condition: str
    restock: bool


class InspectionProblem(ValueError):
    """The inspection form does not cover the return's items; ``problems`` by item id
    (None for the whole form): ``missing``, ``unknown_item``, ``condition``, ``no_variant``."""

    def __init__(self, problems: dict[int | None, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


async def reject(request: ReturnRequest, *, actor: str, message: str, settings: Settings) -> None:
    """Refuse the return with ``message``, which the customer receives and the return
    keeps (``merchant_note``)."""
    async with in_transaction() as conn:
        await states.transition(
            request, S.REJECTED, actor=actor, note=message, using_db=conn, settings=settings
        )
        await ReturnRequest.filter(id=request.id).using_db(conn).update(merchant_note=message)
    request.merchant_note = message


async def mark_received(
    request: ReturnRequest, *, actor: str, issue_refund: bool, settings: Settings, note: str = ""
) -> None:
    """The parcel arrived. ``issue_refund`` settles the return at once (received →
    resolved); otherwise it waits for inspection."""
    async with in_transaction() as conn:
        await states.transition(
            request, S.RECEIVED, actor=actor, note=note, using_db=conn, settings=settings
        )
        if issue_refund:
            await states.transition(
                request,
                S.RESOLVED,
                actor=actor,
                note="settled at receipt",
                using_db=conn,
                settings=settings,
            )


async def returned_items(
    request: ReturnRequest, conn: BaseDBAsyncClient | None
) -> list[ReturnItem]:
    """The items that come back (keep-item lines stay with the customer)."""
    return (
        await ReturnItem.filter(return_request_id=request.id)
        .exclude(resolution=Resolution.KEEP_ITEM)
        .select_related("order_item")
        .using_db(conn)
        .order_by("id")
    )


def _check(items: Sequence[ReturnItem], results: Sequence[Inspection]) -> None:
    problems: dict[int | None, str] = {}
    known = {item.id: item for item in items}
    given = {result.item_id: result for result in results}
    if len(given) != len(results):
        problems[None] = "duplicate_item"
    for result in results:
        item = known.get(result.item_id)
        if item is None:
            problems[result.item_id] = "unknown_item"
        elif result.condition not in CONDITIONS:
            problems[result.item_id] = "condition"
        elif result.restock and item.order_item.variant_id is None:
            problems[result.item_id] = "no_variant"
    for item_id in known.keys() - given.keys():
        problems[item_id] = "missing"
    if problems:
        raise InspectionProblem(problems)


async def record_inspection(
    request: ReturnRequest,
    results: Sequence[Inspection],
    *,
    actor: str,
    settings: Settings,
    note: str = "",
) -> None:
    """Record each returned item's condition, put restocked units back on sale (stock +
    quantity on the ordered variant), and move the return to ``inspected``.

    Raises :class:`InspectionProblem` for an incomplete form and ``TransitionRefused``
    when the return is not waiting for inspection; nothing is written either way.
    """
    if not states.can_move(S(request.state), S.INSPECTED):
        raise states.TransitionRefused(request.number, S(request.state), S.INSPECTED)
    async with in_transaction() as conn:
        items = await returned_items(request, conn)
        _check(items, results)
        by_id = {item.id: item for item in items}
        now = datetime.now(UTC)
        for result in results:
            item = by_id[result.item_id]
            claimed = (
                await ReturnItem.filter(id=item.id, inspected_at__isnull=True)
                .using_db(conn)
                .update(condition=result.condition, restock=result.restock, inspected_at=now)
            )
            if claimed and result.restock:
                await (
                    ProductVariant.filter(
                        id=item.order_item.variant_id,
                        merchant_id=request.merchant_id,
                    )
                    .using_db(conn)
                    .update(stock=F("stock") + item.quantity)
                )
        await states.transition(
            request, S.INSPECTED, actor=actor, note=note, using_db=conn, settings=settings
        )


async def resolve(
    request: ReturnRequest, *, actor: str, settings: Settings, note: str = ""
) -> None:
    """Settle the return: refunds and credit are due, exchanges ship (may raise
    :class:`~portal.returns.exchanges.OutOfStock`, leaving the return as it was)."""
    await states.transition(request, S.RESOLVED, actor=actor, note=note, settings=settings)


async def close(request: ReturnRequest, *, actor: str, settings: Settings, note: str = "") -> None:
    """Nothing more to do: the shop paid out and the case is filed."""
    await states.transition(request, S.CLOSED, actor=actor, note=note, settings=settings)
