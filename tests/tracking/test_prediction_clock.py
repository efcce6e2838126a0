"""Predicted days are the destination's days: business days and public holidays counted on
the calendar where the parcel is delivered (its country's clock, else a US address's
state's, else the shop's), and the late watch goes by the same calendar's midnight.

The learned figures (one, two and four business days for the 10th, 50th and 90th
percentile, see :data:`KNOWN`) come from settled Polish parcels; a parcel to a country
without history of its own gets the carrier's figures, counted on its own calendar.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from carriers.base import Status, TrackingEvent, TrackingResult
from portal.event_catalogue import SHIPMENT_LATE
from portal.models import (
    DomainEvent,
    EventSource,
    Merchant,
    Shipment,
    ShipmentAlert,
    ShipmentPrediction,
)
from portal.tracking import prediction
from portal.tracking.alerts import watch
from portal.tracking.calendar import ensure_calendar
from portal.tracking.ingest import ingest
from portal.tracking.transit_sql import histogram, recompute
from tests import factories
from tests.tracking.history import spread

TRAINED = datetime(2026, 11, 9, 6, tzinfo=UTC)
KNOWN = {1: 10, 2: 70, 4: 20}
ATHENS = "Europe/Athens"
WARSAW = "Europe/Warsaw"
LOS_ANGELES = "America/Los_Angeles"
NEW_YORK = "America/New_York"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    prediction.forget_cached()
    yield
    prediction.forget_cached()


async def _learned(time_zone: str) -> Merchant:
    """A shop on ``time_zone`` whose settled history taught the figures."""
    shop = await factories.merchant(time_zone=time_zone)
    await spread(shop, KNOWN, start=date(2026, 5, 18))
    await recompute(TRAINED)
    return shop


async def _handed_over(
    shop: Merchant, country: str, at: datetime, region: str = ""
) -> tuple[date, date, date]:
    """A parcel to ``country`` (``region``: its state) whose carrier's first scan says it
    was picked up at ``at``: (window start, expected day, window end) as predicted."""
    order = await factories.order(shop, ship_country=country, ship_region=region)
    parcel = await factories.shipment(shop, order=order, carrier_key="dhl")
    scan = TrackingEvent(occurred_at=at, status=Status.IN_TRANSIT, carrier_code="transit")
    await ingest(
        parcel,
        TrackingResult(parcel.tracking_number, events=[scan]),
        source=EventSource.POLL,
        now=at + timedelta(hours=1),
        settings=factories.app_settings(),
    )
    made = await ShipmentPrediction.get(shipment_id=parcel.id)
    stored = await Shipment.get(id=parcel.id)
    assert (stored.predicted_start, stored.predicted_end) == (made.window_start, made.window_end)
    return made.window_start, made.expected, made.window_end


async def test_a_parcel_handed_over_after_midnight_in_athens_counts_from_the_athenian_day(
    db: str,
) -> None:
    shop = await _learned(ATHENS)
    # Tuesday 23 March 2027, 00:30 in Athens (UTC+2) is still Monday 22:30 in UTC.
    # Thursday 25 March is Independence Day in Greece: the carrier does not deliver.
    at = datetime(2027, 3, 22, 22, 30, tzinfo=UTC)
    assert await _handed_over(shop, "GR", at) == (
        date(2027, 3, 24),  # one business day after Tuesday: Wednesday
        date(2027, 3, 26),  # two: Wednesday, then Friday (the holiday skipped)
        date(2027, 3, 30),  # four: Wednesday, Friday, Monday, Tuesday
    )


async def test_the_greek_holiday_is_not_skipped_for_a_polish_parcel(db: str) -> None:
    shop = await _learned(ATHENS)
    # The same instant is Monday 23:30 in Warsaw (UTC+1): counted from Monday, and 25 March
    # is a working day in Poland.
    at = datetime(2027, 3, 22, 22, 30, tzinfo=UTC)
    assert await _handed_over(shop, "PL", at) == (
        date(2027, 3, 23),
        date(2027, 3, 24),
        date(2027, 3, 26),
    )


async def test_orthodox_easter_monday_is_skipped_for_a_greek_parcel_only(db: str) -> None:
    shop = await _learned(WARSAW)
    # Friday 10 April 2026, 10:00 UTC. Orthodox Easter Monday, 13 April 2026, is a public
    # holiday in Greece; Poland's Easter Monday was a week earlier.
    at = datetime(2026, 4, 10, 10, tzinfo=UTC)
    assert await _handed_over(shop, "GR", at) == (
        date(2026, 4, 14),
        date(2026, 4, 15),
        date(2026, 4, 17),
    )
    assert await _handed_over(shop, "PL", at) == (
        date(2026, 4, 13),
        date(2026, 4, 14),
        date(2026, 4, 16),
    )


async def test_a_los_angeles_shops_parcel_counts_from_the_local_day(db: str) -> None:
    """The United States keep several clocks, so a domestic parcel goes by the shop's."""
    shop = await _learned(LOS_ANGELES)
    # Monday 16 November 2026, 17:00 in Los Angeles is Tuesday 01:00 in UTC.
    at = datetime(2026, 11, 17, 1, tzinfo=UTC)
    assert await _handed_over(shop, "US", at) == (
        date(2026, 11, 17),
        date(2026, 11, 18),
        date(2026, 11, 20),
    )


