"""The workspace home's figures: parcels shipped, on-time share, returns started and CSAT
for each of the last weeks, counted in rolling seven-day windows ending now (window 0 is
the last seven days, window 1 the seven before, ...), one grouped query per figure.

Rolling windows compare like with like on any weekday, where calendar weeks would set a
Monday morning's two hours against the whole previous week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.analytics.delivery import SHIPPED
from portal.analytics.sql import Sql

WEEK = timedelta(days=7)
#: Windows drawn in a sparkline (this week and the seven before it).
WEEKS = 8


@dataclass(frozen=True, slots=True)
class Weekly:
    """One figure per window, oldest first (the last value is this week); None: no data."""

    parcels: list[float | None]
    on_time: list[float | None]
    returns: list[float | None]
    csat: list[float | None]


def _window(q: Sql, column: str, now: datetime) -> str:
    """The window (0 = the last seven days) ``column`` falls in."""
    days = q.days_between(column, f"{q.p(now)}::timestamptz" if q.postgres else q.p(now))
    # SQLite's CAST truncates; PostgreSQL's rounds, so it floors first.
    return (
        f"CAST(FLOOR(({days}) / 7) AS INTEGER)" if q.postgres else f"CAST(({days}) / 7 AS INTEGER)"
    )


def _range(q: Sql, column: str, now: datetime, weeks: int) -> str:
    return f"{column} >= {q.p(now - weeks * WEEK)} AND {column} < {q.p(now)}"


def _oldest_first(found: dict[int, float | None], weeks: int) -> list[float | None]:
    return [found.get(i) for i in range(weeks - 1, -1, -1)]


async def _counts(merchant_id: int, now: datetime, weeks: int, table: str, column: str,
                  extra: str = "") -> list[float | None]:  # fmt: skip
    q = Sql()
    window = _window(q, column, now)
    rows = await q.rows(
        f"SELECT {window} AS w, COUNT(*) AS n FROM {table} s "
        f"WHERE s.merchant_id = {q.p(merchant_id)} AND {_range(q, column, now, weeks)} {extra} "
        f"GROUP BY 1"
    )
    found: dict[int, float | None] = {int(r["w"]): float(r["n"]) for r in rows}
    return [v if v is not None else 0.0 for v in _oldest_first(found, weeks)]


async def _on_time(merchant_id: int, now: datetime, weeks: int, zone: str) -> list[float | None]:
    """Share (%) of parcels delivered in the window by their first ETA (the delivered day
    on the shop's clock), of those that had one."""
    q = Sql()
    day = q.local_day("s.delivered_at", zone, now - weeks * WEEK, now)
    window = _window(q, "s.delivered_at", now)
    rows = await q.rows(
        f"SELECT {window} AS w, "
        "SUM(CASE WHEN s.first_estimated_delivery IS NOT NULL THEN 1 ELSE 0 END) AS with_eta, "
        f"SUM(CASE WHEN {day} <= s.first_estimated_delivery "
        "THEN 1 ELSE 0 END) AS on_time "
        f"FROM shipment s WHERE s.merchant_id = {q.p(merchant_id)} "
        f"AND s.direction = 'outbound' AND s.status = 'delivered' "
        f"AND {_range(q, 's.delivered_at', now, weeks)} GROUP BY 1"
    )
    found: dict[int, float | None] = {
        int(r["w"]): 100 * int(r["on_time"] or 0) / int(r["with_eta"])
        for r in rows
        if int(r["with_eta"] or 0)
    }
    return _oldest_first(found, weeks)


async def _csat(merchant_id: int, now: datetime, weeks: int) -> list[float | None]:
    """Share (%) of CSAT answers of 4 or 5 given in the window."""
    q = Sql()
    window = _window(q, "s.answered_at", now)
    rows = await q.rows(
        f"SELECT {window} AS w, COUNT(*) AS total, "
        "SUM(CASE WHEN s.score >= 4 THEN 1 ELSE 0 END) AS top "
        f"FROM survey_answer s WHERE s.merchant_id = {q.p(merchant_id)} "
        f"AND s.metric = 'csat' AND s.score IS NOT NULL "
        f"AND {_range(q, 's.answered_at', now, weeks)} GROUP BY 1"
    )
    found: dict[int, float | None] = {
        int(r["w"]): 100 * int(r["top"] or 0) / int(r["total"]) for r in rows if int(r["total"])
    }
    return _oldest_first(found, weeks)


async def weekly(merchant_id: int, now: datetime, weeks: int = WEEKS, zone: str = "UTC") -> Weekly:
    """The home's four figures for the last ``weeks`` rolling weeks of one merchant, whose
    time zone is ``zone``."""
    shipped = SHIPPED
    return Weekly(
        parcels=await _counts(
            merchant_id, now, weeks, "shipment", shipped, "AND s.direction = 'outbound'"
        ),
        on_time=await _on_time(merchant_id, now, weeks, zone),
        returns=await _counts(merchant_id, now, weeks, "return_request", "s.created_at"),
        csat=await _csat(merchant_id, now, weeks),
    )
