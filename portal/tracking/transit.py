"""Transit-time figures and the delivery window they predict (pure: no database here).

A settled parcel contributes the business days (in its destination country, see
:mod:`portal.tracking.calendar`) from the start of a *stage* to its delivery:

- ``label``: the carrier first knew of it (its first ``info_received`` scan);
- ``shipped``: the carrier had it in hand (``shipment.shipped_at``, the first scan that is
  neither pending nor a label);
- ``out_for_delivery``: it left on the vehicle.

Parcels are grouped at four levels, finest first: carrier + service + origin + destination
country + the destination's postcode prefix; without the prefix; carrier + destination
country; carrier alone. Each level is kept for the shop's own parcels and for every shop's
together. A prediction takes the first group, in :data:`SEARCH_ORDER`, that has at least
:data:`MIN_SAMPLES` parcels: the shop's own figures where it has enough of them, every
shop's where it has too few, and a coarser group where even those are thin.

The window is the 10th to the 90th percentile (nearest rank, so always a whole number of
business days that some parcel actually took) counted from the day the stage began; the
expected day is the median.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from portal.tracking.calendar import add_business_days

STAGES: tuple[str, ...] = ("label", "shipped", "out_for_delivery")
#: Parcels a group needs before its figures are trusted.
MIN_SAMPLES = 20
#: (shop's own?, level) in the order a prediction looks for figures.
SEARCH_ORDER: tuple[tuple[bool, int], ...] = (
    (True, 0),
    (True, 1),
    (False, 0),
    (False, 1),
    (True, 2),
    (False, 2),
    (True, 3),
    (False, 3),
)
#: How many of the five group keys (carrier, service, origin, destination, prefix) each
#: level keeps, by position; a dropped key is stored as "".
_LEVEL_KEYS: tuple[tuple[int, ...], ...] = ((0, 1, 2, 3, 4), (0, 1, 2, 3), (0, 3), (0,))
LEVELS = len(_LEVEL_KEYS)

Key = tuple[str, str, str, str, str]


def postcode_prefix(postcode: str | None) -> str:
    """The first two characters of a postcode without spaces or hyphens, upper case (the
    same rule as the recomputation's SQL)."""
    return (postcode or "").replace(" ", "").replace("-", "").upper()[:2]


def level_key(key: Key, level: int) -> Key:
    kept = _LEVEL_KEYS[level]
    parts = [part if index in kept else "" for index, part in enumerate(key)]
    return (parts[0], parts[1], parts[2], parts[3], parts[4])


@dataclass(frozen=True, slots=True)
class Percentiles:
    samples: int
    p10: int
    p50: int
    p90: int


def percentiles(counts: Mapping[int, int]) -> Percentiles:
    """Nearest-rank 10th, 50th and 90th percentiles of a histogram (value -> parcels)."""
    total = sum(counts.values())
    if total <= 0:
        raise ValueError("no samples")
    wanted = {10: 0, 50: 0, 90: 0}
    seen = 0
    found: dict[int, int] = {}
    for value in sorted(counts):
        seen += counts[value]
        for q in wanted:
            if q not in found and seen * 100 >= q * total:
                found[q] = value
    return Percentiles(total, found[10], found[50], found[90])


@dataclass(frozen=True, slots=True)
class HistogramRow:
    """One line of the recomputation's SQL: so many parcels took ``days`` business days."""

    merchant_id: int
    stage: str
    key: Key
    days: int
    parcels: int


@dataclass(frozen=True, slots=True)
class StatRow:
    """The figures of one group (``merchant_id`` None: every shop together)."""

    merchant_id: int | None
    level: int
    stage: str
    key: Key
    figures: Percentiles


def rollup(rows: Iterable[HistogramRow]) -> list[StatRow]:
    """Every group's percentiles at every level, for each shop and for all shops."""
    groups: dict[tuple[int | None, int, str, Key], Counter[int]] = {}
    for row in rows:
        for level in range(LEVELS):
            key = level_key(row.key, level)
            for scope in (row.merchant_id, None):
                counts = groups.setdefault((scope, level, row.stage, key), Counter())
                counts[row.days] += row.parcels
    return [
        StatRow(scope, level, stage, key, percentiles(counts))
        for (scope, level, stage, key), counts in groups.items()
    ]


@dataclass(frozen=True, slots=True)
class Window:
    """A predicted delivery window and where its figures came from."""

    start: date
    end: date
    expected: date
    level: int
    samples: int
    own: bool

    def basis(self) -> dict[str, object]:
        return {"level": self.level, "samples": self.samples, "own": self.own}


class Stats:
    """Figures indexed for lookups: (merchant or None, level, stage, key) -> percentiles."""

    def __init__(self, rows: Iterable[StatRow] = ()) -> None:
        self._figures: dict[tuple[int | None, int, str, Key], Percentiles] = {}
        self.add(rows)

    def add(self, rows: Iterable[StatRow]) -> None:
        for row in rows:
            self._figures[(row.merchant_id, row.level, row.stage, row.key)] = row.figures

    def __len__(self) -> int:
        return len(self._figures)

    def find(self, merchant_id: int, stage: str, key: Key) -> tuple[Percentiles, int, bool] | None:
        """The figures a prediction uses: (percentiles, level, the shop's own?) or None."""
        for own, level in SEARCH_ORDER:
            scope = merchant_id if own else None
            found = self._figures.get((scope, level, stage, level_key(key, level)))
            if found is not None and found.samples >= MIN_SAMPLES:
                return found, level, own
        return None

    def predict(
        self, merchant_id: int, stage: str, key: Key, country: str, began: date
    ) -> Window | None:
        """The window for a parcel whose ``stage`` began on ``began``, in business days of
        its destination ``country``; None when no group has enough parcels."""
        found = self.find(merchant_id, stage, key)
        if found is None:
            return None
        figures, level, own = found
        return Window(
            start=add_business_days(country, began, figures.p10),
            end=add_business_days(country, began, figures.p90),
            expected=add_business_days(country, began, figures.p50),
            level=level,
            samples=figures.samples,
            own=own,
        )
