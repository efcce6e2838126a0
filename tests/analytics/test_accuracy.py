"""Delivery date accuracy: our first window and the carrier's first date, per carrier."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from carriers.base import Status
from portal.analytics.accuracy import Accuracy, accuracy
from portal.analytics.sections import accuracy_table
from portal.analytics.sql import Filters
from portal.models import Merchant, ShipmentPrediction
from tests import factories

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


async def _delivered(
    shop: Merchant,
    carrier: str,
    delivered: date,
    first_eta: date | None,
    windows: list[tuple[date, date, date]],
) -> None:
    parcel = await factories.shipment(
        shop,
        carrier_key=carrier,
        status=Status.DELIVERED,
        delivered_at=datetime(delivered.year, delivered.month, delivered.day, 15, tzinfo=UTC),
        first_estimated_delivery=first_eta,
    )
    for stage, (start, expected, end) in zip(
        ("shipped", "out_for_delivery"), windows, strict=False
    ):
        await ShipmentPrediction.create(
            shipment=parcel,
            merchant_id=shop.id,
            stage=stage,
            made_at=START,
            window_start=start,
            window_end=end,
            expected=expected,
        )


async def test_it_measures_our_first_window_and_the_carriers_first_date(db: str) -> None:
    shop = await factories.merchant()
    d = date(2026, 11, 20)
    # Inside our window, on the carrier's date.
    await _delivered(shop, "dhl", d, d, [(date(2026, 11, 19), d, date(2026, 11, 21))])
    # Outside our first window (the later, right one does not count), two days after the
    # carrier's date.
    await _delivered(
        shop,
        "dhl",
        d,
        date(2026, 11, 18),
        [(date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)), (d, d, d)],
    )
    # No prediction, no carrier date: measured by neither.
    await _delivered(shop, "dhl", d, None, [])
    # Another shop's parcels never count.
    await _delivered(await factories.merchant(), "dhl", d, date(2026, 11, 1), [])

    [row] = await accuracy(Filters(shop.id, START, END))
    assert row.carrier_key == "dhl"
    assert row.ours == Accuracy(parcels=2, inside=1, mean_error_days=pytest.approx(1.5))
    assert row.carrier == Accuracy(parcels=2, inside=1, mean_error_days=pytest.approx(1.0))
    assert row.ours.inside_rate == 50


async def test_the_table_puts_both_side_by_side(db: str) -> None:
    shop = await factories.merchant()
    d = date(2026, 11, 20)
    await _delivered(shop, "ups", d, None, [(d, d, d)])
    table = await accuracy_table(Filters(shop.id, START, END))
    assert table.key == "date_accuracy"
    assert table.rows == [["ups", 1, 100.0, 0.0, 0, None, None]]


async def test_the_delivered_day_is_read_on_the_destinations_calendar(db: str) -> None:
    """A Warsaw shop's parcel to Athens, delivered at 00:30 on the 21st there (23:30 on the
    20th in Warsaw), was predicted and promised for the 21st on Athens's calendar: both
    sides hit, as the customer in Athens saw it. Its parcel to Kraków delivered at the same
    instant came on the 20th."""
    shop = await factories.merchant(time_zone="Europe/Warsaw")
    d = date(2026, 11, 21)
    at = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    for country, carrier in (("GR", "dhl"), ("PL", "ups")):
        order = await factories.order(shop, ship_country=country)
        parcel = await factories.shipment(
            shop,
            order=order,
            carrier_key=carrier,
            status=Status.DELIVERED,
            delivered_at=at,
            first_estimated_delivery=d,
        )
        await ShipmentPrediction.create(
            shipment=parcel,
            merchant_id=shop.id,
            stage="shipped",
            made_at=START,
            window_start=d,
            window_end=d,
            expected=d,
        )
    rows = await accuracy(Filters(shop.id, START, END, zone="Europe/Warsaw"))
    by_carrier = {row.carrier_key: row for row in rows}
    assert by_carrier["dhl"].ours == Accuracy(1, 1, 0.0)
    assert by_carrier["dhl"].carrier == Accuracy(1, 1, 0.0)
    assert by_carrier["ups"].ours == Accuracy(1, 0, 1.0)
    assert by_carrier["ups"].carrier == Accuracy(1, 0, 1.0)


async def test_a_us_parcels_delivered_day_is_read_on_its_states_clock(db: str) -> None:
    """A New York shop's parcel to Los Angeles due on the 20th and delivered at 22:30 there
    (01:30 on the 21st in New York) came on time; its parcel to New York delivered at the
    same instant came a day late."""
    shop = await factories.merchant(time_zone="America/New_York")
    d = date(2026, 11, 20)
    at = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)
    for region, carrier in (("CA", "ups"), ("New York", "dhl")):
        order = await factories.order(shop, ship_country="US", ship_region=region)
        parcel = await factories.shipment(
            shop,
            order=order,
            carrier_key=carrier,
            status=Status.DELIVERED,
            delivered_at=at,
            first_estimated_delivery=d,
        )
        await ShipmentPrediction.create(
            shipment=parcel,
            merchant_id=shop.id,
            stage="shipped",
            made_at=START,
            window_start=d,
            window_end=d,
            expected=d,
        )
    rows = await accuracy(Filters(shop.id, START, END, zone="America/New_York"))
    by_carrier = {row.carrier_key: row for row in rows}
    assert by_carrier["ups"].ours == Accuracy(1, 1, 0.0)
    assert by_carrier["ups"].carrier == Accuracy(1, 1, 0.0)
    assert by_carrier["dhl"].ours == Accuracy(1, 0, 1.0)
    assert by_carrier["dhl"].carrier == Accuracy(1, 0, 1.0)
