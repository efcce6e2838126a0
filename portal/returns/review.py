"""What an order's items may do under the merchant's active return policy.

Reads the database (policy, items, units already in active returns, delivery scans,
variants, the customer's zone) and hands plain facts to :mod:`portal.returns.policy`.
The customer flow shows this review; :mod:`portal.returns.service` validates against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Sum

from carriers.base import Status
from portal.core.timezones import zone_or_none
from portal.models import (
    Customer,
    Merchant,
    Order,
    OrderItem,
    ProductVariant,
    ReturnItem,
    ReturnPolicy,
    Shipment,
)
from portal.models.returns import ReturnState as S
from portal.models.tracking import Direction
from portal.returns import policy
from portal.returns.policy import Eligibility, ItemFacts, Rules

#: Returns that no longer hold their items (they can be returned again).
INACTIVE = (S.CANCELLED, S.REJECTED, S.EXPIRED)
#: Carrier states that say nothing about the parcel moving: with these alone, the ship
#: date plus the policy's margin may stand in for a delivery scan.
QUIET = frozenset({Status.PENDING, Status.EXPIRED})


class ReturnRefused(ValueError):
    """The selection breaks the policy; ``errors`` maps an item id (or ``None``) to a code."""

    def __init__(self, errors: dict[int | None, str]) -> None:
        self.errors = errors
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True, slots=True)
class OrderReview:
    """Everything the customer flow shows for an order: per-item eligibility and facts."""

    policy: ReturnPolicy
    rules: Rules
    delivered: datetime | None
    zone: ZoneInfo
    items: dict[int, ItemFacts]
    eligibility: dict[int, Eligibility]


def _zone(*names: str | None) -> ZoneInfo:
    """The first of ``names`` that is a zone (``zone_or_none``), else UTC."""
    for name in names:
        if (zone := zone_or_none(name)) is not None:
            return zone
    return ZoneInfo("UTC")


async def active_policy(merchant_id: int, conn: BaseDBAsyncClient | None = None) -> ReturnPolicy:
    found = (
        await ReturnPolicy.filter(merchant_id=merchant_id, is_active=True)
        .using_db(conn)
        .order_by("-id")
        .first()
    )
    if found is None:
        raise ReturnRefused({None: "no_policy"})
    return found


async def review_order(
    order: Order,
    *,
    now: datetime | None = None,
    conn: BaseDBAsyncClient | None = None,
    override: bool = False,
) -> OrderReview:
    """Evaluate every item of ``order`` against the merchant's active policy
    (``override``: staff overrule its refusals, see :func:`policy.evaluate_item`)."""
    now = now or datetime.now(UTC)
    merchant_id: int = order.merchant_id
    found = await active_policy(merchant_id, conn)
    rules = policy.Rules.of(found)
    rows = await OrderItem.filter(order_id=order.id).using_db(conn).order_by("id")
    returned = {
        r["order_item_id"]: int(r["total"] or 0)
        for r in await ReturnItem.filter(order_item__order_id=order.id)
        .exclude(return_request__state__in=INACTIVE)
        .using_db(conn)
        .annotate(total=Sum("quantity"))
        .group_by("order_item_id")
        .values("order_item_id", "total")
    }
    variant_ids = [r.variant_id for r in rows if r.variant_id]
    own = {v.id: v for v in await ProductVariant.filter(id__in=variant_ids).using_db(conn)}
    items = {
        r.id: policy.ItemFacts(
            id=r.id,
            quantity=r.quantity,
            unit_price=r.unit_price,
            returned_quantity=returned.get(r.id, 0),
            final_sale=r.final_sale,
            category=r.category,
            product_ref=own[r.variant_id].product_ref if r.variant_id in own else None,
            variant_id=r.variant_id,
        )
        for r in rows
    }
    refs = {i.product_ref for i in items.values() if i.product_ref}
    candidates = [
        policy.VariantFacts(v.id, v.product_ref, v.price, v.stock - v.reserved)
        for v in await ProductVariant.filter(merchant_id=merchant_id, product_ref__in=refs)
        .using_db(conn)
        .order_by("id")
    ]
    shipments = await Shipment.filter(order_id=order.id, direction=Direction.OUTBOUND).using_db(
        conn
    )
    delivered_at = max((s.delivered_at for s in shipments if s.delivered_at), default=None)
    shipped_at = max((s.shipped_at for s in shipments if s.shipped_at), default=None)
    delivered = policy.window_start(
        rules,
        delivered_at=delivered_at,
        shipped_at=shipped_at,
        placed_at=order.placed_at,
        carrier_quiet=all(s.status in QUIET for s in shipments),
        now=now,
    )
    customer = (
        await Customer.get_or_none(id=order.customer_id, using_db=conn)
        if order.customer_id
        else None
    )
    merchant = await Merchant.get(id=merchant_id, using_db=conn)
    zone = _zone(customer.time_zone if customer else None, merchant.time_zone)
    eligibility = {
        item.id: policy.evaluate_item(
            rules,
            item,
            delivered=delivered,
            now=now,
            zone=zone,
            variants=candidates,
            delivery_scanned=delivered_at is not None,
            override=override,
        )
        for item in items.values()
    }
    return OrderReview(found, rules, delivered, zone, items, eligibility)
