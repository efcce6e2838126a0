"""What the analytics screen counts, per merchant, day (on the shop's clock) and group: one
grouped SELECT per rollup table, run over the raw rows.

The same statement fills a rollup table (for whole days, every merchant or one) and
computes the days no rollup covers yet (today, a day with unprocessed changes) when a
figure is read, so the two can never disagree. Every measure is a count or an integer
sum (transit time in milliseconds, not an average), so any run of days adds up to
exactly what one query over the whole period gives.

Each :class:`Rollup` belongs to a *fact*: the day key the triggers of migration 0021
mark dirty (``delivered``: the delivered day; ``shipped``: the ship day; ``orders``: the
day the order was placed; ``answers``: the day the answer was given; ``messages``, from
migration 0023: the day the message was written).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from portal.analytics.sql import Sql

Range = tuple[datetime, datetime]
#: When a shipment counts as shipped (parcels imported without a ship scan use creation).
SHIPPED = "COALESCE(s.shipped_at, s.created_at)"
#: A request that was (or is being) returned: everything but a refusal or a lapse.
COUNTED = "rr.state NOT IN ('rejected', 'cancelled', 'expired')"


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose rows, which time ranges (half-open instants) and, when reading, which carrier.

    Days are counted on the clock of ``zone`` (a value of ``merchant.time_zone``); with no
    ``merchant_id``, the rows are those of every merchant in that zone.

    ``expand`` (filling a rollup of orders) writes each order once under carrier "" and
    once under each carrier it went out with, so the carrier filter, which keeps orders
    with at least one parcel of that carrier, reads one set of rows either way.
    """

    merchant_id: int | None
    ranges: Sequence[Range]
    carrier_key: str | None = None
    expand: bool = False
    zone: str = "UTC"

    def day(self, q: Sql, column: str) -> str:
        """``column``'s day on the scope's clock (see :meth:`Sql.local_day`)."""
        return q.local_day(
            column, self.zone, min(a for a, _ in self.ranges), max(b for _, b in self.ranges)
        )


Select = Callable[[Sql, Scope], str]


@dataclass(frozen=True, slots=True)
class Rollup:
    table: str
    fact: str
    #: Every column after merchant_id and day, in the table's order.
    columns: tuple[str, ...]
    select: Select
    #: True: carrier "" holds every order (see :class:`Scope`); False: the row's carrier.
    by_order: bool = False


def ranges(q: Sql, column: str, found: Sequence[tuple[date, date]]) -> str:
    """``column`` in any of the half-open ranges (of days, or of datetimes)."""
    return (
        "(" + " OR ".join(f"({column} >= {q.p(a)} AND {column} < {q.p(b)})" for a, b in found) + ")"
    )


def _merchant(q: Sql, scope: Scope, column: str) -> str:
    if scope.merchant_id is None:
        return f"{column} IN (SELECT id FROM merchant WHERE time_zone = {q.p(scope.zone)}) AND "
    return f"{column} = {q.p(scope.merchant_id)} AND "


def _carrier(q: Sql, scope: Scope, column: str) -> str:
    return "" if scope.carrier_key is None else f" AND {column} = {q.p(scope.carrier_key)}"


def _transit_ms(q: Sql) -> str:
    """Milliseconds from the ship scan to delivery, an integer so that sums are exact."""
    if q.postgres:
        return "ROUND(EXTRACT(EPOCH FROM (s.delivered_at - s.shipped_at)) * 1000)::bigint"
    return (
        "CAST(ROUND((julianday(s.delivered_at) - julianday(s.shipped_at)) * 86400000) AS INTEGER)"
    )


def delivered(q: Sql, scope: Scope) -> str:
    """Outbound parcels delivered that day, per carrier and destination country."""
    day = scope.day(q, "s.delivered_at")
    has_transit = "s.shipped_at IS NOT NULL"
    return (
        f"SELECT s.merchant_id, {day} AS day, s.carrier_key, "
        "COALESCE(o.ship_country, '') AS country, COUNT(*) AS delivered, "
        "SUM(CASE WHEN s.first_estimated_delivery IS NOT NULL THEN 1 ELSE 0 END) AS with_eta, "
        f"SUM(CASE WHEN {day} <= s.first_estimated_delivery THEN 1 ELSE 0 END) AS on_time, "
        f"SUM(CASE WHEN {has_transit} THEN 1 ELSE 0 END) AS transit_n, "
        f"COALESCE(SUM(CASE WHEN {has_transit} THEN {_transit_ms(q)} END), 0) AS transit_ms "
        "FROM shipment s LEFT JOIN orders o ON o.id = s.order_id "
        f"WHERE {_merchant(q, scope, 's.merchant_id')}s.direction = 'outbound' "
        f"AND s.status = 'delivered' AND {ranges(q, 's.delivered_at', scope.ranges)}"
        f"{_carrier(q, scope, 's.carrier_key')} "
        f"GROUP BY s.merchant_id, {day}, s.carrier_key, COALESCE(o.ship_country, '')"
    )


