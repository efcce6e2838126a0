"""Outcome classification and the question set each outcome asks, as tables of cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.models import Metric, Outcome
from portal.surveys.outcomes import (
    classify_delivery,
    classify_return,
    delivered_late,
    question,
    questions_for,
)

UTC_ZONE = ZoneInfo("UTC")
WARSAW = ZoneInfo("Europe/Warsaw")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@dataclass(frozen=True)
class Ev:
    status: str
    reason: str | None = None


DELIVERED = [Ev("in_transit"), Ev("out_for_delivery"), Ev("delivered")]


@pytest.mark.parametrize(
    ("outcome", "keys"),
    [
        (Outcome.SMOOTH, ["csat_delivery", "nps"]),
        (Outcome.LATE, ["ces_delivery", "csat_delivery"]),
        (Outcome.FAILED_ATTEMPT, ["ces_delivery", "csat_delivery"]),
        (Outcome.EXCEPTION, ["ces_delivery", "csat_delivery"]),
        (Outcome.LOST_OR_DAMAGED, ["ces_delivery", "csat_delivery"]),
        (Outcome.RETURN, ["ces_return", "csat_resolution"]),
        (Outcome.EXCHANGE, ["ces_return", "csat_resolution"]),
    ],
)
def test_each_outcome_asks_its_question_set(outcome: Outcome, keys: list[str]) -> None:
    assert [q.key for q in questions_for(outcome)] == keys
    assert [q.key for q in questions_for(outcome, custom=True)] == [*keys, "custom"]


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_question_takes_a_comment(outcome: Outcome) -> None:
    assert all(q.comment for q in questions_for(outcome, custom=True))


@pytest.mark.parametrize(
    "outcome",
    [Outcome.LATE, Outcome.FAILED_ATTEMPT, Outcome.EXCEPTION, Outcome.LOST_OR_DAMAGED],
)
def test_trouble_asks_ces_first_and_no_nps(outcome: Outcome) -> None:
    asked = questions_for(outcome)
    assert asked[0].metric == Metric.CES
    assert Metric.NPS not in {q.metric for q in asked}


@pytest.mark.parametrize(
    ("key", "metric", "low", "high"),
    [
        ("csat_delivery", Metric.CSAT, 1, 5),
        ("nps", Metric.NPS, 0, 10),
        ("ces_delivery", Metric.CES, 1, 5),
        ("ces_return", Metric.CES, 1, 5),
        ("csat_resolution", Metric.CSAT, 1, 5),
        ("custom", Metric.CUSTOM, 1, 5),
    ],
)
def test_questions_have_their_metric_scale(key: str, metric: Metric, low: int, high: int) -> None:
    asked = question(key)
    assert (asked.metric, asked.low, asked.high) == (metric, low, high)
    assert asked.accepts(low) and asked.accepts(high)
    assert not asked.accepts(low - 1) and not asked.accepts(high + 1)


def test_an_unknown_question_key_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        question("favourite_colour")


NOON = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("events", "delivered_at", "eta", "reason", "expected"),
    [
        (DELIVERED, NOON, date(2026, 11, 20), None, Outcome.SMOOTH),
        (DELIVERED, NOON, date(2026, 11, 21), None, Outcome.SMOOTH),
        (DELIVERED, NOON, None, None, Outcome.SMOOTH),
        (DELIVERED, NOON, date(2026, 11, 19), None, Outcome.LATE),
        (
            [Ev("failed_attempt", "recipient_unavailable"), *DELIVERED],
            NOON,
            None,
            None,
            Outcome.FAILED_ATTEMPT,
        ),
        ([Ev("exception", "weather_delay"), *DELIVERED], NOON, None, None, Outcome.EXCEPTION),
        (
            [Ev("exception", "address_issue"), Ev("failed_attempt"), *DELIVERED],
            NOON,
            date(2026, 11, 1),
            None,
            Outcome.EXCEPTION,
        ),
        ([Ev("failed_attempt"), *DELIVERED], NOON, date(2026, 11, 1), None, Outcome.FAILED_ATTEMPT),
        ([Ev("exception", "damaged"), *DELIVERED], NOON, None, None, Outcome.LOST_OR_DAMAGED),
        (
            [Ev("exception", "lost"), Ev("failed_attempt"), *DELIVERED],
            NOON,
            date(2026, 11, 1),
            None,
            Outcome.LOST_OR_DAMAGED,
        ),
        (DELIVERED, NOON, None, "damaged", Outcome.LOST_OR_DAMAGED),
    ],
)
def test_a_delivery_is_classified_by_the_worst_thing_that_happened(
    events: list[Ev],
    delivered_at: datetime,
    eta: date | None,
    reason: str | None,
    expected: Outcome,
) -> None:
    outcome = classify_delivery(
        events, delivered_at=delivered_at, first_eta=eta, zone=UTC_ZONE, final_reason=reason
    )
    assert outcome == expected


@pytest.mark.parametrize(
    ("delivered_at", "zone", "eta", "late"),
    [
        # 23:30 UTC on the 20th is already the 21st in Warsaw: a day late there.
        (datetime(2026, 11, 20, 23, 30, tzinfo=UTC), WARSAW, date(2026, 11, 20), True),
        (datetime(2026, 11, 20, 23, 30, tzinfo=UTC), UTC_ZONE, date(2026, 11, 20), False),
        # 03:00 UTC on the 21st is still the 20th in Los Angeles: on time there.
        (datetime(2026, 11, 21, 3, 0, tzinfo=UTC), LOS_ANGELES, date(2026, 11, 20), False),
        (datetime(2026, 11, 21, 3, 0, tzinfo=UTC), UTC_ZONE, date(2026, 11, 20), True),
    ],
)
def test_lateness_is_judged_in_the_customers_zone(
    delivered_at: datetime, zone: ZoneInfo, eta: date, late: bool
) -> None:
    assert delivered_late(delivered_at, eta, zone) is late


@pytest.mark.parametrize(
    ("resolutions", "expected"),
    [
        (["refund"], Outcome.RETURN),
        (["store_credit", "keep_item"], Outcome.RETURN),
        (["refund", "exchange"], Outcome.EXCHANGE),
        (["exchange"], Outcome.EXCHANGE),
        ([], Outcome.RETURN),
    ],
)
def test_a_return_with_any_exchanged_item_is_an_exchange(
    resolutions: list[str], expected: Outcome
) -> None:
    assert classify_return(resolutions) == expected
