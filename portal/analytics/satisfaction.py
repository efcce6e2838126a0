"""CSAT, NPS, CES (and the custom question) per carrier, outcome, return reason, week or
month, from one grouped query over ``survey_answer``.

Answers carry their carrier, outcome and return reason (copied in when given), so no cut
needs a join; past days come from the daily rollups (:mod:`portal.analytics.rollups`),
which keep the same columns per day. Counts become scores with intervals in
:mod:`portal.surveys.scores`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from portal.analytics.facts import ANSWERS
from portal.analytics.rollups import source
from portal.analytics.sql import Filters, Sql
from portal.models import Metric
from portal.surveys.scores import Score, score_from_counts


class Cut(StrEnum):
    CARRIER = "carrier"
    OUTCOME = "outcome"
    RETURN_REASON = "return_reason"
    WEEK = "week"
    MONTH = "month"


_COLUMNS = {Cut.CARRIER: "carrier_key", Cut.OUTCOME: "outcome", Cut.RETURN_REASON: "return_reason"}


@dataclass(frozen=True, slots=True)
class SatisfactionRow:
    #: The carrier key, outcome, return reason or bucket start (YYYY-MM-DD); None = not known
    #: (or the whole period when not cut).
    group: str | None
    metric: Metric
    score: Score


async def satisfaction(f: Filters, cut: Cut | str | None) -> list[SatisfactionRow]:
    """Scores per group and metric for answers given in the period (``cut=None``: one
    group, the whole period)."""
    q = Sql()
    if cut is None:
        group, group_by = "NULL", "metric"
    else:
        cut = Cut(cut)
        column = _COLUMNS.get(cut)
        grouped, group = (column, column) if column else q.day_bucket("day", cut.value)
        group_by = f"{grouped}, metric"
    rows = await q.rows(
        f"SELECT {group} AS grp, metric, SUM(total) AS total, SUM(top) AS top, "
        f"SUM(bottom) AS bottom FROM {await source(q, ANSWERS, f)} x "
        f"GROUP BY {group_by} ORDER BY 1, 2"
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


def bucket_size(start: date, end: date) -> Cut:
    """Weeks for periods up to about four months, months beyond."""
    return Cut.WEEK if (end - start).days <= 126 else Cut.MONTH


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def buckets(start: date, end: date, size: Cut) -> list[str]:
    """Every bucket start (YYYY-MM-DD) that overlaps ``[start, end)``, so a chart shows
    the quiet weeks too."""
    if size == Cut.WEEK:
        day = start - timedelta(days=start.weekday())
    elif size == Cut.MONTH:
        day = start.replace(day=1)
    else:
        raise ValueError(f"{size} is not a time bucket")
    out = []
    while day < end:
        out.append(day.isoformat())
        day = day + timedelta(days=7) if size == Cut.WEEK else _next_month(day)
    return out
