"""The withdrawal function's domain side: what an order allows, and a statement submitted.

:func:`review` reads the facts (the shop's terms, the parcels' delivery times, the units
not yet withdrawn or returned) and hands them to :mod:`portal.returns.withdrawal_rules`.
:func:`submit` records a confirmed statement in one transaction holding the order's row
lock: the :class:`~portal.models.Withdrawal` as declared, a return of kind ``withdrawal``
(approved at once: withdrawing is the customer's right, not the shop's decision), the
``withdrawal.submitted`` event and the acknowledgement e-mail in the outbox, sent without
waiting for quiet hours and kept there as sent.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from portal import events
from portal.core import timezones
from portal.event_catalogue import WITHDRAWAL_SUBMITTED, WithdrawalSubmitted
from portal.models import (
    Channel,
    Customer,
    Direction,
    Merchant,
    Order,
    OrderItem,
    OutboxMessage,
    ReturnItem,
    ReturnPolicy,
    ReturnRequest,
    Shipment,
    Withdrawal,
)
from portal.models.returns import ReturnKind, ReturnState
from portal.notifications.composer import Message, compose, unique_key
from portal.returns import states
from portal.returns import withdrawal_rules as rules
from portal.returns.review import INACTIVE
from portal.returns.service import RMA_ATTEMPTS, new_rma_number
from portal.returns.withdrawal_messages import RECEIVED, WITHDRAWALS, Statement
from portal.settings import Settings

MAX_NAME = 200


class WithdrawalRefused(ValueError):
    """The statement cannot be accepted; ``errors`` maps an item id (or None) to a
    :class:`~portal.returns.withdrawal_rules.Refusal` value or a form problem."""

    def __init__(self, errors: dict[int | None, str], period: rules.Period | None = None) -> None:
        self.errors = errors
        self.period = period
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    sku: str
    title: str
    unit_price: Decimal
    ordered: int
    available: int
    exception: rules.StatutoryException | None

    @property
    def withdrawable(self) -> bool:
        return self.exception is None and self.available > 0


@dataclass(frozen=True, slots=True)
class Review:
    """What the withdrawal function shows for an order."""

    order: Order
    merchant: Merchant
    terms: rules.Terms
    period: rules.Period
    zone: ZoneInfo
    items: tuple[ItemView, ...]
    now: datetime

    @property
    def open(self) -> bool:
        return self.terms.applies and self.period.open_at(self.now)

    @property
    def refusal(self) -> rules.Refusal | None:
        if not self.terms.applies:
            return rules.Refusal.NOT_APPLICABLE
        if not self.period.open_at(self.now):
            return rules.Refusal.PERIOD_ENDED
        if not any(i.withdrawable for i in self.items):
            return rules.Refusal.NOTHING_LEFT
        return None


async def _policy(merchant_id: int, conn: BaseDBAsyncClient | None) -> ReturnPolicy | None:
    return (
        await ReturnPolicy.filter(merchant_id=merchant_id, is_active=True)
        .using_db(conn)
        .order_by("-id")
        .first()
    )


async def terms_for(merchant: Merchant, conn: BaseDBAsyncClient | None = None) -> rules.Terms:
    return rules.Terms.of(merchant.country, await _policy(merchant.id, conn))


async def review(
    order: Order,
    *,
    now: datetime | None = None,
    conn: BaseDBAsyncClient | None = None,
    read: tuple[Merchant, Any | None] | None = None,
) -> Review:
    """The order's withdrawal terms, period and items as they stand at ``now``.

    ``read``: the shop and the customer (her time zone and country: a ``Customer`` or a
    page's row of her, None without one) the caller read with the order, so a page that
    looked them up does not read them again; else they are read here."""
    now = now or datetime.now(UTC)
    if read is not None:
        merchant, customer = read
    else:
        merchant = await Merchant.get(id=order.merchant_id, using_db=conn)
        customer = (
            await Customer.get_or_none(id=order.customer_id, using_db=conn)
            if order.customer_id
            else None
        )
    terms = await terms_for(merchant, conn)
    zone = timezones.recipient_zone(
        customer=customer, order=order, merchant=merchant, default_time_zone="UTC"
    )
    shipments = await Shipment.filter(order_id=order.id, direction=Direction.OUTBOUND).using_db(
        conn
    )
    found = rules.period([s.delivered_at for s in shipments], terms.days, zone)
    lines = await OrderItem.filter(order_id=order.id).using_db(conn).order_by("id")
    taken = {
        r["order_item_id"]: int(r["total"] or 0)
        for r in await ReturnItem.filter(order_item__order_id=order.id)
        .exclude(return_request__state__in=INACTIVE)
        .using_db(conn)
        .annotate(total=Sum("quantity"))
        .group_by("order_item_id")
        .values("order_item_id", "total")
    }
    items = tuple(
        ItemView(
            id=line.id,
            sku=line.sku,
            title=line.title,
            unit_price=Decimal(line.unit_price),
            ordered=line.quantity,
            available=max(line.quantity - taken.get(line.id, 0), 0),
            exception=rules.excepted(line.statutory_exception, line.unsealed),
        )
        for line in lines
    )
    return Review(order, merchant, terms, found, zone, items, now)


def check(found: Review, chosen: Mapping[int, int]) -> list[rules.Line]:
    """The lines of a statement, or :class:`WithdrawalRefused` saying what is wrong."""
    refusal = found.refusal
    if refusal in (rules.Refusal.NOT_APPLICABLE, rules.Refusal.PERIOD_ENDED):
        raise WithdrawalRefused({None: str(refusal)}, found.period)
    by_id = {i.id: i for i in found.items}
    errors: dict[int | None, str] = {}
    lines: list[rules.Line] = []
    for item_id, quantity in chosen.items():
        item = by_id.get(item_id)
        if quantity <= 0:
            continue
        if item is None:
            errors[item_id] = "unknown_item"
        elif item.exception is not None:
            errors[item_id] = str(rules.Refusal.EXCEPTED)
        elif quantity > item.available:
            errors[item_id] = str(rules.Refusal.NOTHING_LEFT)
        else:
            lines.append(rules.Line(item.id, quantity, item.unit_price))
    if not lines and not errors:
        errors[None] = "empty"
    if errors:
        raise WithdrawalRefused(errors, found.period)
    return lines


@dataclass(frozen=True, slots=True)
class Submitted:
    withdrawal: Withdrawal
    request: ReturnRequest


async def submit(
    order: Order,
    chosen: Mapping[int, int],
    *,
    name: str,
    email: str,
    locale: str,
    submission_key: str,
    settings: Settings,
    now: datetime | None = None,
) -> Submitted:
    """Record a confirmed statement (once per ``submission_key``), open its return and
    write the acknowledgement; :class:`WithdrawalRefused` when it cannot be accepted."""
    name, email = name.strip()[:MAX_NAME], email.strip()[:254]
    problems: dict[int | None, str] = {}
    if not name:
        problems[None] = "name"
    elif "@" not in email or " " in email or len(email) < 3:
        problems[None] = "email"
    if problems:
        raise WithdrawalRefused(problems)
    for _ in range(RMA_ATTEMPTS):
        existing = await _existing(submission_key)
        if existing is not None:
            return existing
        try:
            async with in_transaction() as conn:
                return await _submit(
                    conn, order, chosen, name, email, locale, submission_key, settings, now
                )
        except IntegrityError:
            continue  # a twin submission or an RMA number clash: look again
    raise RuntimeError("could not record the withdrawal")


async def _existing(submission_key: str) -> Submitted | None:
    found = await Withdrawal.get_or_none(submission_key=submission_key)
    if found is None or found.return_request_id is None:
        return None
    return Submitted(found, await ReturnRequest.get(id=found.return_request_id))


async def _submit(
    conn: BaseDBAsyncClient,
    order: Order,
    chosen: Mapping[int, int],
    name: str,
    email: str,
    locale: str,
    submission_key: str,
    settings: Settings,
    now: datetime | None,
) -> Submitted:
    now = now or datetime.now(UTC)
    await Order.filter(id=order.id).select_for_update().using_db(conn).get()
    found = await review(order, now=now, conn=conn)
    lines = check(found, chosen)
    by_id = {i.id: i for i in found.items}
    left = {i.id: i.available for i in found.items}
    for line in lines:
        left[line.order_item_id] -= line.quantity
    whole = all(units == 0 for units in left.values())
    refund = rules.refund(
        found.terms,
        lines,
        shipping_total=Decimal(order.shipping_total or 0),
        whole_order=whole,
        currency=order.currency,
    )
    request = await ReturnRequest.create(
        merchant_id=order.merchant_id,
        order_id=order.id,
        customer_id=order.customer_id,
        number=new_rma_number(),
        kind=ReturnKind.WITHDRAWAL,
        state=ReturnState.REQUESTED,
        currency=order.currency,
        refund_total=refund.total,
        fees_total=refund.fees,
        customer_note="",
        using_db=conn,
    )
    for line, amount in refund.lines:
        await ReturnItem.create(
            return_request_id=request.id,
            order_item_id=line.order_item_id,
            quantity=line.quantity,
            resolution="refund",
            amount=amount,
            using_db=conn,
        )
    await states.record_creation(request, actor="customer", settings=settings, using_db=conn)
    for target in (ReturnState.APPROVED, ReturnState.AWAITING_SHIPMENT):
        await states.transition(
            request,
            target,
            actor="system",
            note="statutory withdrawal",
            using_db=conn,
            settings=settings,
        )
    declared = [
        {
            "order_item_id": line.order_item_id,
            "sku": by_id[line.order_item_id].sku,
            "title": by_id[line.order_item_id].title,
            "quantity": line.quantity,
        }
        for line in lines
    ]
    withdrawal = await Withdrawal.create(
        merchant_id=order.merchant_id,
        order_id=order.id,
        customer_id=order.customer_id,
        return_request_id=request.id,
        name=name,
        email=email,
        items=declared,
        locale=locale,
        submitted_at=now,
        submission_key=submission_key,
        using_db=conn,
    )
    await events.emit(
        merchant_id=order.merchant_id,
        kind=WITHDRAWAL_SUBMITTED,
        subject_type="withdrawal",
        subject_id=withdrawal.id,
        payload=WithdrawalSubmitted(
            order_number=order.number,
            return_number=request.number,
            submitted_at=now.isoformat(),
            items=[{k: v for k, v in d.items() if k != "order_item_id"} for d in declared],
            locale=locale,
        ),
        using_db=conn,
        settings=settings,
        occurred_at=now,
    )
    await _acknowledge(conn, found, withdrawal, request, settings, now)
    return Submitted(withdrawal, request)


async def _acknowledge(
    conn: BaseDBAsyncClient,
    found: Review,
    withdrawal: Withdrawal,
    request: ReturnRequest,
    settings: Settings,
    now: datetime,
) -> None:
    """The acknowledgement on a durable medium: an e-mail to the address the customer gave,
    whatever their marketing consent, at once; linked from the statement's row."""
    order = found.order
    customer: Any = (
        await Customer.get_or_none(id=order.customer_id, using_db=conn)
        if order.customer_id
        else None
    )
    if customer is None:  # an order without a customer record still gets its receipt
        customer = SimpleNamespace(
            id=None, name=withdrawal.name, email=None, email_opt_in=True, sms_opt_in=False,
            locale=withdrawal.locale, time_zone=None, country=None, phone=None,
        )  # fmt: skip
    message = Message(
        WITHDRAWALS,
        RECEIVED,
        withdrawal.id,
        Statement(withdrawal, request, found.zone),
        merchant=found.merchant,
        customer=customer,
        order=order,
        locale=withdrawal.locale,
        channels=(Channel.EMAIL,),
        to=withdrawal.email,
        immediate=True,
    )
    await compose(message, conn=conn, settings=settings, now=now)
    key = unique_key(WITHDRAWALS, withdrawal.id, RECEIVED, Channel.EMAIL)
    sent = await OutboxMessage.get_or_none(unique_key=key, using_db=conn)
    if sent is not None:
        await Withdrawal.filter(id=withdrawal.id).using_db(conn).update(acknowledgement_id=sent.id)
        withdrawal.acknowledgement_id = sent.id


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)
