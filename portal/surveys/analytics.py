"""Satisfaction and delivery analytics for one merchant, aggregated in SQL.

Every function runs one grouped query (the same SQL text on SQLite and PostgreSQL apart
from date arithmetic and placeholders) and turns its few result rows into scores with
:mod:`portal.surveys.scores`; nothing loops over answers or shipments in Python.

Datetimes on SQLite are stored by Tortoise as ISO text in UTC (``2026-11-23 06:05:01+00:00``),
whose string order is time order, so range filters compare text and still use indexes.
Weeks start on Monday (UTC). On-time compares the delivered calendar day in UTC with the
first ETA — see ``delivered_late`` in outcomes for the customer-zone rule used on surveys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import Metric
from portal.surveys.scores import Score, score_from_counts


class Cut(StrEnum):
    CARRIER = "carrier"
    OUTCOME = "outcome"
    RETURN_REASON = "return_reason"
    WEEK = "week"


@dataclass(frozen=True, slots=True)
class SatisfactionRow:
    #: The carrier key, outcome, return reason or week start (YYYY-MM-DD); None = not known.
    group: str | None
    metric: Metric
    score: Score


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
    carrier_key: str
    #: Destination country of the order ("" when unknown): the route's end.
    destination: str
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


class _Sql:
    """Placeholders in the dialect's style, with parameters in the matching form."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.conn = conn
        self.postgres = conn.capabilities.dialect == "postgres"
        self.params: list[Any] = []

    def p(self, value: Any) -> str:
        if isinstance(value, datetime) and not self.postgres:
            value = value.astimezone(UTC).isoformat(sep=" ")
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        return await self.conn.execute_query_dict(sql, self.params)


def _conn(conn: BaseDBAsyncClient | None) -> BaseDBAsyncClient:
    return conn or connections.get("default")


def _group_expression(cut: Cut, postgres: bool) -> str:
    if cut == Cut.WEEK:
        if postgres:
            return "to_char(date_trunc('week', answered_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
        return "date(answered_at, '-6 days', 'weekday 1')"
    return {Cut.CARRIER: "carrier_key", Cut.OUTCOME: "outcome", Cut.RETURN_REASON: "return_reason"}[
        cut
    ]


