"""Return figures over the orders placed in the period: return rate (returned quantity /
sold quantity) by reason, by product and by variant, and the share of each resolution.

Counting over the orders placed in the period keeps numerator and denominator about the
same goods; recent periods read low until their returns arrive. Rejected, cancelled and
expired requests brought nothing back and do not count. The carrier filter keeps orders
that went out (at least partly) with that carrier. Past days come from the daily rollups
(:mod:`portal.analytics.rollups`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from portal.analytics.facts import COUNTED, ITEMS, RETURNS
from portal.analytics.rollups import source
from portal.analytics.sql import Filters, Sql

__all__ = [
    "COUNTED",
    "resolutions",
    "return_rate_by_item",
    "return_rate_by_reason",
    "sold_quantity",
]


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


async def sold_quantity(f: Filters) -> int:
    q = Sql()
    rows = await q.rows(f"SELECT COALESCE(SUM(sold), 0) AS sold FROM {await source(q, ITEMS, f)} x")
    return int(rows[0]["sold"])


async def return_rate_by_reason(f: Filters) -> list[ReturnRateRow]:
    """Returned quantity per reason against everything sold in the period."""
    sold = await sold_quantity(f)
    q = Sql()
    rows = await q.rows(
        "SELECT COALESCE(rsn.code, '') AS grp, SUM(x.quantity) AS returned "
        f"FROM {await source(q, RETURNS, f)} x "
        "LEFT JOIN return_reason rsn ON rsn.id = x.reason_id "
        "GROUP BY COALESCE(rsn.code, '') ORDER BY 2 DESC, 1"
    )
    return [ReturnRateRow(str(r["grp"]), "", sold, int(r["returned"])) for r in rows]


async def return_rate_by_item(
    f: Filters, by: Literal["product", "variant"], limit: int | None = None
) -> list[ReturnRateRow]:
    """Sold and returned quantity per product (its reference, else the item title) or per
    variant (SKU), most returned first. The product reference is looked up when read, so
    a variant moved to another product counts there for every past day."""
    q = Sql()
    if by == "product":
        group = "COALESCE(pv.product_ref, x.title)"
        join = " LEFT JOIN product_variant pv ON pv.id = x.variant_id"
    elif by == "variant":
        group, join = "x.sku", ""
    else:
        raise ValueError(f"unknown grouping {by!r}")
    sql = (
        f"SELECT {group} AS grp, MAX(x.title) AS title, SUM(x.sold) AS sold, "
        f"SUM(x.returned) AS returned FROM {await source(q, ITEMS, f)} x{join} "
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
        "SELECT resolution, SUM(items) AS items, SUM(quantity) AS quantity "
        f"FROM {await source(q, RETURNS, f)} x GROUP BY resolution ORDER BY 3 DESC, 1"
    )
    total = sum(int(r["quantity"]) for r in rows)
    return [
        ResolutionRow(str(r["resolution"]), int(r["items"]), int(r["quantity"]), total)
        for r in rows
    ]