def shipped(q: Sql, scope: Scope) -> str:
    """Outbound parcels shipped that day, per carrier (the problem rates' denominator)."""
    day = scope.day(q, SHIPPED)
    return (
        f"SELECT s.merchant_id, {day} AS day, s.carrier_key, COUNT(*) AS shipped "
        f"FROM shipment s WHERE {_merchant(q, scope, 's.merchant_id')}"
        f"s.direction = 'outbound' AND {ranges(q, SHIPPED, scope.ranges)}"
        f"{_carrier(q, scope, 's.carrier_key')} GROUP BY s.merchant_id, {day}, s.carrier_key"
    )


def problems(q: Sql, scope: Scope) -> str:
    """Parcels shipped that day with an exception or failed attempt, per carrier, problem
    and reason, from ``analytics_shipment_problem`` (one row per parcel, problem and
    reason, however many scans said so), never from the scans themselves."""
    day = scope.day(q, SHIPPED)
    return (
        f"SELECT s.merchant_id, {day} AS day, s.carrier_key, p.status, p.reason, "
        "COUNT(*) AS shipments FROM analytics_shipment_problem p "
        f"JOIN shipment s ON s.id = p.shipment_id WHERE {_merchant(q, scope, 's.merchant_id')}"
        f"s.direction = 'outbound' AND {ranges(q, SHIPPED, scope.ranges)}"
        f"{_carrier(q, scope, 's.carrier_key')} "
        f"GROUP BY s.merchant_id, {day}, s.carrier_key, p.status, p.reason"
    )


def _orders(q: Sql, scope: Scope) -> tuple[str, str, str]:
    """The carrier column, the join that expands orders per carrier, and the filter on
    ``o`` (the orders placed in the ranges, and of the carrier when reading one), made in
    the order they appear in the statement (SQLite's placeholders are positional)."""

    def placed(alias: str) -> str:
        return f"{_merchant(q, scope, alias + '.merchant_id')}" + ranges(
            q, f"{alias}.placed_at", scope.ranges
        )

    if scope.expand:
        join = (
            "JOIN (SELECT o2.id AS order_id, '' AS carrier_key FROM orders o2 "
            f"WHERE {placed('o2')} UNION ALL SELECT DISTINCT s.order_id, s.carrier_key "
            "FROM shipment s "
            "JOIN orders o3 ON o3.id = s.order_id WHERE s.merchant_id = o3.merchant_id "
            f"AND s.direction = 'outbound' AND {placed('o3')}) oc ON oc.order_id = o.id "
        )
        return "oc.carrier_key", join, placed("o")
    where = placed("o")
    if scope.carrier_key is not None:
        where += (
            " AND EXISTS (SELECT 1 FROM shipment s WHERE s.order_id = o.id "
            "AND s.merchant_id = o.merchant_id AND s.direction = 'outbound' "
            f"AND s.carrier_key = {q.p(scope.carrier_key)})"
        )
    return "''", "", where


def items(q: Sql, scope: Scope) -> str:
    """Quantity sold and returned (counted returns) per order line's variant, SKU and
    title, for orders placed that day."""
    day = scope.day(q, "o.placed_at")
    carrier, join, where = _orders(q, scope)
    returned = (
        "COALESCE((SELECT SUM(ri.quantity) FROM return_item ri "
        "JOIN return_request rr ON rr.id = ri.return_request_id "
        f"WHERE ri.order_item_id = oi.id AND rr.merchant_id = o.merchant_id AND {COUNTED}), 0)"
    )
    return (
        "SELECT merchant_id, day, carrier_key, variant_id, sku, title, SUM(quantity) AS sold, "
        f"SUM(returned) AS returned FROM (SELECT o.merchant_id, {day} AS day, "
        f"{carrier} AS carrier_key, oi.variant_id, oi.sku, oi.title, oi.quantity, "
        f"{returned} AS returned "
        f"FROM order_item oi JOIN orders o ON o.id = oi.order_id {join}WHERE {where}) lines "
        "GROUP BY merchant_id, day, carrier_key, variant_id, sku, title"
    )


