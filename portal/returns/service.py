"""Return requests: created from a customer's selection, cancelled, approved, expired.

Creation validates the selection against :mod:`portal.returns.policy`, prices it, and
writes the request, its items and exchanges in one transaction that holds the order's
row lock (PostgreSQL), so two submissions can never return the same unit twice. A
``submission_key`` makes a double-submitted form create one request, whichever process
gets it; RMA numbers are random and retried on the (merchant, number) conflict.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.models import (
    Exchange,
    Order,
    ReturnItem,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
)
from portal.models.returns import ReturnMethod
from portal.models.returns import ReturnState as S
from portal.returns import exchanges, policy, reason_categories, states
from portal.returns.review import OrderReview, ReturnRefused, active_policy, review_order
from portal.settings import Settings

log = logging.getLogger(__name__)

RMA_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud on the phone
RMA_ATTEMPTS = 8
EXPIRY_BATCH = 100


@dataclass(frozen=True, slots=True)
class Selection:
    """What the customer chose for one order item."""

    order_item_id: int
    quantity: int
    resolution: str
    reason_code: str | None = None
    comment: str = ""
    photo_path: str | None = None
    exchange_variant_id: int | None = None


def new_rma_number() -> str:
    return "R-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(6))


async def checked_lines(
    review: OrderReview,
    selections: Sequence[Selection],
    merchant_id: int,
    conn: BaseDBAsyncClient | None,
) -> tuple[list[policy.Line], dict[str, ReturnReason]]:
    """Check each selection against the review; the priced lines, or ReturnRefused.

    ``conn`` is None outside a transaction (the review page checks before anything is written).
    """
    errors: dict[int | None, str] = {}
    codes = {s.reason_code for s in selections if s.reason_code}
    found = await ReturnReason.filter(
        merchant_id=merchant_id, code__in=codes, active=True
    ).using_db(conn)
    # A reason with active reasons under it is a heading of the customer's menu, not a
    # choice (as the returns page offers them).
    headings: list[Any] = await (
        ReturnReason.filter(parent_id__in=[r.id for r in found], active=True)
        .using_db(conn)
        .values_list("parent_id", flat=True)
    )
    reasons = {r.code: r for r in found if r.id not in set(headings)}
    # A reason applies to the categories of its own list, else its heading's.
    heading_lists = {
        r.id: r.categories
        for r in await ReturnReason.filter(
            id__in=[r.parent_id for r in reasons.values() if r.parent_id]
        ).using_db(conn)
    }
    lines: list[policy.Line] = []
    if not selections:
        errors[None] = "empty"
    if len({s.order_item_id for s in selections}) != len(selections):
        errors[None] = "duplicate_item"
    for choice in selections:
        key = choice.order_item_id
        verdict = review.eligibility.get(key)
        reason = reasons.get(choice.reason_code or "")
        swap = None
        if verdict is None:
            errors[key] = "unknown_item"
        elif not verdict.eligible:
            errors[key] = str(verdict.reason)
        elif not 1 <= choice.quantity <= verdict.max_quantity:
            errors[key] = "quantity"
        elif choice.resolution not in verdict.resolutions:
            errors[key] = "resolution"
        elif choice.reason_code and reason is None:
            errors[key] = "reason"
        elif reason is not None and not reason_categories.applies(
            reason_categories.effective(
                reason.categories, heading_lists.get(reason.parent_id or 0)
            ),
            review.items[key].category,
        ):
            errors[key] = "reason_category"
        elif reason is not None and reason.requires_photo and not choice.photo_path:
            errors[key] = "photo_required"
        elif reason is not None and reason.requires_comment and not choice.comment.strip():
            errors[key] = "comment_required"
        elif choice.resolution == "exchange":
            swap = next(
                (v for v in verdict.exchange_variants if v.id == choice.exchange_variant_id), None
            )
            if swap is None or swap.available < choice.quantity:
                errors[key] = "out_of_stock"
        if key not in errors:
            lines.append(
                policy.Line(
                    item=review.items[key],
                    quantity=choice.quantity,
                    resolution=choice.resolution,
                    reason_code=choice.reason_code,
                    reason_waives_fees=bool(reason and reason.waives_fees),
                    exchange_variant=swap,
                )
            )
    if errors:
        raise ReturnRefused(errors)
    return lines, reasons


async def _recent_returns(
    order: Order, days: int, now: datetime, this_id: int, conn: BaseDBAsyncClient
) -> int:
    """Earlier returns by the same customer (or order email) within ``days``."""
    query = (
        ReturnRequest.filter(
            merchant_id=order.merchant_id,
            created_at__gte=now - timedelta(days=days),
        )
        .exclude(state__in=(S.CANCELLED, S.EXPIRED))
        .exclude(id=this_id)
    )
    if order.customer_id:
        query = query.filter(customer_id=order.customer_id)
    else:
        query = query.filter(order__email=order.email)
    return await query.using_db(conn).count()


async def create_return(
    order: Order,
    selections: Sequence[Selection],
    *,
    method: ReturnMethod | str | None = None,
    submission_key: str | None = None,
    settings: Settings,
    customer_note: str = "",
    actor: str = "customer",
    now: datetime | None = None,
    override_policy: bool = False,
) -> ReturnRequest:
    """Create (once per ``submission_key``) a return for ``selections``; auto-approve it
    or send it to review. Raises :class:`ReturnRefused` when the policy says no.

    ``override_policy`` (staff only) skips eligibility refusals such as a closed window or
    a final sale; quantities bought and units in active returns still bind."""
    if submission_key:
        existing = await ReturnRequest.get_or_none(submission_key=submission_key)
        if existing is not None:
            return existing
    for _ in range(RMA_ATTEMPTS):
        try:
            async with in_transaction() as conn:
                return await _create(
                    conn,
                    order,
                    selections,
                    method,
                    submission_key,
                    customer_note,
                    actor,
                    now,
                    settings,
                    override_policy,
                )
        except IntegrityError:
            if submission_key:
                existing = await ReturnRequest.get_or_none(submission_key=submission_key)
                if existing is not None:
                    return existing
            log.info("RMA number clash for order %s, retrying", order.id)
    raise RuntimeError("could not allocate a unique RMA number")


async def _create(
    conn: BaseDBAsyncClient,
    order: Order,
    selections: Sequence[Selection],
    method: ReturnMethod | str | None,
    submission_key: str | None,
    customer_note: str,
    actor: str,
    now: datetime | None,
    settings: Settings,
    override_policy: bool = False,
) -> ReturnRequest:
    now = now or datetime.now(UTC)
    # Serialise returns of one order (PostgreSQL; SQLite serialises writers anyway).
    await Order.filter(id=order.id).select_for_update().using_db(conn).get()
    if submission_key:
        existing = await ReturnRequest.get_or_none(submission_key=submission_key, using_db=conn)
        if existing is not None:
            return existing
    merchant_id: int = order.merchant_id
    review = await review_order(order, now=now, conn=conn, override=override_policy)
    if method is not None and ReturnMethod(method).value not in (review.policy.methods or ()):
        raise ReturnRefused({None: "method"})
    lines, reasons = await checked_lines(review, selections, merchant_id, conn)
    quoted = policy.quote(review.rules, lines, order.currency)
    request = await ReturnRequest.create(
        merchant_id=merchant_id,
        order_id=order.id,
        customer_id=order.customer_id,
        number=new_rma_number(),
        state=S.REQUESTED,
        method=ReturnMethod(method) if method else None,
        currency=order.currency,
        refund_total=quoted.refund_total,
        credit_total=quoted.credit_total,
        fees_total=quoted.fees_total,
        customer_note=customer_note,
        submission_key=submission_key,
        using_db=conn,
    )
    by_item = {s.order_item_id: s for s in selections}
    for priced in quoted.lines:
        choice = by_item[priced.line.item.id]
        swap = priced.line.exchange_variant
        item = await ReturnItem.create(
            return_request_id=request.id,
            order_item_id=choice.order_item_id,
            quantity=choice.quantity,
            reason_id=reasons[choice.reason_code].id if choice.reason_code else None,
            comment=choice.comment,
            photo_path=choice.photo_path,
            resolution=choice.resolution,
            exchange_variant_id=swap.id if swap else None,
            amount=priced.amount,
            using_db=conn,
        )
        if swap is not None:
            await Exchange.create(
                return_item_id=item.id,
                new_variant_id=swap.id,
                price_difference=priced.price_difference,
                using_db=conn,
            )
    await states.record_creation(request, actor=actor, settings=settings, using_db=conn)
    recent = await _recent_returns(order, policy.history_days(review.rules), now, request.id, conn)
    codes = [line.reason_code for line in lines]
    decision, failed = policy.decide(review.rules, quoted, codes, recent)
    reserve_now = review.policy.reserve_stock_at == "approval"
    approved = decision is policy.Decision.APPROVED
    if approved and reserve_now and not await exchanges.reserve_for(request, conn):
        decision, failed = policy.Decision.NEEDS_REVIEW, ["out_of_stock"]
    if decision is policy.Decision.APPROVED:
        await _approve(request, review.policy, "system", "auto-approved", conn, now, settings)
    else:
        await states.transition(
            request,
            S.NEEDS_REVIEW,
            actor="system",
            note=", ".join(failed),
            using_db=conn,
            settings=settings,
        )
    return request


async def _approve(
    request: ReturnRequest,
    found: ReturnPolicy,
    actor: str,
    note: str,
    conn: BaseDBAsyncClient,
    now: datetime,
    settings: Settings,
) -> None:
    """approved, then awaiting_shipment (with the label's expiry) or, when nothing has to
    come back (keep-item only), resolved."""
    await states.transition(
        request, S.APPROVED, actor=actor, note=note, using_db=conn, settings=settings
    )
    ships_back = await (
        ReturnItem.filter(return_request_id=request.id)
        .exclude(resolution="keep_item")
        .using_db(conn)
        .exists()
    )
    if not ships_back:
        await states.transition(
            request, S.RESOLVED, actor="system", using_db=conn, settings=settings
        )
        return
    expires = now + timedelta(days=found.label_expiry_days)
    await ReturnRequest.filter(id=request.id).using_db(conn).update(label_expires_at=expires)
    request.label_expires_at = expires
    await states.transition(
        request, S.AWAITING_SHIPMENT, actor="system", using_db=conn, settings=settings
    )


async def approve(
    request: ReturnRequest, *, actor: str, settings: Settings, note: str = ""
) -> None:
    """A merchant approves a return under review (raises OutOfStock when an exchange can't
    be reserved, leaving it under review)."""
    async with in_transaction() as conn:
        found = await active_policy(request.merchant_id, conn)
        await _approve(request, found, actor, note, conn, datetime.now(UTC), settings)


async def reject(request: ReturnRequest, *, actor: str, settings: Settings, note: str = "") -> None:
    await states.transition(request, S.REJECTED, actor=actor, note=note, settings=settings)


async def cancel(
    request: ReturnRequest, *, settings: Settings, actor: str = "customer", note: str = ""
) -> None:
    """Cancel until the parcel ships; an exchange's reserved stock goes back."""
    await states.transition(request, S.CANCELLED, actor=actor, note=note, settings=settings)


async def expire_unused_labels(settings: Settings, client: httpx.AsyncClient) -> bool:
    """Job unit: returns whose label went unused past ``label_expires_at`` expire.

    Rows are claimed with SKIP LOCKED on PostgreSQL and moved with a conditional UPDATE,
    so any number of workers can run it. True when a full batch was found (more may wait).
    """
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        query = (
            ReturnRequest.filter(state=S.AWAITING_SHIPMENT, label_expires_at__lte=now)
            .order_by("label_expires_at", "id")
            .limit(EXPIRY_BATCH)
            .using_db(conn)
        )
        if conn.capabilities.dialect == "postgres":
            query = query.select_for_update(skip_locked=True)
        due = await query
        for request in due:
            try:
                await states.transition(
                    request,
                    S.EXPIRED,
                    actor="system",
                    note="label unused",
                    using_db=conn,
                    settings=settings,
                )
            except states.StaleReturn:
                continue
    if due:
        log.info("expired %d returns with unused labels", len(due))
    return len(due) == EXPIRY_BATCH
