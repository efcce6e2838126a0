"""Claims opened and resolved.

A customer may report a problem with a parcel whose status says something went wrong
(lost, damaged, sent back) or that is marked delivered (not received, damaged, the wrong
item): :data:`KINDS_BY_STATUS`. One open claim per parcel. The shop resolves with a
reship (a replacement order and its shipment, registered like any other so the tracking
engine polls it), a refund of an amount, or a rejection whose reason the customer reads.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal.claims import states
from portal.models import Claim, Direction, Order, OrderItem, ReturnRequest, Shipment
from portal.models.claims import ClaimKind as K
from portal.models.claims import ClaimState as S
from portal.models.returns import ReturnState
from portal.settings import Settings
from portal.tracking import registration

#: Which problems a parcel in each status can be reported with.
KINDS_BY_STATUS: dict[str, tuple[K, ...]] = {
    Status.EXCEPTION.value: (K.LOST, K.DAMAGED),
    Status.EXPIRED.value: (K.LOST,),
    Status.RETURNED_TO_SENDER.value: (K.RETURNED_TO_SENDER,),
    Status.DELIVERED.value: (K.NOT_RECEIVED, K.DAMAGED, K.WRONG_ITEM),
}
MAX_DESCRIPTION = 4000
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class ClaimRefused(ValueError):
    """The report cannot be accepted; ``code`` says why (the page words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RefundTooLarge(ClaimRefused):
    """A refund above what the order cost, less what was refunded for it already; ``most``
    is what may still be refunded, so the screen and the API can say so."""

    def __init__(self, most: Decimal, currency: str) -> None:
        super().__init__("amount_over_order")
        self.most = most
        self.currency = currency


def kinds_for(shipment: Shipment) -> tuple[K, ...]:
    return KINDS_BY_STATUS.get(str(shipment.status), ())


async def open_claim_of(shipment: Shipment) -> Claim | None:
    return await Claim.filter(shipment_id=shipment.id, state__in=tuple(states.OPEN)).first()


def _number() -> str:
    return "C-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))


async def submit(
    shipment: Shipment,
    *,
    kind: str,
    description: str,
    quantities: Mapping[int, int],
    photo_paths: Sequence[str],
    not_received_statement: bool,
    locale: str,
    settings: Settings,
) -> Claim:
    """Open a claim for ``shipment``; :class:`ClaimRefused` when the report does not fit."""
    try:
        chosen = K(kind)
    except ValueError:
        raise ClaimRefused("kind") from None
    if chosen not in kinds_for(shipment):
        raise ClaimRefused("kind")
    text = description.strip()[:MAX_DESCRIPTION]
    if not text:
        raise ClaimRefused("description")
    if chosen is K.NOT_RECEIVED and not not_received_statement:
        raise ClaimRefused("statement")
    lines = (
        await OrderItem.filter(order_id=shipment.order_id).order_by("id")
        if shipment.order_id
        else []
    )
    by_id = {line.id: line for line in lines}
    items = []
    for item_id, quantity in quantities.items():
        line = by_id.get(item_id)
        if line is None or not 1 <= quantity <= line.quantity:
            raise ClaimRefused("items")
        items.append(
            {"order_item_id": line.id, "sku": line.sku, "title": line.title, "quantity": quantity}
        )
    if lines and not items:
        raise ClaimRefused("items")
    if await open_claim_of(shipment) is not None:
        raise ClaimRefused("open")
    order = await Order.get_or_none(id=shipment.order_id) if shipment.order_id else None
    for _ in range(8):
        try:
            async with in_transaction() as conn:
                claim = await Claim.create(
                    merchant_id=shipment.merchant_id,
                    shipment_id=shipment.id,
                    order_id=shipment.order_id,
                    customer_id=order.customer_id if order else None,
                    number=_number(),
                    kind=chosen,
                    description=text,
                    items=items,
                    photo_paths=list(photo_paths),
                    not_received_statement=not_received_statement,
                    locale=locale,
                    using_db=conn,
                )
                await states.announce(
                    claim, None, S.SUBMITTED, actor="customer", note="",
                    settings=settings, conn=conn,
                )  # fmt: skip
                return claim
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a claim number")


async def review(claim: Claim, *, actor: str, settings: Settings) -> None:
    async with in_transaction() as conn:
        await states.move(claim, S.IN_REVIEW, actor=actor, settings=settings, conn=conn)


async def reship(
    claim: Claim,
    *,
    tracking_number: str,
    carrier: str | None,
    offered: list[str],
    actor: str,
    settings: Settings,
    now: datetime | None = None,
) -> Shipment:
    """A replacement order for the claimed items and its parcel, tracked like any other;
    :class:`registration.Refused` for a number that cannot be registered;
    :class:`states.ClaimMoveRefused` for a resolved claim, before its number is looked at."""
    states.check(claim, S.RESHIPPED)
    now = now or datetime.now(UTC)
    number = registration.clean_number(tracking_number)
    prefer = {} if carrier else await registration.preferences(claim.merchant_id)
    key = registration.carrier_for(number, carrier, offered, **prefer)
    async with in_transaction() as conn:
        original = await Order.get_or_none(id=claim.order_id, using_db=conn)
        replacement = None
        if original is not None:
            replacement = await Order.create(
                merchant_id=original.merchant_id,
                customer_id=original.customer_id,
                number=f"{original.number}-{claim.number}"[:64],
                email=original.email,
                currency=original.currency,
                placed_at=now,
                **{f: getattr(original, f) for f in _ADDRESS},
                using_db=conn,
            )
            lines = {i.id: i for i in await OrderItem.filter(order_id=original.id).using_db(conn)}
            claimed = claim.items or [
                {"order_item_id": i.id, "quantity": i.quantity} for i in lines.values()
            ]
            for entry in claimed:
                line = lines.get(int(entry["order_item_id"]))
                if line is None:
                    continue
                await OrderItem.create(
                    order_id=replacement.id,
                    variant_id=line.variant_id,
                    sku=line.sku,
                    title=line.title,
                    variant_options=line.variant_options,
                    quantity=int(entry["quantity"]),
                    unit_price=Decimal(0),
                    category=line.category,
                    using_db=conn,
                )
        if (
            await Shipment.filter(
                merchant_id=claim.merchant_id, carrier_key=key, tracking_number=number
            )
            .using_db(conn)
            .exists()
        ):
            raise registration.Refused("in_use")
        shipment = await Shipment.create(
            merchant_id=claim.merchant_id,
            order_id=replacement.id if replacement else None,
            carrier_key=key,
            carrier_pinned=carrier is not None,
            tracking_number=number,
            direction=Direction.OUTBOUND,
            next_poll_at=now,
            using_db=conn,
        )
        await states.move(
            claim,
            S.RESHIPPED,
            actor=actor,
            settings=settings,
            conn=conn,
            note=shipment.tracking_number,
            replacement_order_id=replacement.id if replacement else None,
            replacement_shipment_id=shipment.id,
        )
        return shipment


_ADDRESS = tuple(
    f"ship_{f}" for f in ("name", "line1", "line2", "city", "region", "postal_code", "country")
)


def parse_amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise ClaimRefused("amount") from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e10"):
        raise ClaimRefused("amount")
    return amount.quantize(Decimal("0.01"))


#: Returns whose refund is settled: counted against what a claim may still refund.
_RETURNS_REFUNDED = (ReturnState.RESOLVED, ReturnState.CLOSED)


async def _order_family(order_id: int, conn: BaseDBAsyncClient) -> list[int]:
    """The order the customer paid for and the replacements reshipped for it, paid first.

    A replacement order's lines cost nothing, so a claim about a lost replacement is
    capped by the order it replaces, and every refund across the family counts."""
    root = order_id
    for _ in range(32):
        parents = await (
            Claim.filter(replacement_order_id=root, order_id__isnull=False)
            .using_db(conn)
            .limit(1)
            .values("order_id")
        )
        if not parents or parents[0]["order_id"] in (None, root):
            break
        root = int(parents[0]["order_id"])
    family, frontier = [root], [root]
    while frontier and len(family) < 256:
        found = await (
            Claim.filter(order_id__in=frontier, replacement_order_id__isnull=False)
            .using_db(conn)
            .values("replacement_order_id")
        )
        ids = {int(row["replacement_order_id"]) for row in found}
        frontier = sorted(ids.difference(family))
        family.extend(frontier)
    return family


async def refundable(claim: Claim, conn: BaseDBAsyncClient) -> tuple[Decimal, str] | None:
    """What ``claim`` may still refund and in which currency; None without an order.

    The order's lines and delivery as recorded, less the refunds of its other claims and
    of its settled returns (and those of the orders reshipped for it). The order row is
    locked, so two refunds for one order are weighed one after the other."""
    if claim.order_id is None:
        return None
    family = await _order_family(claim.order_id, conn)
    paid = await Order.filter(id=family[0]).using_db(conn).select_for_update().first()
    if paid is None:
        return None
    lines = await OrderItem.filter(order_id=paid.id).using_db(conn)
    cost = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    cost += paid.shipping_total
    by_claims = await (
        Claim.filter(order_id__in=family, state=S.REFUNDED)
        .exclude(id=claim.id)
        .using_db(conn)
        .values_list("refund_amount", flat=True)
    )
    by_returns = await (
        ReturnRequest.filter(order_id__in=family, state__in=_RETURNS_REFUNDED)
        .using_db(conn)
        .values_list("refund_total", flat=True)
    )
    refunded = sum((Decimal(a) for a in [*by_claims, *by_returns] if a), Decimal(0))
    return max(cost - refunded, Decimal(0)).quantize(Decimal("0.01")), paid.currency


async def refund(claim: Claim, amount: Decimal, *, actor: str, settings: Settings) -> None:
    """Resolve with a refund; :class:`RefundTooLarge` above what the order may still
    refund (a claim without an order is capped only by :func:`parse_amount`)."""
    states.check(claim, S.REFUNDED)
    async with in_transaction() as conn:
        limit = await refundable(claim, conn)
        if limit is not None and amount > limit[0]:
            raise RefundTooLarge(*limit)
        await states.move(
            claim, S.REFUNDED, actor=actor, settings=settings, conn=conn,
            note=str(amount), refund_amount=amount,
        )  # fmt: skip


async def reject(claim: Claim, reason: str, *, actor: str, settings: Settings) -> None:
    text = reason.strip()[:2000]
    if not text:
        raise ClaimRefused("reason")
    async with in_transaction() as conn:
        await states.move(
            claim, S.REJECTED, actor=actor, settings=settings, conn=conn,
            note=text, rejection_reason=text,
        )  # fmt: skip