def returns(q: Sql, scope: Scope) -> str:
    """Counted return lines (how many, what quantity) per reason and resolution, for
    orders placed that day."""
    day = scope.day(q, "o.placed_at")
    carrier, join, where = _orders(q, scope)
    by_carrier = f", {carrier}" if scope.expand else ""
    return (
        f"SELECT o.merchant_id, {day} AS day, {carrier} AS carrier_key, ri.reason_id, "
        "ri.resolution, COUNT(*) AS items, SUM(ri.quantity) AS quantity "
        "FROM return_item ri JOIN return_request rr ON rr.id = ri.return_request_id "
        "JOIN order_item oi ON oi.id = ri.order_item_id JOIN orders o ON o.id = oi.order_id "
        f"{join}WHERE {where} AND rr.merchant_id = o.merchant_id AND {COUNTED} "
        f"GROUP BY o.merchant_id, {day}{by_carrier}, ri.reason_id, ri.resolution"
    )


def answers(q: Sql, scope: Scope) -> str:
    """Scored answers given that day per carrier, outcome, return reason and metric: how
    many, how many top (NPS 9-10, others 4-5) and bottom (NPS 0-6) scores."""
    day = scope.day(q, "answered_at")
    return (
        f"SELECT merchant_id, {day} AS day, carrier_key, outcome, return_reason, metric, "
        "COUNT(*) AS total, "
        "SUM(CASE WHEN (metric = 'nps' AND score >= 9) OR (metric <> 'nps' AND score >= 4) "
        "THEN 1 ELSE 0 END) AS top, "
        "SUM(CASE WHEN metric = 'nps' AND score <= 6 THEN 1 ELSE 0 END) AS bottom "
        f"FROM survey_answer WHERE {_merchant(q, scope, 'merchant_id')}"
        f"{ranges(q, 'answered_at', scope.ranges)} AND score IS NOT NULL"
        f"{_carrier(q, scope, 'carrier_key')} "
        f"GROUP BY merchant_id, {day}, carrier_key, outcome, return_reason, metric"
    )


#: Receipts that mean the message reached the customer's device.
RECEIPTS = ("delivered", "read")


def messages(q: Sql, scope: Scope) -> str:
    """Messages written that day per carrier of their parcel (NULL: none, or another
    shop's) and channel: how many, how many delivered and failed (see
    :mod:`portal.analytics.messaging`); cancelled messages are left out."""
    day = scope.day(q, "m.created_at")
    receipts = ", ".join(q.p(r) for r in RECEIPTS)
    return (
        f"SELECT m.merchant_id, {day} AS day, s.carrier_key, m.channel, COUNT(*) AS messages, "
        "SUM(CASE WHEN m.state = 'delivered' OR m.delivery_status IN "
        f"({receipts}) OR (m.state = 'sent' AND m.channel IN ('email', 'push')) "
        "THEN 1 ELSE 0 END) AS delivered, "
        "SUM(CASE WHEN m.state = 'failed' OR m.delivery_status IN ('failed', 'undelivered') "
        "THEN 1 ELSE 0 END) AS failed "
        "FROM outbox_message m LEFT JOIN shipment s "
        "ON s.id = m.shipment_id AND s.merchant_id = m.merchant_id "
        f"WHERE {_merchant(q, scope, 'm.merchant_id')}m.state <> 'cancelled' "
        f"AND {ranges(q, 'm.created_at', scope.ranges)}{_carrier(q, scope, 's.carrier_key')} "
        f"GROUP BY m.merchant_id, {day}, s.carrier_key, m.channel"
    )


DELIVERED = Rollup(
    "analytics_delivered_day",
    "delivered",
    ("carrier_key", "country", "delivered", "with_eta", "on_time", "transit_n", "transit_ms"),
    delivered,
)
SHIPPED_DAY = Rollup("analytics_shipped_day", "shipped", ("carrier_key", "shipped"), shipped)
PROBLEMS = Rollup(
    "analytics_problem_day",
    "shipped",
    ("carrier_key", "status", "reason", "shipments"),
    problems,
)
ITEMS = Rollup(
    "analytics_item_day",
    "orders",
    ("carrier_key", "variant_id", "sku", "title", "sold", "returned"),
    items,
    by_order=True,
)
RETURNS = Rollup(
    "analytics_return_day",
    "orders",
    ("carrier_key", "reason_id", "resolution", "items", "quantity"),
    returns,
    by_order=True,
)
ANSWERS = Rollup(
    "analytics_answer_day",
    "answers",
    ("carrier_key", "outcome", "return_reason", "metric", "total", "top", "bottom"),
    answers,
)
MESSAGES = Rollup(
    "analytics_message_day",
    "messages",
    ("carrier_key", "channel", "messages", "delivered", "failed"),
    messages,
)
ROLLUPS = (DELIVERED, SHIPPED_DAY, PROBLEMS, ITEMS, RETURNS, ANSWERS, MESSAGES)
FACTS = tuple(dict.fromkeys(r.fact for r in ROLLUPS))
