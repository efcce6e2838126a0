"""The analytics queries as they were before the daily rollups (one statement over the raw
rows, problem rates from the scans themselves), kept to check that the rollups give the
same figures. Copied from portal/analytics/{delivery,returns,satisfaction}.py as of
issue 20 item 10 (and messaging.py before its own rollup); the result types are the
portal's own."""

from __future__ import annotations

from typing import Literal

from portal.analytics.delivery import OnTimeRow, ProblemRow, Problems, TransitRow
from portal.analytics.facts import RECEIPTS
from portal.analytics.messaging import ChannelRow
from portal.analytics.returns import ResolutionRow, ReturnRateRow
from portal.analytics.satisfaction import _COLUMNS, Cut, SatisfactionRow
from portal.analytics.sql import Filters, Sql, shipment_filter
from portal.models import Metric
from portal.surveys.scores import score_from_counts

SHIPPED = "COALESCE(s.shipped_at, s.created_at)"


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


COUNTED = "rr.state NOT IN ('rejected', 'cancelled', 'expired')"
_ITEMS = (
    "return_item ri JOIN return_request rr ON rr.id = ri.return_request_id "
    "JOIN order_item oi ON oi.id = ri.order_item_id JOIN orders o ON o.id = oi.order_id"
)


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


async def satisfaction(f: Filters, cut: Cut | str | None) -> list[SatisfactionRow]:
    """Scores per group and metric for answers given in the period (``cut=None``: one
    group, the whole period)."""
    q = Sql()
    where = (
        f"merchant_id = {q.p(f.merchant_id)} AND answered_at >= {q.p(f.start)} "
        f"AND answered_at < {q.p(f.end)} AND score IS NOT NULL"
    )
    if f.carrier_key is not None:
        where += f" AND carrier_key = {q.p(f.carrier_key)}"
    if cut is None:
        group, group_by = "NULL", "metric"
    else:
        cut = Cut(cut)
        column = _COLUMNS.get(cut)
        grouped, group = (column, column) if column else q.bucket("answered_at", cut.value)
        group_by = f"{grouped}, metric"
    rows = await q.rows(
        f"SELECT {group} AS grp, metric, COUNT(*) AS total, "
        "SUM(CASE WHEN (metric = 'nps' AND score >= 9) OR (metric <> 'nps' AND score >= 4) "
        "THEN 1 ELSE 0 END) AS top, "
        "SUM(CASE WHEN metric = 'nps' AND score <= 6 THEN 1 ELSE 0 END) AS bottom "
        f"FROM survey_answer WHERE {where} GROUP BY {group_by} ORDER BY 1, 2"
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


async def by_channel(f: Filters) -> list[ChannelRow]:
    """Messages by channel, from ``outbox_message`` (portal/analytics/messaging.py before
    its daily rollup). One fix: the carrier's placeholder used to be made before the
    merchant's and the period's, so on SQLite (positional ``?``) a carrier filter bound
    the values to the wrong columns; here they are made in the order they appear."""
    q = Sql()
    receipts = ", ".join(q.p(r) for r in RECEIPTS)
    where = (
        f"WHERE m.merchant_id = {q.p(f.merchant_id)} AND m.state <> 'cancelled' "
        f"AND m.created_at >= {q.p(f.start)} AND m.created_at < {q.p(f.end)}"
    )
    if f.carrier_key:
        where += (
            " AND m.shipment_id IN (SELECT s.id FROM shipment s WHERE "
            f"s.merchant_id = m.merchant_id AND s.carrier_key = {q.p(f.carrier_key)})"
        )
    rows = await q.rows(
        "SELECT m.channel AS channel, COUNT(*) AS messages, "
        "SUM(CASE WHEN m.state = 'delivered' OR m.delivery_status IN "
        f"({receipts}) OR (m.state = 'sent' AND m.channel IN ('email', 'push')) "
        "THEN 1 ELSE 0 END) AS delivered, "
        "SUM(CASE WHEN m.state = 'failed' OR m.delivery_status IN ('failed', 'undelivered') "
        "THEN 1 ELSE 0 END) AS failed "
        f"FROM outbox_message m {where} GROUP BY m.channel ORDER BY 2 DESC, 1"
    )
    return [
        ChannelRow(str(r["channel"]), int(r["messages"]), int(r["delivered"]), int(r["failed"]))
        for r in rows
    ]
