"""Delivery figures on seeded parcels, checked against numbers worked out by hand (both
engines). Period: 16–30 November; see tests/analytics/seed.py for the parcels."""

from __future__ import annotations

import pytest

from portal.analytics.delivery import on_time, problem_rates, transit_times
from portal.analytics.sql import Filters
from tests.analytics.seed import END, START, other_shop, period, seed_shipments


async def test_on_time_rate_against_the_first_eta(db: str) -> None:
    shop = await seed_shipments()
    rows = {r.carrier_key: r for r in await on_time(period(shop))}
    # ups: 17th by the 17th, 18th 23:30 UTC by the 18th (same UTC day), 20th after the 19th.
    assert (rows["ups"].delivered, rows["ups"].with_eta, rows["ups"].on_time) == (3, 3, 2)
    assert rows["ups"].rate == pytest.approx(200 / 3)
    # dhl: one without an ETA (not in the denominator), one two days late.
    assert (rows["dhl"].delivered, rows["dhl"].with_eta, rows["dhl"].on_time) == (2, 1, 0)
    assert rows["dhl"].rate == 0.0


async def test_transit_time_by_carrier(db: str) -> None:
    shop = await seed_shipments()
    rows = {
        r.group: (r.shipments, r.average_days) for r in await transit_times(period(shop), "carrier")
    }
    # ups: 3 + 2.5 + 4 days; dhl: 1.5 + 3 days.
    assert rows == {
        "ups": (3, pytest.approx(9.5 / 3, abs=1e-6)),
        "dhl": (2, pytest.approx(2.25, abs=1e-6)),
    }


async def test_transit_time_by_destination_country(db: str) -> None:
    shop = await seed_shipments()
    rows = {
        r.group: (r.shipments, r.average_days)
        for r in await transit_times(period(shop), "destination")
    }
    # PL: 3, 2.5, 1.5, 3 days; DE: 4 days.
    assert rows == {
        "PL": (4, pytest.approx(2.5, abs=1e-6)),
        "DE": (1, pytest.approx(4.0, abs=1e-6)),
    }


async def test_an_unknown_transit_grouping_is_refused(db: str) -> None:
    shop = await seed_shipments()
    with pytest.raises(ValueError):
        await transit_times(period(shop), "planet")  # type: ignore[arg-type]


async def test_exception_and_failed_attempt_rates_by_reason(db: str) -> None:
    shop = await seed_shipments()
    found = await problem_rates(period(shop))
    rows = {(r.status, r.reason): r for r in found.rows}
    # Shipped in the period: 5 (the 14th is before it, 1 December after it).
    assert found.shipped == 5
    assert {key: r.shipments for key, r in rows.items()} == {
        ("exception", "unknown"): 1,
        ("exception", "damaged"): 1,
        ("exception", "weather_delay"): 1,  # two scans, one parcel
        ("failed_attempt", "recipient_unavailable"): 2,
    }
    assert rows[("failed_attempt", "recipient_unavailable")].rate == pytest.approx(40.0)
    assert rows[("exception", "damaged")].rate == pytest.approx(20.0)


async def test_delivery_figures_filtered_to_one_carrier(db: str) -> None:
    shop = await seed_shipments()
    found = await problem_rates(period(shop, "ups"))
    assert found.shipped == 2
    assert {(r.status, r.reason, r.shipments) for r in found.rows} == {
        ("exception", "unknown", 1),
        ("failed_attempt", "recipient_unavailable", 1),
    }
    assert [r.carrier_key for r in await on_time(period(shop, "ups"))] == ["ups"]
    assert [r.group for r in await transit_times(period(shop, "ups"), "destination")] == [
        "DE",
        "PL",
    ]


async def test_the_period_is_half_open_on_the_delivered_time(db: str) -> None:
    shop = await seed_shipments()
    # Only the parcel delivered on 3 December is in [1 Dec, 8 Dec).
    december = Filters(shop.id, END, END.replace(day=8))
    assert [(r.carrier_key, r.delivered, r.on_time) for r in await on_time(december)] == [
        ("ups", 1, 1)
    ]
    # A period ending where the first delivery happens (17th 10:00) leaves it out.
    before = Filters(shop.id, START, START.replace(day=17, hour=10))
    assert await on_time(before) == []


async def test_another_merchants_parcels_never_count(db: str) -> None:
    shop = await seed_shipments()
    other_id = (await other_shop(shop)).id
    rows = await on_time(Filters(other_id, START, END))
    assert [(r.carrier_key, r.delivered, r.on_time) for r in rows] == [("ups", 1, 0)]
    assert (await problem_rates(Filters(other_id, START, END))).shipped == 1


async def test_no_parcels_give_empty_figures(db: str) -> None:
    from tests import factories

    shop = await factories.merchant()
    assert await on_time(period(shop)) == []
    assert await transit_times(period(shop), "carrier") == []
    found = await problem_rates(period(shop))
    assert (found.shipped, found.rows) == (0, [])
