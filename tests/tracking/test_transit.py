"""Transit-time figures: nearest-rank percentiles, levels, and where a prediction looks first."""

from __future__ import annotations

from datetime import date

import pytest

from portal.tracking.transit import (
    MIN_SAMPLES,
    HistogramRow,
    Percentiles,
    Stats,
    percentiles,
    postcode_prefix,
    rollup,
)

KEY = ("dhl", "", "", "PL", "31")


def test_percentiles_are_values_some_parcel_actually_took() -> None:
    assert percentiles({1: 10, 2: 70, 4: 20}) == Percentiles(100, 1, 2, 4)
    assert percentiles({3: 1}) == Percentiles(1, 3, 3, 3)


def test_an_empty_histogram_is_refused() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentiles({})


def test_postcode_prefixes_ignore_spaces_and_hyphens() -> None:
    assert postcode_prefix("31-100") == "31"
    assert postcode_prefix(" ls1 4ap") == "LS"
    assert postcode_prefix(None) == ""


def test_rollup_keeps_every_level_for_the_shop_and_for_all_shops() -> None:
    rows = [
        HistogramRow(1, "shipped", KEY, 2, 30),
        HistogramRow(2, "shipped", ("dhl", "", "", "PL", "00"), 4, 30),
    ]
    stats = {(r.merchant_id, r.level, r.key): r.figures for r in rollup(rows)}
    assert stats[(1, 0, KEY)] == Percentiles(30, 2, 2, 2)
    assert stats[(None, 2, ("dhl", "", "", "PL", ""))] == Percentiles(60, 2, 2, 4)
    assert stats[(None, 3, ("dhl", "", "", "", ""))].samples == 60
    assert (2, 0, KEY) not in stats


def test_a_shop_with_too_few_parcels_borrows_every_shops_figures() -> None:
    few = MIN_SAMPLES - 1
    stats = Stats(
        rollup(
            [
                HistogramRow(1, "shipped", KEY, 1, few),
                HistogramRow(2, "shipped", KEY, 3, 40),
            ]
        )
    )
    found = stats.find(1, "shipped", KEY)
    assert found is not None
    figures, level, own = found
    assert (level, own, figures.samples) == (0, False, 40 + few)
    own_found = stats.find(2, "shipped", KEY)
    assert own_found is not None and own_found[2] is True


def test_a_window_counts_business_days_of_the_destination() -> None:
    stats = Stats(
        rollup([HistogramRow(1, "shipped", KEY, d, n) for d, n in {1: 10, 2: 70, 4: 20}.items()])
    )
    window = stats.predict(1, "shipped", KEY, "PL", date(2026, 11, 10))
    assert window is not None
    # Wednesday 11 November is a public holiday in Poland.
    assert (window.start, window.expected, window.end) == (
        date(2026, 11, 12),
        date(2026, 11, 13),
        date(2026, 11, 17),
    )


def test_no_window_without_enough_parcels_anywhere() -> None:
    stats = Stats(rollup([HistogramRow(1, "shipped", KEY, 2, MIN_SAMPLES - 1)]))
    assert stats.predict(1, "shipped", KEY, "PL", date(2026, 11, 10)) is None
