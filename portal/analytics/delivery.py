"""Delivery figures: on-time rate against the first ETA, transit times, problem rates.

On-time compares the delivered calendar day in UTC with the first ETA we ever saw (see
``delivered_late`` in :mod:`portal.surveys.outcomes` for the customer-zone rule surveys use).
Only outbound parcels count; returns travel the other way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from portal.analytics.sql import Filters, Sql, shipment_filter

#: When a shipment counts as shipped (parcels imported without a ship scan use creation).
SHIPPED = "COALESCE(s.shipped_at, s.created_at)"


@dataclass(frozen=True, slots=True)
class OnTimeRow:
    carrier_key: str
    delivered: int
    #: Delivered parcels that had a first ETA (the denominator).
    with_eta: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return 100 * self.on_time / self.with_eta if self.with_eta else None


@dataclass(frozen=True, slots=True)
class TransitRow:
    #: The carrier key, or the destination country ("" when unknown).
    group: str
    shipments: int
    average_days: float


@dataclass(frozen=True, slots=True)
class ProblemRow:
    #: ``exception`` or ``failed_attempt``.
    status: str
    reason: str
    shipments: int
    #: Outbound shipments shipped in the period (the denominator).
    total: int

    @property
    def rate(self) -> float:
        return 100 * self.shipments / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class Problems:
    #: Outbound shipments shipped in the period.
    shipped: int
    rows: list[ProblemRow]


async def on_time(f: Filters) -> list[OnTimeRow]:
    """Per carrier: parcels delivered in the period and how many met their first ETA."""
    q = Sql()
    where = shipment_filter(q, f, "s.delivered_at")
    rows = await q.rows(
        "SELECT s.carrier_key, COUNT(*) AS delivered, "
        "SUM(CASE WHEN s.first_estimated_delivery IS NOT NULL THEN 1 ELSE 0 END) AS with_eta, "
        f"SUM(CASE WHEN {q.utc_day('s.delivered_at')} <= s.first_estimated_delivery "
        "THEN 1 ELSE 0 END) AS on_time "
        f"FROM shipment s WHERE {where} AND s.status = 'delivered' "
        "GROUP BY s.carrier_key ORDER BY s.carrier_key"
    )
    return [
        OnTimeRow(str(r["carrier_key"]), int(r["delivered"]), int(r["with_eta"]), int(r["on_time"]))
        for r in rows
    ]


async def transit_times(f: Filters, by: Literal["carrier", "destination"]) -> list[TransitRow]:
    """Average days from shipped to delivered for parcels delivered in the period, per
    carrier or per destination country (the end of the route the order carries)."""
    q = Sql()
    where = shipment_filter(q, f, "s.delivered_at")
    if by == "carrier":
        group, source = "s.carrier_key", "shipment s"
    elif by == "destination":
        group = "COALESCE(o.ship_country, '')"
        source = "shipment s LEFT JOIN orders o ON o.id = s.order_id"
    else:
        raise ValueError(f"unknown grouping {by!r}")
    rows = await q.rows(
        f"SELECT {group} AS grp, COUNT(*) AS shipments, "
        f"AVG({q.days_between('s.shipped_at', 's.delivered_at')}) AS average_days "
        f"FROM {source} WHERE {where} AND s.status = 'delivered' AND s.shipped_at IS NOT NULL "
        f"GROUP BY {group} ORDER BY 1"
    )
    return [TransitRow(str(r["grp"]), int(r["shipments"]), float(r["average_days"])) for r in rows]


async def problem_rates(f: Filters) -> Problems:
    """Share of shipments shipped in the period with an exception or a failed attempt, per
    reason. A parcel counts once per (status, reason) however many scans it had."""
    total_q = Sql()
    total_rows = await total_q.rows(
        f"SELECT COUNT(*) AS total FROM shipment s WHERE {shipment_filter(total_q, f, SHIPPED)}"
    )
    total = int(total_rows[0]["total"])
    q = Sql()
    where = shipment_filter(q, f, SHIPPED)
    rows = await q.rows(
        "SELECT e.status, COALESCE(e.reason, 'unknown') AS reason, "
        "COUNT(DISTINCT e.shipment_id) AS shipments "
        "FROM tracking_event e JOIN shipment s ON s.id = e.shipment_id "
        f"WHERE {where} AND e.status IN ('exception', 'failed_attempt') "
        "GROUP BY e.status, COALESCE(e.reason, 'unknown') ORDER BY 1, 2"
    )
    return Problems(
        total,
        [ProblemRow(str(r["status"]), str(r["reason"]), int(r["shipments"]), total) for r in rows],
    )
