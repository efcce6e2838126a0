"""The backtest trains only on parcels delivered before each week it predicts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.tracking.backtest import Record, load, replay
from portal.tracking.calendar import add_business_days
from portal.tracking.transit import MIN_SAMPLES
from portal.tracking.transit_sql import learn
from tests import factories
from tests.tracking.history import spread

KEY = ("dhl", "", "", "ZZ", "")  # a country with weekends only: easy arithmetic


def _weekdays(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _records(transit: list[int]) -> list[Record]:
    shipped = _weekdays(date(2026, 6, 1), len(transit))
    return [
        Record(
            shipment_id=i,
            merchant_id=1,
            key=KEY,
            shipped=day,
            delivered=add_business_days("ZZ", day, days),
            business_days=days,
            carrier_eta=add_business_days("ZZ", day, 2),
        )
        for i, (day, days) in enumerate(zip(shipped, transit, strict=True))
    ]


def test_parcels_before_enough_history_get_no_window() -> None:
    result = replay(_records([1] * 60)).by_carrier["dhl"]
    # Week one only trains; before weeks two to five fewer than MIN_SAMPLES parcels (4, 9,
    # 14, 19: Friday's arrives on Monday) were delivered.
    assert MIN_SAMPLES == 20
    assert result.unpredicted == 20
    assert (result.ours.parcels, result.ours.inside, result.ours.mean_error) == (35, 35, 0.0)
    # The carrier said two business days for one: a day off, three over a weekend.
    assert (result.carrier.parcels, result.carrier.inside, result.carrier.error_days) == (
        55,
        0,
        11 * (3 * 1 + 3 + 1),
    )


def test_a_change_is_learned_only_after_it_happened() -> None:
    records = _records([1] * 30 + [3] * 30)
    made = {record.shipment_id: window for record, window in replay(records).predictions}
    first_slow = records[30]
    assert made[first_slow.shipment_id].end == add_business_days("ZZ", first_slow.shipped, 1)
    last = records[-1]
    assert made[last.shipment_id].end == last.delivered


def test_lines_print_one_row_per_carrier() -> None:
    lines = replay(_records([1] * 60), weeks=4).lines()
    assert lines[0].startswith("backtest over 4 week(s)")
    assert lines[2].split()[:2] == ["dhl", "20"]


async def test_it_loads_settled_parcels_with_their_business_days(db: str) -> None:
    shop = await factories.merchant()
    await spread(shop, {2: 3}, start=date(2026, 11, 9))
    await learn(datetime(2026, 12, 6, tzinfo=UTC))
    records = await load(shop.id)
    assert [r.business_days for r in records] == [2, 2, 2]
    # Tuesday 10 November + 2 business days in Poland skips Independence Day (11th).
    assert records[1].shipped == date(2026, 11, 10) and records[1].delivered == date(2026, 11, 13)
    assert records[0].key == ("dhl", "", "", "PL", "31")