async def satisfaction(
    merchant_id: int,
    cut: Cut | str,
    *,
    start: datetime,
    end: datetime,
    carrier_key: str | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> list[SatisfactionRow]:
    """CSAT, NPS, CES (and the custom question) per group, answers in [start, end)."""
    q = _Sql(_conn(conn))
    group = _group_expression(Cut(cut), q.postgres)
    where = (
        f"merchant_id = {q.p(merchant_id)} AND answered_at >= {q.p(start)} "
        f"AND answered_at < {q.p(end)} AND score IS NOT NULL"
    )
    if carrier_key is not None:
        where += f" AND carrier_key = {q.p(carrier_key)}"
    rows = await q.rows(
        f"SELECT {group} AS grp, metric, COUNT(*) AS total, "
        "SUM(CASE WHEN (metric = 'nps' AND score >= 9) OR (metric <> 'nps' AND score >= 4) "
        "THEN 1 ELSE 0 END) AS top, "
        "SUM(CASE WHEN metric = 'nps' AND score <= 6 THEN 1 ELSE 0 END) AS bottom "
        f"FROM survey_answer WHERE {where} GROUP BY {group}, metric ORDER BY 1, 2"
    )
    return [
        SatisfactionRow(
            None if r["grp"] is None else str(r["grp"]),
            Metric(r["metric"]),
            score_from_counts(
                r["metric"], total=int(r["total"]), top=int(r["top"]), bottom=int(r["bottom"])
            ),
        )
        for r in rows
    ]


def _shipment_filter(
    q: _Sql, merchant_id: int, column: str, start: datetime, end: datetime, carrier: str | None
) -> str:
    where = (
        f"s.merchant_id = {q.p(merchant_id)} AND s.direction = 'outbound' "
        f"AND {column} >= {q.p(start)} AND {column} < {q.p(end)}"
    )
    if carrier is not None:
        where += f" AND s.carrier_key = {q.p(carrier)}"
    return where


async def on_time(
    merchant_id: int,
    *,
    start: datetime,
    end: datetime,
    carrier_key: str | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> list[OnTimeRow]:
    """Per carrier: parcels delivered in [start, end) and how many met their first ETA."""
    q = _Sql(_conn(conn))
    day = "(s.delivered_at AT TIME ZONE 'UTC')::date" if q.postgres else "date(s.delivered_at)"
    where = _shipment_filter(q, merchant_id, "s.delivered_at", start, end, carrier_key)
    rows = await q.rows(
        "SELECT s.carrier_key, COUNT(*) AS delivered, "
        "SUM(CASE WHEN s.first_estimated_delivery IS NOT NULL THEN 1 ELSE 0 END) AS with_eta, "
        f"SUM(CASE WHEN {day} <= s.first_estimated_delivery THEN 1 ELSE 0 END) AS on_time "
        f"FROM shipment s WHERE {where} AND s.status = 'delivered' "
        "GROUP BY s.carrier_key ORDER BY s.carrier_key"
    )
    return [
        OnTimeRow(str(r["carrier_key"]), int(r["delivered"]), int(r["with_eta"]), int(r["on_time"]))
        for r in rows
    ]


async def transit_times(
    merchant_id: int,
    *,
    start: datetime,
    end: datetime,
    carrier_key: str | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> list[TransitRow]:
    """Average days from shipped to delivered, per carrier and destination country."""
    q = _Sql(_conn(conn))
    days = (
        "EXTRACT(EPOCH FROM (s.delivered_at - s.shipped_at)) / 86400.0"
        if q.postgres
        else "julianday(s.delivered_at) - julianday(s.shipped_at)"
    )
    where = _shipment_filter(q, merchant_id, "s.delivered_at", start, end, carrier_key)
    rows = await q.rows(
        f"SELECT s.carrier_key, COALESCE(o.ship_country, '') AS destination, "
        f"COUNT(*) AS shipments, AVG({days}) AS average_days "
        "FROM shipment s LEFT JOIN orders o ON o.id = s.order_id "
        f"WHERE {where} AND s.status = 'delivered' AND s.shipped_at IS NOT NULL "
        "GROUP BY s.carrier_key, COALESCE(o.ship_country, '') ORDER BY 1, 2"
    )
    return [
        TransitRow(
            str(r["carrier_key"]),
            str(r["destination"]),
            int(r["shipments"]),
            float(r["average_days"]),
        )
        for r in rows
    ]


async def problem_rates(
    merchant_id: int,
    *,
    start: datetime,
    end: datetime,
    carrier_key: str | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> list[ProblemRow]:
    """Share of shipments (shipped in [start, end)) with an exception or a failed attempt,
    per reason. A parcel counts once per (status, reason) however many scans it had."""
    shipped = "COALESCE(s.shipped_at, s.created_at)"
    total_q = _Sql(_conn(conn))
    total_rows = await total_q.rows(
        "SELECT COUNT(*) AS total FROM shipment s WHERE "
        + _shipment_filter(total_q, merchant_id, shipped, start, end, carrier_key)
    )
    total = int(total_rows[0]["total"])
    q = _Sql(_conn(conn))
    where = _shipment_filter(q, merchant_id, shipped, start, end, carrier_key)
    rows = await q.rows(
        "SELECT e.status, COALESCE(e.reason, 'unknown') AS reason, "
        "COUNT(DISTINCT e.shipment_id) AS shipments "
        "FROM tracking_event e JOIN shipment s ON s.id = e.shipment_id "
        f"WHERE {where} AND e.status IN ('exception', 'failed_attempt') "
        "GROUP BY e.status, COALESCE(e.reason, 'unknown') ORDER BY 1, 2"
    )
    return [
        ProblemRow(str(r["status"]), str(r["reason"]), int(r["shipments"]), total) for r in rows
    ]
