"""Delivery figures: on-time rate against the first ETA, transit times, problem rates.

On-time compares the delivered calendar day on the shop's clock (``merchant.time_zone``)
with the first ETA we ever saw (see
``delivered_late`` in :mod:`portal.surveys.outcomes` for the customer-zone rule surveys use).
Only outbound parcels count; returns travel the other way. Past days come from the daily
rollups (:mod:`portal.analytics.rollups`), problem rates from the parcels' problem rows,
never the scans, so they outlive the scans' retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from portal.analytics.facts import DELIVERED, PROBLEMS, SHIPPED, SHIPPED_DAY
from portal.analytics.rollups import source
from portal.analytics.sql import Filters, Sql

__all__ = ["SHIPPED", "on_time", "problem_rates", "transit_times"]
DAY_MS = 86_400_000


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
    rows = await q.rows(
        "SELECT carrier_key, SUM(delivered) AS delivered, SUM(with_eta) AS with_eta, "
        f"SUM(on_time) AS on_time FROM {await source(q, DELIVERED, f)} x "
        "GROUP BY carrier_key ORDER BY carrier_key"
    )
    return [
        OnTimeRow(str(r["carrier_key"]), int(r["delivered"]), int(r["with_eta"]), int(r["on_time"]))
        for r in rows
    ]


async def transit_times(f: Filters, by: Literal["carrier", "destination"]) -> list[TransitRow]:
    """Average days from shipped to delivered for parcels delivered in the period, per
    carrier or per destination country (the end of the route the order carries).

    The average is the sum of whole milliseconds over the count (see
    :mod:`portal.analytics.facts`), so it is the same however the days are split."""
    if by not in ("carrier", "destination"):
        raise ValueError(f"unknown grouping {by!r}")
    group = "carrier_key" if by == "carrier" else "country"
    q = Sql()
    rows = await q.rows(
        f"SELECT {group} AS grp, SUM(transit_n) AS shipments, SUM(transit_ms) AS transit_ms "
        f"FROM {await source(q, DELIVERED, f)} x GROUP BY {group} "
        "HAVING SUM(transit_n) > 0 ORDER BY 1"
    )
    return [
        TransitRow(
            str(r["grp"]),
            int(r["shipments"]),
            int(r["transit_ms"]) / int(r["shipments"]) / DAY_MS,
        )
        for r in rows
    ]


async def problem_rates(f: Filters) -> Problems:
    """Share of shipments shipped in the period with an exception or a failed attempt, per
    reason. A parcel counts once per (status, reason) however many scans it had."""
    total_q = Sql()
    total_rows = await total_q.rows(
        f"SELECT COALESCE(SUM(shipped), 0) AS total FROM {await source(total_q, SHIPPED_DAY, f)} x"
    )
    total = int(total_rows[0]["total"])
    q = Sql()
    rows = await q.rows(
        "SELECT status, reason, SUM(shipments) AS shipments "
        f"FROM {await source(q, PROBLEMS, f)} x GROUP BY status, reason ORDER BY 1, 2"
    )
    return Problems(
        total,
        [ProblemRow(str(r["status"]), str(r["reason"]), int(r["shipments"]), total) for r in rows],
    )
