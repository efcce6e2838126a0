"""CSAT, NPS and CES cuts on seeded answers, checked against figures worked out by hand
(both engines). See tests/analytics/seed.py for the answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.analytics.satisfaction import Cut, bucket_size, buckets, satisfaction
from portal.analytics.sql import Filters
from portal.surveys.scores import wilson_interval
from tests import factories
from tests.analytics.seed import END, START, at, other_shop, period, seed_answers


def table(rows: list) -> dict[tuple[str | None, str], tuple[int, float | None]]:
    return {
        (r.group, r.metric.value): (
            r.score.count,
            None if r.score.value is None else round(r.score.value, 2),
        )
        for r in rows
    }


async def test_satisfaction_by_carrier(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(period(shop), Cut.CARRIER)
    assert table(rows) == {
        ("ups", "csat"): (3, 66.67),  # 5 4 2
        ("ups", "nps"): (4, 25.0),  # 10 9 7 3: 50 % − 25 %
        ("dhl", "csat"): (4, 50.0),  # 1 5 3 4
        ("dhl", "nps"): (1, -100.0),  # 6
        ("dhl", "ces"): (3, 66.67),  # 4 2 5
    }
    ups_nps = next(r.score for r in rows if r.group == "ups" and r.metric == "nps")
    assert (ups_nps.positive, ups_nps.negative) == (2, 1)
    assert ups_nps.small_sample
    assert ups_nps.low is not None and ups_nps.low < 25.0 < ups_nps.high  # type: ignore[operator]


async def test_shares_carry_their_wilson_interval(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(period(shop), Cut.CARRIER)
    ups_csat = next(r.score for r in rows if r.group == "ups" and r.metric == "csat")
    low, high = wilson_interval(2, 3)
    assert (ups_csat.low, ups_csat.high) == (pytest.approx(100 * low), pytest.approx(100 * high))


async def test_satisfaction_by_outcome(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(period(shop), Cut.OUTCOME)
    assert table(rows) == {
        ("smooth", "csat"): (3, 66.67),
        ("smooth", "nps"): (5, 0.0),  # 10 9 7 3 6: 40 % − 40 %
        ("late", "csat"): (2, 50.0),
        ("late", "ces"): (2, 50.0),
        ("return", "ces"): (1, 100.0),
        ("return", "csat"): (2, 50.0),
    }


async def test_satisfaction_by_return_reason(db: str) -> None:
    shop = await seed_answers()
    got = table(await satisfaction(period(shop), Cut.RETURN_REASON))
    assert got[("too_small", "ces")] == (1, 100.0)
    assert got[("too_small", "csat")] == (1, 0.0)
    assert got[("wrong_item", "csat")] == (1, 100.0)
    assert got[(None, "csat")] == (5, 60.0)  # not returns: 5 4 2 1 5


async def test_satisfaction_by_week_starting_monday(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(period(shop), Cut.WEEK)
    assert table(rows) == {
        ("2026-11-16", "csat"): (3, 66.67),
        ("2026-11-16", "nps"): (4, 25.0),
        ("2026-11-23", "csat"): (4, 50.0),
        ("2026-11-23", "nps"): (1, -100.0),
        ("2026-11-23", "ces"): (3, 66.67),
    }


async def test_satisfaction_by_month(db: str) -> None:
    shop = await seed_answers()
    wide = Filters(shop.id, START.replace(month=10, day=1), END.replace(day=31))
    rows = await satisfaction(wide, Cut.MONTH)
    # Everything but the other shop's answer; 15th (CSAT 1) and 1 December (CSAT 1) now count.
    assert table(rows) == {
        ("2026-11-01", "csat"): (8, 50.0),
        ("2026-11-01", "nps"): (5, 0.0),
        ("2026-11-01", "ces"): (3, 66.67),
        ("2026-12-01", "csat"): (1, 0.0),
    }


async def test_the_whole_period_in_one_group(db: str) -> None:
    shop = await seed_answers()
    assert table(await satisfaction(period(shop), None)) == {
        (None, "csat"): (7, 57.14),  # 5 4 2 1 5 3 4
        (None, "nps"): (5, 0.0),
        (None, "ces"): (3, 66.67),
    }


async def test_satisfaction_filtered_to_one_carrier(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(period(shop, "ups"), "week")
    assert table(rows) == {("2026-11-16", "csat"): (3, 66.67), ("2026-11-16", "nps"): (4, 25.0)}


async def test_period_edges_are_half_open(db: str) -> None:
    shop = await seed_answers()
    # [15th 23:59, 16th 00:00) holds exactly the answer given at 23:59.
    edge = Filters(shop.id, at(15, 23, 59), START)
    assert table(await satisfaction(edge, None)) == {(None, "csat"): (1, 0.0)}
    # [1 December, 2 December) holds the answer given at midnight.
    after = Filters(shop.id, END, END + timedelta(days=1))
    assert table(await satisfaction(after, None)) == {(None, "csat"): (1, 0.0)}


async def test_another_merchants_answers_never_count(db: str) -> None:
    shop = await seed_answers()
    other = await other_shop(shop)
    assert table(await satisfaction(period(other), None)) == {(None, "csat"): (1, 0.0)}


async def test_satisfaction_of_an_empty_period_is_empty(db: str) -> None:
    shop = await seed_answers()
    empty = Filters(shop.id, END + timedelta(days=1), END + timedelta(days=8))
    assert await satisfaction(empty, Cut.CARRIER) == []
    assert await satisfaction(period(await factories.merchant()), None) == []


def test_short_periods_go_by_week_and_long_ones_by_month() -> None:
    assert bucket_size(date(2026, 1, 1), date(2026, 5, 7)) == Cut.WEEK  # 126 days
    assert bucket_size(date(2026, 1, 1), date(2026, 5, 8)) == Cut.MONTH


def test_buckets_cover_the_period_including_quiet_ones() -> None:
    assert buckets(date(2026, 11, 18), date(2026, 12, 8), Cut.WEEK) == [
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
        "2026-12-07",
    ]
    assert buckets(date(2026, 11, 15), date(2027, 2, 1), Cut.MONTH) == [
        "2026-11-01",
        "2026-12-01",
        "2027-01-01",
    ]
    with pytest.raises(ValueError):
        buckets(date(2026, 1, 1), date(2026, 2, 1), Cut.CARRIER)
