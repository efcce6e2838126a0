"""Return figures over the orders placed in the period: return rate (returned quantity /
sold quantity) by reason, by product and by variant, and the share of each resolution.

Counting over the orders placed in the period keeps numerator and denominator about the
same goods; recent periods read low until their returns arrive. Rejected, cancelled and
expired requests brought nothing back and do not count. The carrier filter keeps orders
that went out (at least partly) with that carrier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from portal.analytics.sql import Filters, Sql

#: A request that was (or is being) returned: everything but a refusal or a lapse.
COUNTED = "rr.state NOT IN ('rejected', 'cancelled', 'expired')"
_ITEMS = (
    "return_item ri JOIN return_request rr ON rr.id = ri.return_request_id "
    "JOIN order_item oi ON oi.id = ri.order_item_id JOIN orders o ON o.id = oi.order_id"
)


@dataclass(frozen=True, slots=True)
class ReturnRateRow:
    #: Reason code ("" when none was given), product reference, or SKU.
    group: str
    #: A readable name: the item title for products and variants, "" for reasons.
    title: str
    sold: int
    returned: int

    @property
    def rate(self) -> float | None:
        return 100 * self.returned / self.sold if self.sold else None


@dataclass(frozen=True, slots=True)
class ResolutionRow:
    resolution: str
    items: int
    quantity: int
    #: Returned quantity over all resolutions (the denominator).
    total: int

    @property
    def share(self) -> float:
        return 100 * self.quantity / self.total if self.total else 0.0


def order_filter(q: Sql, f: Filters) -> str:
    where = (
        f"o.merchant_id = {q.p(f.merchant_id)} AND o.placed_at >= {q.p(f.start)} "
        f"AND o.placed_at < {q.p(f.end)}"
    )
    if f.carrier_key is not None:
        where += (
            " AND EXISTS (SELECT 1 FROM shipment s WHERE s.order_id = o.id "
            "AND s.merchant_id = o.merchant_id AND s.direction = 'outbound' "
            f"AND s.carrier_key = {q.p(f.carrier_key)})"
        )
    return where


async def sold_quantity(f: Filters) -> int:
    q = Sql()
    rows = await q.rows(
        "SELECT COALESCE(SUM(oi.quantity), 0) AS sold FROM order_item oi "
        f"JOIN orders o ON o.id = oi.order_id WHERE {order_filter(q, f)}"
    )
    return int(rows[0]["sold"])


async def return_rate_by_reason(f: Filters) -> list[ReturnRateRow]:
    """Returned quantity per reason against everything sold in the period."""
    sold = await sold_quantity(f)
    q = Sql()
    rows = await q.rows(
        "SELECT COALESCE(rsn.code, '') AS grp, SUM(ri.quantity) AS returned "
        f"FROM {_ITEMS} LEFT JOIN return_reason rsn ON rsn.id = ri.reason_id "
        f"WHERE {order_filter(q, f)} AND rr.merchant_id = o.merchant_id AND {COUNTED} "
        "GROUP BY COALESCE(rsn.code, '') ORDER BY 2 DESC, 1"
    )
    return [ReturnRateRow(str(r["grp"]), "", sold, int(r["returned"])) for r in rows]


async def return_rate_by_item(
    f: Filters, by: Literal["product", "variant"], limit: int | None = None
) -> list[ReturnRateRow]:
    """Sold and returned quantity per product (its reference, else the item title) or per
    variant (SKU), most returned first."""
    q = Sql()
    merchant = q.p(f.merchant_id)
    if by == "product":
        group = "COALESCE(pv.product_ref, oi.title)"
        join = "LEFT JOIN product_variant pv ON pv.id = oi.variant_id "
    elif by == "variant":
        group, join = "oi.sku", ""
    else:
        raise ValueError(f"unknown grouping {by!r}")
    sql = (
        f"SELECT {group} AS grp, MAX(oi.title) AS title, SUM(oi.quantity) AS sold, "
        "SUM(COALESCE(r.returned, 0)) AS returned "
        f"FROM order_item oi JOIN orders o ON o.id = oi.order_id {join}"
        "LEFT JOIN (SELECT ri.order_item_id, SUM(ri.quantity) AS returned "
        "FROM return_item ri JOIN return_request rr ON rr.id = ri.return_request_id "
        f"WHERE rr.merchant_id = {merchant} AND {COUNTED} GROUP BY ri.order_item_id) r "
        f"ON r.order_item_id = oi.id WHERE {order_filter(q, f)} "
        f"GROUP BY {group} ORDER BY 4 DESC, 1"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = await q.rows(sql)
    return [
        ReturnRateRow(str(r["grp"]), str(r["title"] or ""), int(r["sold"]), int(r["returned"]))
        for r in rows
    ]


async def resolutions(f: Filters) -> list[ResolutionRow]:
    """Refund, store credit, exchange and keep-the-item: items and quantity of each."""
    q = Sql()
    rows = await q.rows(
        "SELECT ri.resolution, COUNT(*) AS items, SUM(ri.quantity) AS quantity "
        f"FROM {_ITEMS} WHERE {order_filter(q, f)} AND rr.merchant_id = o.merchant_id "
        f"AND {COUNTED} GROUP BY ri.resolution ORDER BY 3 DESC, 1"
    )
    total = sum(int(r["quantity"]) for r in rows)
    return [
        ResolutionRow(str(r["resolution"]), int(r["items"]), int(r["quantity"]), total)
        for r in rows
    ]
