"""``shipment.late_at``: each parcel's stored instant of lateness follows its promise, its
status and its calendar through the writes that change them, and the late watch opens an
episode exactly when that instant comes — reading only the parcels whose instant has."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from carriers.base import Status, TrackingEvent, TrackingResult
from portal import shop_settings
from portal.models import EventSource, Merchant, Shipment, ShipmentAlert
from portal.tracking import alerts
from portal.tracking.alerts import raise_late
from portal.tracking.ingest import ingest
from tests import factories

#: Thursday 3 December 2026, 09:00 UTC.
NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)
TICK = timedelta(microseconds=1)


async def _parcel(shop: Merchant, country: str, region: str = "", **fields: object) -> Shipment:
    order = await factories.order(shop, ship_country=country, ship_region=region)
    fields.setdefault("status", Status.IN_TRANSIT)
    return await factories.shipment(shop, order=order, carrier_key="dhl", **fields)


async def _late_at(parcel: Shipment) -> datetime | None:
    return (await Shipment.get(id=parcel.id)).late_at


def _scan(status: Status, at: datetime) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=at, status=status, carrier_code=status.value[:3], description=status.value
    )


async def _carrier_says(parcel: Shipment, at: datetime, *scans: TrackingEvent, **fields: object):
    return await ingest(
        parcel,
        TrackingResult(number=parcel.tracking_number, events=list(scans), **fields),  # type: ignore[arg-type]
        source=EventSource.POLL,
        now=at,
        settings=factories.app_settings(),
    )


async def _late_episodes(parcel: Shipment) -> int:
    return await ShipmentAlert.filter(shipment_id=parcel.id, kind="late").count()


async def test_a_parcel_becomes_late_exactly_at_midnight_in_its_us_state(db: str) -> None:
    # A New York shop's parcel to California is due by the end of the day in Los Angeles:
    # 1 December ends at 08:00 UTC on the 2nd (PST, UTC-8), three hours after New York's.
    shop = await factories.merchant(time_zone="America/New_York")
    parcel = await _parcel(shop, "US", "CA", estimated_delivery=date(2026, 12, 1))
    midnight_in_la = datetime(2026, 12, 2, 8, tzinfo=UTC)
    assert await _late_at(parcel) == midnight_in_la

    settings = factories.app_settings()
    assert await raise_late(settings, midnight_in_la - TICK) == 0
    assert await raise_late(settings, midnight_in_la) == 1
    alert = await ShipmentAlert.get(shipment_id=parcel.id)
    assert alert.started_at == midnight_in_la


async def test_a_parcel_on_the_shops_clock_is_late_at_the_shops_midnight_across_dst(
    db: str,
) -> None:
    # A US address without a state goes by the shop's clock; New York leaves summer time
    # on 1 November 2026, so the day after 31 October ends at 05:00 UTC, not 04:00.
    shop = await factories.merchant(time_zone="America/New_York")
    parcel = await _parcel(shop, "US", estimated_delivery=date(2026, 11, 1))
    assert await _late_at(parcel) == datetime(2026, 11, 2, 5, tzinfo=UTC)
    summer = await _parcel(shop, "US", estimated_delivery=date(2026, 10, 31))
    assert await _late_at(summer) == datetime(2026, 11, 1, 4, tzinfo=UTC)


async def test_a_promise_moved_later_by_the_carrier_moves_late_at_with_it(db: str) -> None:
    shop = await factories.merchant(time_zone="Europe/Warsaw")
    parcel = await _parcel(shop, "PL", estimated_delivery=date(2026, 12, 2))
    assert await _late_at(parcel) == datetime(2026, 12, 2, 23, tzinfo=UTC)

    await _carrier_says(
        parcel,
        NOW - timedelta(days=1),
        _scan(Status.IN_TRANSIT, NOW - timedelta(days=1)),
        estimated_delivery=date(2026, 12, 4),
    )
    assert await _late_at(parcel) == datetime(2026, 12, 4, 23, tzinfo=UTC)
    settings = factories.app_settings()
    assert await raise_late(settings, datetime(2026, 12, 3, 12, tzinfo=UTC)) == 0
    assert await raise_late(settings, datetime(2026, 12, 4, 23, tzinfo=UTC)) == 1


async def test_a_promise_moved_earlier_makes_it_late_at_the_earlier_midnight(db: str) -> None:
    shop = await factories.merchant(time_zone="Europe/Warsaw")
    parcel = await _parcel(shop, "PL", estimated_delivery=date(2026, 12, 10))
    await _carrier_says(
        parcel,
        NOW - timedelta(days=3),
        _scan(Status.IN_TRANSIT, NOW - timedelta(days=3)),
        estimated_delivery=date(2026, 12, 1),
    )
    assert await _late_at(parcel) == datetime(2026, 12, 1, 23, tzinfo=UTC)
    assert await raise_late(factories.app_settings(), NOW) == 1


async def test_a_delivered_parcel_drops_out_of_the_late_watch(db: str) -> None:
    shop = await factories.merchant(time_zone="Europe/Warsaw")
    parcel = await _parcel(shop, "PL", estimated_delivery=date(2026, 12, 1))
    await _carrier_says(parcel, NOW, _scan(Status.DELIVERED, NOW - timedelta(hours=1)))
    assert await _late_at(parcel) is None
    assert await raise_late(factories.app_settings(), NOW) == 0
    assert await _late_episodes(parcel) == 0


async def test_a_predicted_window_gives_late_at_when_the_carrier_gives_no_date(db: str) -> None:
    shop = await factories.merchant(time_zone="Europe/Warsaw")
    parcel = await _parcel(
        shop, "PL", predicted_start=date(2026, 12, 1), predicted_end=date(2026, 12, 2)
    )
    assert await _late_at(parcel) == datetime(2026, 12, 2, 23, tzinfo=UTC)
    # A carrier date, when one comes, is the promise instead.
    await _carrier_says(
        parcel,
        NOW - timedelta(days=2),
        _scan(Status.IN_TRANSIT, NOW - timedelta(days=2)),
        estimated_delivery=date(2026, 12, 5),
    )
    assert await _late_at(parcel) == datetime(2026, 12, 5, 23, tzinfo=UTC)


async def test_a_shop_that_moves_its_clock_moves_its_parcels_late_at(db: str) -> None:
    # A US address without a state is counted on the shop's clock.
    shop = await factories.merchant(time_zone="America/New_York")
    parcel = await _parcel(shop, "US", estimated_delivery=date(2026, 12, 1))
    assert await _late_at(parcel) == datetime(2026, 12, 2, 5, tzinfo=UTC)
    await shop_settings.save(shop.id, {"time_zone": "America/Los_Angeles"})
    assert await _late_at(parcel) == datetime(2026, 12, 2, 8, tzinfo=UTC)


async def test_the_watch_reads_only_parcels_whose_instant_has_come(
    db: str, monkeypatch: object
) -> None:
    shop = await factories.merchant(time_zone="Europe/Warsaw")
    late = await _parcel(shop, "PL", estimated_delivery=date(2026, 12, 1))
    for _ in range(5):  # due today, a day over already east of UTC: not read at all
        await _parcel(shop, "PL", estimated_delivery=date(2026, 12, 3))
    noon = datetime(2026, 12, 3, 12, tzinfo=UTC)
    read: list[int] = []
    candidates = alerts._late_candidates

    async def counted(now: datetime, after: tuple[datetime, int] | None) -> list[Shipment]:
        found = await candidates(now, after)
        read.extend(s.id for s in found)
        return found

    monkeypatch.setattr(alerts, "_late_candidates", counted)  # type: ignore[attr-defined]
    assert await raise_late(factories.app_settings(), noon) == 1
    assert read == [late.id]
    read.clear()
    assert await raise_late(factories.app_settings(), noon) == 0  # in its episode already
    assert read == []