async def test_a_new_york_shops_parcel_to_california_counts_from_the_californian_day(
    db: str,
) -> None:
    """A US address names its clock by its state: the shop's is only the fallback."""
    shop = await _learned(NEW_YORK)
    # Monday 16 November 2026, 22:30 in Los Angeles is already Tuesday 01:30 in New York.
    at = datetime(2026, 11, 17, 6, 30, tzinfo=UTC)
    assert await _handed_over(shop, "US", at, region="CA") == (
        date(2026, 11, 17),  # one business day after Monday
        date(2026, 11, 18),
        date(2026, 11, 20),
    )
    # The same instant to a New York address: counted from Tuesday.
    assert await _handed_over(shop, "US", at, region="New York") == (
        date(2026, 11, 18),
        date(2026, 11, 19),
        date(2026, 11, 23),
    )


async def test_the_learned_figures_count_a_californian_parcel_on_californian_days(
    db: str,
) -> None:
    """The nightly histogram counts on the clock the live prediction uses, whatever clocks
    the other shops keep."""
    shop = await factories.merchant(time_zone=NEW_YORK)
    await factories.merchant(time_zone=ATHENS)
    # Handed over on Monday 16 November 2026 at 22:30 in Los Angeles (Tuesday 01:30 in New
    # York), delivered on Tuesday at 12:00 in Los Angeles (15:00 in New York).
    for region, postcode in (("California", "90012"), ("NY", "10001")):
        order = await factories.order(
            shop, ship_country="US", ship_region=region, ship_postal_code=postcode
        )
        await factories.shipment(
            shop,
            order=order,
            carrier_key="dhl",
            status=Status.DELIVERED,
            shipped_at=datetime(2026, 11, 17, 6, 30, tzinfo=UTC),
            delivered_at=datetime(2026, 11, 17, 20, tzinfo=UTC),
        )
    async with in_transaction() as conn:
        await ensure_calendar(conn, ["US"], date(2026, 12, 1))
    rows = await histogram(
        "shipped", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert {row.key[4]: row.days for row in rows} == {"90": 1, "10": 0}


async def _in_transit(shop: Merchant, country: str, last_day: date, region: str = "") -> Shipment:
    order = await factories.order(shop, ship_country=country, ship_region=region)
    return await factories.shipment(
        shop,
        order=order,
        carrier_key="dhl",
        status=Status.IN_TRANSIT,
        last_event_at=datetime.combine(last_day, datetime.min.time(), tzinfo=UTC),
        predicted_start=last_day - timedelta(days=2),
        predicted_end=last_day,
    )


async def _late_episodes(parcel: Shipment) -> list[ShipmentAlert]:
    return await ShipmentAlert.filter(shipment_id=parcel.id, kind="late")


async def test_the_late_watch_waits_for_midnight_in_athens(db: str) -> None:
    shop = await factories.merchant(time_zone=ATHENS)
    parcel = await _in_transit(shop, "GR", date(2026, 12, 2))
    settings = factories.app_settings()
    # 23:30 on the last day in Athens (21:30 UTC): still due today.
    await watch(settings, datetime(2026, 12, 2, 21, 30, tzinfo=UTC))
    assert await _late_episodes(parcel) == []
    # 00:30 the next day in Athens, though still 2 December in UTC: late.
    await watch(settings, datetime(2026, 12, 2, 22, 30, tzinfo=UTC))
    [episode] = await _late_episodes(parcel)
    assert episode.started_at == datetime(2026, 12, 2, 22, tzinfo=UTC)  # Athenian midnight
    event = await DomainEvent.get(kind=SHIPMENT_LATE, subject_id=parcel.id)
    assert event.payload["window_end"] == "2026-12-02"


async def test_the_late_watch_waits_for_midnight_in_los_angeles(db: str) -> None:
    shop = await factories.merchant(time_zone=LOS_ANGELES)
    parcel = await _in_transit(shop, "US", date(2026, 12, 2))
    settings = factories.app_settings()
    # 17:00 on the last day in Los Angeles is already 3 December in UTC: not late.
    await watch(settings, datetime(2026, 12, 3, 1, tzinfo=UTC))
    assert await _late_episodes(parcel) == []
    await watch(settings, datetime(2026, 12, 3, 8, 30, tzinfo=UTC))  # 00:30 in Los Angeles
    [episode] = await _late_episodes(parcel)
    assert episode.started_at == datetime(2026, 12, 3, 8, tzinfo=UTC)


async def test_a_new_york_shops_parcel_to_california_is_late_at_midnight_in_los_angeles(
    db: str,
) -> None:
    shop = await factories.merchant(time_zone=NEW_YORK)
    parcel = await _in_transit(shop, "US", date(2026, 12, 2), region="CA")
    settings = factories.app_settings()
    # 00:30 on 3 December in New York is 21:30 on the last day in Los Angeles: still due.
    await watch(settings, datetime(2026, 12, 3, 5, 30, tzinfo=UTC))
    assert await _late_episodes(parcel) == []
    await watch(settings, datetime(2026, 12, 3, 8, 30, tzinfo=UTC))  # 00:30 in Los Angeles
    [episode] = await _late_episodes(parcel)
    assert episode.started_at == datetime(2026, 12, 3, 8, tzinfo=UTC)  # Californian midnight


async def test_a_us_address_without_a_known_state_goes_by_the_shops_clock(db: str) -> None:
    shop = await factories.merchant(time_zone=NEW_YORK)
    parcel = await _in_transit(shop, "US", date(2026, 12, 2), region="Springfield")
    await watch(factories.app_settings(), datetime(2026, 12, 3, 5, 30, tzinfo=UTC))
    [episode] = await _late_episodes(parcel)
    assert episode.started_at == datetime(2026, 12, 3, 5, tzinfo=UTC)  # New York's midnight


async def test_a_parcel_to_greece_goes_by_athens_even_for_a_shop_in_warsaw(db: str) -> None:
    shop = await factories.merchant(time_zone=WARSAW)
    to_athens = await _in_transit(shop, "GR", date(2026, 12, 2))
    to_krakow = await _in_transit(shop, "PL", date(2026, 12, 2))
    # 22:30 UTC: 00:30 on the 3rd in Athens, 23:30 on the 2nd in Warsaw.
    await watch(factories.app_settings(), datetime(2026, 12, 2, 22, 30, tzinfo=UTC))
    assert len(await _late_episodes(to_athens)) == 1
    assert await _late_episodes(to_krakow) == []


async def test_parcels_due_today_east_of_utc_do_not_hold_back_late_ones(db: str) -> None:
    """Parcels still due today on their own clock are passed over, however many there are
    before a late one."""
    from portal.tracking import alerts

    shop = await factories.merchant(time_zone=LOS_ANGELES)
    due = [await _in_transit(shop, "US", date(2026, 12, 3)) for _ in range(3)]
    late = await _in_transit(shop, "US", date(2026, 12, 1))
    batch = alerts.BATCH
    alerts.BATCH = 2
    try:
        await watch(factories.app_settings(), datetime(2026, 12, 3, 9, tzinfo=UTC))
    finally:
        alerts.BATCH = batch
    assert len(await _late_episodes(late)) == 1
    assert [await _late_episodes(p) for p in due] == [[], [], []]
