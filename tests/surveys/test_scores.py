"""Score formulas against hand-computed examples, including empty and tiny samples."""

from __future__ import annotations

import math

import pytest

from portal.models import Metric
from portal.surveys.scores import (
    SMALL_SAMPLE,
    ces,
    csat,
    nps,
    nps_interval,
    score_from_counts,
    wilson_interval,
)

Z = 1.959963984540054


def test_csat_is_the_share_of_fours_and_fives() -> None:
    score = csat([5, 4, 3, 1, 5])  # 3 of 5
    assert score.metric == Metric.CSAT
    assert score.count == 5 and score.positive == 3
    assert score.value == pytest.approx(60.0)


def test_ces_is_the_share_of_fours_and_fives() -> None:
    score = ces([1, 2, 4, 4])
    assert score.metric == Metric.CES
    assert score.value == pytest.approx(50.0)


def test_nps_is_promoters_minus_detractors() -> None:
    # 9, 10, 10 promoters; 7, 8 passives; 0, 6, 3 detractors → (3 − 3) / 8 = 0.
    assert nps([9, 10, 10, 7, 8, 0, 6, 3]).value == pytest.approx(0.0)
    # 4 promoters, 1 passive, 0 detractors → 80.
    score = nps([10, 9, 9, 10, 8])
    assert score.value == pytest.approx(80.0)
    assert (score.positive, score.negative) == (4, 0)
    # 1 promoter, 3 detractors → (1 − 3) / 4 = −50.
    assert nps([9, 6, 0, 5]).value == pytest.approx(-50.0)


@pytest.mark.parametrize("formula", [csat, ces, nps])
def test_an_empty_sample_has_no_value_and_no_interval(formula: object) -> None:
    score = formula([])  # type: ignore[operator]
    assert score.count == 0
    assert score.value is None and score.low is None and score.high is None
    assert score.small_sample


def test_wilson_interval_matches_a_hand_computation() -> None:
    # k = 3, n = 5: p = 0.6, z² = 3.8415; centre = (0.6 + 0.38415) / 1.76829 = 0.55656;
    # half = 1.95996 · √(0.048 + 0.038415) / 1.76829 = 0.32587 → [0.2307, 0.8824].
    low, high = wilson_interval(3, 5)
    assert low == pytest.approx(0.2307, abs=1e-4)
    assert high == pytest.approx(0.8824, abs=1e-4)


def test_a_single_answer_gets_a_wide_interval_not_a_certainty() -> None:
    score = csat([5])
    assert score.value == 100.0
    # n = 1, k = 1: low = 1 / (1 + z²) = 0.2065; high = 1.
    assert score.low == pytest.approx(100 / (1 + Z * Z), abs=1e-6)
    assert score.high == pytest.approx(100.0)
    assert score.small_sample


def test_nps_interval_matches_a_hand_computation() -> None:
    # 4 promoters, 1 passive, 0 detractors, n = 5 → adjusted n' = 8, p' = 5/8, d' = 1/8:
    # centre 0.5, var = (0.75 − 0.25) / 8 = 0.0625, half = 1.95996 · 0.25 = 0.48999.
    low, high = nps_interval(4, 0, 5)
    assert low == pytest.approx(0.5 - Z * 0.25)
    assert high == pytest.approx(min(1.0, 0.5 + Z * 0.25))
    score = nps([10, 9, 9, 10, 8])
    assert score.low == pytest.approx(100 * (0.5 - Z * 0.25))
    assert score.high == pytest.approx(98.999, abs=1e-2)


def test_an_all_promoter_sample_still_has_a_wide_nps_interval() -> None:
    score = nps([10])
    assert score.value == 100.0
    # n' = 4, p' = 2/4, d' = 1/4: centre 0.25, var = (0.75 − 0.0625) / 4.
    half = Z * math.sqrt(0.6875 / 4)
    assert score.low == pytest.approx(100 * (0.25 - half))
    assert score.high == 100.0


def test_a_sample_of_thirty_is_no_longer_small() -> None:
    assert csat([5] * (SMALL_SAMPLE - 1)).small_sample
    assert not csat([5] * SMALL_SAMPLE).small_sample


def test_intervals_narrow_as_samples_grow() -> None:
    small = csat([5, 4, 2, 1])
    large = csat([5, 4, 2, 1] * 100)
    assert small.value == large.value == 50.0
    assert (large.high - large.low) < (small.high - small.low)  # type: ignore[operator]


@pytest.mark.parametrize(("formula", "bad"), [(csat, 0), (csat, 6), (ces, 0), (nps, 11), (nps, -1)])
def test_out_of_range_scores_are_refused(formula: object, bad: int) -> None:
    with pytest.raises(ValueError):
        formula([bad])  # type: ignore[operator]


def test_scores_from_sql_counts_match_scores_from_lists() -> None:
    assert score_from_counts("csat", total=5, top=3, bottom=0) == csat([5, 4, 3, 1, 5])
    assert score_from_counts("nps", total=8, top=3, bottom=3) == nps([9, 10, 10, 7, 8, 0, 6, 3])
    assert score_from_counts("ces", total=0, top=0, bottom=0).value is None
