"""Analytics on seeded rows, checked against figures computed by hand (both engines)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.models import Merchant, Shipment, Survey, SurveyAnswer, TrackingEvent
from portal.surveys.analytics import (
    Cut,
    on_time,
    problem_rates,
    satisfaction,
    transit_times,
)
from tests import factories

START = datetime(2026, 11, 16, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
_tokens = itertools.count(1)

QUESTION = {"csat": "csat_delivery", "nps": "nps", "ces": "ces_delivery"}


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def answer(
    shop: Merchant,
    metric: str,
    score: int,
    *,
    carrier: str,
    outcome: str,
    when: datetime,
    reason: str | None = None,
) -> None:
    survey = await Survey.create(
        merchant=shop,
        outcome=outcome,
        questions=[QUESTION[metric]],
        token_hash=f"{next(_tokens):064d}",
        expires_at=when + timedelta(days=30),
    )
    question = QUESTION[metric] if outcome not in ("return", "exchange") else f"{metric}_return"
    await SurveyAnswer.create(
        merchant=shop,
        survey=survey,
        question=question,
        metric=metric,
        score=score,
        carrier_key=carrier,
        outcome=outcome,
        return_reason=reason,
        answered_at=when,
    )


async def seed_answers() -> Merchant:
    shop = await factories.merchant()
    other = await factories.merchant()
    for score in (5, 4, 2):
        await answer(shop, "csat", score, carrier="ups", outcome="smooth", when=at(17))
    for score in (1, 5):
        await answer(shop, "csat", score, carrier="dhl", outcome="late", when=at(24))
    for score in (10, 9, 7, 3):
        await answer(shop, "nps", score, carrier="ups", outcome="smooth", when=at(17))
    await answer(shop, "nps", 6, carrier="dhl", outcome="smooth", when=at(24))
    for score in (4, 2):
        await answer(shop, "ces", score, carrier="dhl", outcome="late", when=at(24))
    await answer(shop, "ces", 5, carrier="dhl", outcome="return", when=at(25), reason="too_small")
    await answer(shop, "csat", 3, carrier="dhl", outcome="return", when=at(25), reason="too_small")
    await answer(shop, "csat", 4, carrier="dhl", outcome="return", when=at(26), reason="wrong_item")
    # Outside the period, or another merchant's: never counted.
    await answer(shop, "csat", 1, carrier="ups", outcome="smooth", when=at(15, 23, 59))
    await answer(shop, "csat", 1, carrier="ups", outcome="smooth", when=END)
    await answer(other, "csat", 1, carrier="ups", outcome="smooth", when=at(17))
    return shop


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
    rows = await satisfaction(shop.id, Cut.CARRIER, start=START, end=END)
    assert table(rows) == {
        ("ups", "csat"): (3, 66.67),
        ("ups", "nps"): (4, 25.0),
        ("dhl", "csat"): (4, 50.0),
        ("dhl", "nps"): (1, -100.0),
        ("dhl", "ces"): (3, 66.67),
    }
    ups_nps = next(r.score for r in rows if r.group == "ups" and r.metric == "nps")
    assert (ups_nps.positive, ups_nps.negative) == (2, 1)
    assert ups_nps.small_sample
    assert ups_nps.low is not None and ups_nps.low < 25.0 < ups_nps.high  # type: ignore[operator]


async def test_satisfaction_by_outcome(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(shop.id, Cut.OUTCOME, start=START, end=END)
    assert table(rows) == {
        ("smooth", "csat"): (3, 66.67),
        ("smooth", "nps"): (5, 0.0),
        ("late", "csat"): (2, 50.0),
        ("late", "ces"): (2, 50.0),
        ("return", "ces"): (1, 100.0),
        ("return", "csat"): (2, 50.0),
    }


async def test_satisfaction_by_return_reason(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(shop.id, Cut.RETURN_REASON, start=START, end=END)
    got = table(rows)
    assert got[("too_small", "ces")] == (1, 100.0)
    assert got[("too_small", "csat")] == (1, 0.0)
    assert got[("wrong_item", "csat")] == (1, 100.0)
    assert got[(None, "csat")] == (5, 60.0)


async def test_satisfaction_by_week_starting_monday(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(shop.id, Cut.WEEK, start=START, end=END)
    assert table(rows) == {
        ("2026-11-16", "csat"): (3, 66.67),
        ("2026-11-16", "nps"): (4, 25.0),
        ("2026-11-23", "csat"): (4, 50.0),
        ("2026-11-23", "nps"): (1, -100.0),
        ("2026-11-23", "ces"): (3, 66.67),
    }


async def test_satisfaction_filtered_to_one_carrier(db: str) -> None:
    shop = await seed_answers()
    rows = await satisfaction(shop.id, "week", start=START, end=END, carrier_key="ups")
    assert table(rows) == {("2026-11-16", "csat"): (3, 66.67), ("2026-11-16", "nps"): (4, 25.0)}


async def test_satisfaction_of_an_empty_period_is_empty(db: str) -> None:
    shop = await seed_answers()
    assert (
        await satisfaction(
            shop.id, Cut.CARRIER, start=END + timedelta(days=1), end=END + timedelta(days=8)
        )
        == []
    )


async def parcel(
    shop: Merchant,
    carrier: str,
    *,
    shipped: datetime,
    delivered_at: datetime | None,
    eta: date | None = None,
    country: str = "PL",
    problems: tuple[tuple[str, str | None], ...] = (),
) -> Shipment:
    order = await factories.order(shop, ship_country=country)
    shipment = await factories.shipment(
        shop,
        order=order,
        carrier_key=carrier,
        status="delivered" if delivered_at else "in_transit",
        shipped_at=shipped,
        delivered_at=delivered_at,
        first_estimated_delivery=eta,
    )
    for i, (status, reason) in enumerate(problems):
        await TrackingEvent.create(
            shipment=shipment,
            occurred_at=shipped + timedelta(hours=i + 1),
            status=status,
            reason=reason,
            dedupe_key=f"p{i}",
        )
    return shipment


async def seed_shipments() -> Merchant:
    shop = await factories.merchant()
    other = await factories.merchant()
    d = date
    await parcel(
        shop,
        "ups",
        shipped=at(14, 10),
        delivered_at=at(17, 10),
        eta=d(2026, 11, 17),
        problems=(("exception", "carrier_delay"),),
    )
    await parcel(
        shop,
        "ups",
        shipped=at(16, 11, 30),
        delivered_at=at(18, 23, 30),
        eta=d(2026, 11, 18),
        problems=(("exception", None),),
    )
    await parcel(
        shop,
        "ups",
        shipped=at(16, 8),
        delivered_at=at(20, 8),
        eta=d(2026, 11, 19),
        country="DE",
        problems=(("failed_attempt", "recipient_unavailable"),),
    )
    await parcel(shop, "dhl", shipped=at(20, 0), delivered_at=at(21, 12))
    await parcel(
        shop,
        "dhl",
        shipped=at(19, 12),
        delivered_at=at(22, 12),
        eta=d(2026, 11, 20),
        problems=(("exception", "damaged"),),
    )
    await parcel(
        shop,
        "dhl",
        shipped=at(20, 0),
        delivered_at=None,
        problems=(
            ("exception", "weather_delay"),
            ("exception", "weather_delay"),
            ("failed_attempt", "recipient_unavailable"),
        ),
    )
    await parcel(
        shop,
        "ups",
        shipped=datetime(2026, 12, 1, tzinfo=UTC),
        delivered_at=datetime(2026, 12, 3, tzinfo=UTC),
        eta=d(2026, 12, 5),
    )
    await parcel(
        other,
        "ups",
        shipped=at(16, 8),
        delivered_at=at(17, 8),
        eta=d(2026, 11, 1),
        problems=(("exception", "lost"),),
    )
    return shop


async def test_on_time_rate_against_the_first_eta(db: str) -> None:
    shop = await seed_shipments()
    rows = {r.carrier_key: r for r in await on_time(shop.id, start=START, end=END)}
    assert (rows["ups"].delivered, rows["ups"].with_eta, rows["ups"].on_time) == (3, 3, 2)
    assert rows["ups"].rate == pytest.approx(200 / 3)
    assert (rows["dhl"].delivered, rows["dhl"].with_eta, rows["dhl"].on_time) == (2, 1, 0)
    assert rows["dhl"].rate == 0.0


async def test_transit_time_by_carrier_and_destination(db: str) -> None:
    shop = await seed_shipments()
    rows = {
        (r.carrier_key, r.destination): (r.shipments, r.average_days)
        for r in await transit_times(shop.id, start=START, end=END)
    }
    assert rows.keys() == {("dhl", "PL"), ("ups", "DE"), ("ups", "PL")}
    assert rows[("dhl", "PL")][0] == 2
    assert rows[("dhl", "PL")][1] == pytest.approx(2.25, abs=1e-6)
    assert rows[("ups", "DE")] == (1, pytest.approx(4.0, abs=1e-6))
    assert rows[("ups", "PL")] == (2, pytest.approx(2.75, abs=1e-6))


async def test_exception_and_failed_attempt_rates_by_reason(db: str) -> None:
    shop = await seed_shipments()
    rows = {(r.status, r.reason): r for r in await problem_rates(shop.id, start=START, end=END)}
    assert {key: r.shipments for key, r in rows.items()} == {
        ("exception", "unknown"): 1,
        ("exception", "damaged"): 1,
        ("exception", "weather_delay"): 1,
        ("failed_attempt", "recipient_unavailable"): 2,
    }
    assert {r.total for r in rows.values()} == {5}
    assert rows[("failed_attempt", "recipient_unavailable")].rate == pytest.approx(40.0)
    assert rows[("exception", "damaged")].rate == pytest.approx(20.0)


async def test_delivery_metrics_filtered_to_one_carrier(db: str) -> None:
    shop = await seed_shipments()
    problems = await problem_rates(shop.id, start=START, end=END, carrier_key="ups")
    assert {(r.status, r.reason, r.shipments, r.total) for r in problems} == {
        ("exception", "unknown", 1, 2),
        ("failed_attempt", "recipient_unavailable", 1, 2),
    }
    assert [
        r.carrier_key for r in await on_time(shop.id, start=START, end=END, carrier_key="ups")
    ] == ["ups"]
