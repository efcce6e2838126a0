"""Score formulas exactly as DESIGN.md defines them, with counts and 95 % intervals.

CSAT and CES are the share of 4 and 5 on a 1–5 scale; NPS is the percentage of promoters
(9–10) minus the percentage of detractors (0–6) on 0–10. Values and intervals are in
percent (NPS in points, −100…100). Shares use the Wilson score interval, which stays inside
0–100 and behaves on tiny samples. NPS uses a Wald interval on the difference of two
trinomial proportions, Var(p − d) = (p + d − (p − d)²) / n, computed after adding one
promoter, one passive and one detractor (an Agresti–Caffo style adjustment) so that a
sample of all promoters does not get a zero-width interval; the point value itself is
never adjusted. Below :data:`SMALL_SAMPLE` answers a score is flagged as a small sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from portal.models.surveys import Metric

#: Fewer answers than this and the page should say "small sample".
SMALL_SAMPLE = 30
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Score:
    """A metric's value over ``count`` answers; None value and interval when empty."""

    metric: Metric
    count: int
    value: float | None
    low: float | None
    high: float | None
    #: CSAT/CES: answers of 4–5; NPS: promoters.
    positive: int = 0
    #: NPS only: detractors.
    negative: int = 0

    @property
    def small_sample(self) -> bool:
        return self.count < SMALL_SAMPLE


def wilson_interval(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as fractions in [0, 1]."""
    if total <= 0:
        raise ValueError("a proportion needs at least one observation")
    if not 0 <= successes <= total:
        raise ValueError("successes must lie between 0 and total")
    p = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def nps_interval(
    promoters: int, detractors: int, total: int, z: float = Z95
) -> tuple[float, float]:
    """Adjusted Wald interval for p − d (fractions in [−1, 1]); see the module docstring."""
    if total <= 0:
        raise ValueError("an NPS needs at least one answer")
    if promoters < 0 or detractors < 0 or promoters + detractors > total:
        raise ValueError("promoters and detractors must fit in total")
    n = total + 3
    p = (promoters + 1) / n
    d = (detractors + 1) / n
    centre = p - d
    half = z * math.sqrt((p + d - centre * centre) / n)
    return max(-1.0, centre - half), min(1.0, centre + half)


def share_from_counts(metric: Metric, top: int, total: int) -> Score:
    """CSAT or CES from the number of 4–5 answers among ``total``."""
    if total == 0:
        return Score(metric, 0, None, None, None)
    low, high = wilson_interval(top, total)
    return Score(metric, total, 100 * top / total, 100 * low, 100 * high, positive=top)


def nps_from_counts(promoters: int, detractors: int, total: int) -> Score:
    """NPS from counts of promoters (9–10) and detractors (0–6) among ``total``."""
    if total == 0:
        return Score(Metric.NPS, 0, None, None, None)
    low, high = nps_interval(promoters, detractors, total)
    value = 100 * (promoters - detractors) / total
    return Score(Metric.NPS, total, value, 100 * low, 100 * high, promoters, detractors)


def _checked(scores: Iterable[int], low: int, high: int) -> list[int]:
    values = list(scores)
    for value in values:
        if not low <= value <= high:
            raise ValueError(f"score {value} outside {low}–{high}")
    return values


def csat(scores: Iterable[int]) -> Score:
    values = _checked(scores, 1, 5)
    return share_from_counts(Metric.CSAT, sum(1 for v in values if v >= 4), len(values))


def ces(scores: Iterable[int]) -> Score:
    values = _checked(scores, 1, 5)
    return share_from_counts(Metric.CES, sum(1 for v in values if v >= 4), len(values))


def nps(scores: Iterable[int]) -> Score:
    values = _checked(scores, 0, 10)
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return nps_from_counts(promoters, detractors, len(values))


def score_from_counts(metric: Metric | str, *, total: int, top: int, bottom: int) -> Score:
    """The score an SQL aggregate row stands for: ``top`` counts 4–5 (CSAT, CES, custom) or
    9–10 (NPS), ``bottom`` counts 0–6 (NPS only)."""
    metric = Metric(metric)
    if metric == Metric.NPS:
        return nps_from_counts(top, bottom, total)
    return share_from_counts(metric, top, total)
