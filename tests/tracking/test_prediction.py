"""Our delivery window: learned from settled history in SQL, made at the first carrier scan,
refined at each stage, and stored as made."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from carriers.base import Status, TrackingEvent, TrackingResult
from portal.models import EventSource, ScanGap, Shipment, ShipmentPrediction, TransitStat
from portal.tracking import prediction
from portal.tracking.ingest import ingest
from portal.tracking.transit_sql import recompute
from tests import factories
from tests.tracking.history import spread

#: Monday; the history was handed over from May to October.
TRAINED = datetime(2026, 11, 9, 6, tzinfo=UTC)
#: Tuesday 10 November, 10:00 UTC; Wednesday 11 November is a public holiday in Poland.
HANDED = datetime(2026, 11, 10, 10, tzinfo=UTC)
KNOWN = {1: 10, 2: 70, 4: 20}


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    prediction.forget_cached()
    yield
    prediction.forget_cached()


async def _learned_shop() -> object:
    shop = await factories.merchant()
    await spread(shop, KNOWN, start=date(2026, 5, 18))
    await recompute(TRAINED)
    return shop


async def test_recomputation_learns_the_known_distribution(db: str) -> None:
    shop = await _learned_shop()
    own = await TransitStat.get(merchant_id=shop.id, level=0, stage="shipped")  # type: ignore[attr-defined]
    assert (own.samples, own.p10, own.p50, own.p90) == (100, 1, 2, 4)
    assert (own.carrier_key, own.dest_country, own.postcode_prefix) == ("dhl", "PL", "31")
    every = await TransitStat.get(merchant_id=None, level=3, stage="shipped")
    assert every.samples == 100
    out = await TransitStat.get(merchant_id=shop.id, level=0, stage="out_for_delivery")  # type: ignore[attr-defined]
    assert (out.p10, out.p90) == (0, 0)  # on the van, delivered that day


async def test_recomputation_learns_the_usual_gap_between_scans(db: str) -> None:
    await _learned_shop()
    gap = await ScanGap.get(carrier_key="dhl", stage="info_received")
    assert (gap.samples, gap.p90_hours) == (100, 3.0)
    in_transit = await ScanGap.get(carrier_key="dhl", stage="in_transit")
    assert in_transit.p90_hours >= 24 * 4  # four business days on the road at worst


async def test_recomputing_replaces_the_figures(db: str) -> None:
    await _learned_shop()
    before = await TransitStat.all().count()
    await recompute(TRAINED + timedelta(days=1))
    assert await TransitStat.all().count() == before
    assert await TransitStat.filter(computed_at=TRAINED).count() == 0


def _scan(at: datetime, status: Status) -> TrackingEvent:
    return TrackingEvent(occurred_at=at, status=status, carrier_code=status.value[:3])


async def _new_parcel(shop: object) -> Shipment:
    order = await factories.order(shop, ship_country="PL", ship_postal_code="31-555")  # type: ignore[arg-type]
    return await factories.shipment(shop, order=order, carrier_key="dhl")  # type: ignore[arg-type]


async def test_the_first_scan_gets_a_window_in_business_days_across_the_holiday(db: str) -> None:
    shop = await _learned_shop()
    parcel = await _new_parcel(shop)
    scans = [_scan(HANDED, Status.IN_TRANSIT)]
    await ingest(
        parcel,
        TrackingResult(parcel.tracking_number, events=scans),
        source=EventSource.POLL,
        now=HANDED + timedelta(hours=1),
        settings=factories.app_settings(),
    )
    made = await ShipmentPrediction.get(shipment_id=parcel.id)
    assert made.stage == "shipped"
    assert (made.window_start, made.expected, made.window_end) == (
        date(2026, 11, 12),
        date(2026, 11, 13),
        date(2026, 11, 17),
    )
    assert made.basis == {"level": 0, "samples": 100, "own": True}
    stored = await Shipment.get(id=parcel.id)
    assert (stored.predicted_start, stored.predicted_end) == (
        date(2026, 11, 12),
        date(2026, 11, 17),
    )


async def test_each_stage_refines_the_window_and_keeps_the_earlier_one(db: str) -> None:
    shop = await _learned_shop()
    parcel = await _new_parcel(shop)
    van = datetime(2026, 11, 16, 7, tzinfo=UTC)
    for at, status in ((HANDED, Status.IN_TRANSIT), (van, Status.OUT_FOR_DELIVERY)):
        await ingest(
            parcel,
            TrackingResult(parcel.tracking_number, events=[_scan(at, status)]),
            source=EventSource.POLL,
            now=at + timedelta(hours=1),
            settings=factories.app_settings(),
        )
    made = await ShipmentPrediction.filter(shipment_id=parcel.id).order_by("id")
    assert [m.stage for m in made] == ["shipped", "out_for_delivery"]
    assert (made[1].window_start, made[1].window_end) == (van.date(), van.date())
    stored = await Shipment.get(id=parcel.id)
    assert (stored.predicted_start, stored.predicted_end) == (van.date(), van.date())


async def test_a_parcel_of_a_carrier_without_history_gets_no_window(db: str) -> None:
    shop = await _learned_shop()
    order = await factories.order(shop, ship_country="PL")  # type: ignore[arg-type]
    parcel = await factories.shipment(shop, order=order, carrier_key="ups")  # type: ignore[arg-type]
    await ingest(
        parcel,
        TrackingResult(parcel.tracking_number, events=[_scan(HANDED, Status.IN_TRANSIT)]),
        source=EventSource.POLL,
        now=HANDED,
        settings=factories.app_settings(),
    )
    assert not await ShipmentPrediction.filter(shipment_id=parcel.id).exists()
    assert (await Shipment.get(id=parcel.id)).predicted_end is None
