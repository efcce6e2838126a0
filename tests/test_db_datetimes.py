"""A moment is the same moment on every engine, whatever clock it was written on.

Shops live on their own clocks, so periods and deadlines reach the ORM as instants in the
shop's zone (a New York midnight is ``05:00+00:00``). SQLite keeps datetimes as text, and
the standard adapter wrote them with their own offset, so ``12:00+00:00`` compared as text
against ``08:30-05:00`` (13:30 UTC) came out later: an analytics period on a New York
shop's clock lost every answer written after 19:00 there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from carriers.base import Status
from portal.models import Shipment
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")
NOON_UTC = datetime(2026, 5, 1, 12, tzinfo=UTC)


async def test_a_bound_on_another_clock_compares_as_the_instant_it_is(db: str) -> None:
    shop = await factories.merchant(time_zone="America/New_York")
    parcel = await factories.shipment(shop, status=Status.DELIVERED, delivered_at=NOON_UTC)
    half_past_eight_in_new_york = datetime(2026, 5, 1, 8, 30, tzinfo=NEW_YORK)  # 12:30 UTC
    seven_in_new_york = datetime(2026, 5, 1, 7, 0, tzinfo=NEW_YORK)  # 11:00 UTC
    before = Shipment.filter(merchant_id=shop.id, delivered_at__lt=half_past_eight_in_new_york)
    after = Shipment.filter(merchant_id=shop.id, delivered_at__gte=seven_in_new_york)
    assert [s.id for s in await before] == [parcel.id]
    assert [s.id for s in await after] == [parcel.id]
    assert not await Shipment.filter(merchant_id=shop.id, delivered_at__lt=seven_in_new_york)


async def test_a_moment_written_on_another_clock_is_read_back_as_that_instant(db: str) -> None:
    shop = await factories.merchant()
    written = datetime(2026, 5, 1, 20, 0, tzinfo=NEW_YORK)  # 00:00 UTC the next day
    parcel = await factories.shipment(shop, status=Status.DELIVERED, delivered_at=written)
    read = await Shipment.get(id=parcel.id)
    assert read.delivered_at == written
    half_past_eleven_utc = datetime(2026, 5, 1, 23, 30, tzinfo=UTC)
    assert await Shipment.filter(id=parcel.id, delivered_at__gte=half_past_eleven_utc)
