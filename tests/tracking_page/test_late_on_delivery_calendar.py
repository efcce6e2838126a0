"""The tracking page says "late" when the late watch does: at midnight on the calendar the
expected day was counted on (the destination's clock, else a US address's state's, else
the shop's), whatever clock the customer reads the page's times on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from tortoise import connections

from portal.models import Customer, Merchant, Order, Shipment, ShipmentAlert
from portal.tracking import late_clock
from portal.tracking.alerts import watch
from portal.tracking_page.config import PageConfig
from tests import factories
from tests.tracking_page.conftest import CacheClock, FakeRefresh, Shop

#: 22:30 on Thursday 19 November in Los Angeles, already 01:30 on the 20th in New York.
EVENING = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
#: 00:30 on the 20th in Los Angeles.
AFTER_MIDNIGHT = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


class Clock:
    now = EVENING

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def page_config(fake_refresh: FakeRefresh, cache_clock: CacheClock, clock: Clock) -> PageConfig:
    return PageConfig(
        poll_seconds=45, refresh=fake_refresh, clock=clock, cache_seconds=5, cache_clock=cache_clock
    )


async def as_written_by_the_portal(shop: Shop) -> None:
    """The shop's zone, the address and the predicted window are set here straight in the
    tables; the portal's own writers (shop settings, store sync, predictions) keep the
    parcel's instant of lateness as they write, so it is kept here the same way."""
    await late_clock.refresh(connections.get("default"), [shop.shipment.id])


async def test_a_parcel_across_the_united_states_is_late_at_the_shops_midnight(
    web: httpx.AsyncClient, shop: Shop, clock: Clock, cache_clock: CacheClock
) -> None:
    """The United States keep several clocks: with no state on the address, the shop's (Los
    Angeles) counts, though the customer reads the page in New York."""
    await Merchant.filter(id=shop.merchant.id).update(time_zone="America/Los_Angeles")
    await Order.filter(id=shop.order.id).update(ship_country="US", ship_city="New York")
    await Customer.filter(id=shop.order.customer_id).update(time_zone="America/New_York")
    await Shipment.filter(id=shop.shipment.id).update(
        predicted_start=date(2026, 11, 18), predicted_end=date(2026, 11, 19)
    )
    await as_written_by_the_portal(shop)
    settings = factories.app_settings()

    await watch(settings, EVENING)
    response = await web.get("/track/SBX00000000042")
    [view] = response.context["shipments"]
    assert not view.late
    assert view.eta_text == "between Wednesday, November 18, 2026 and Thursday, November 19, 2026"
    assert not await ShipmentAlert.filter(shipment_id=shop.shipment.id).exists()

    clock.now = AFTER_MIDNIGHT
    await watch(settings, AFTER_MIDNIGHT)
    cache_clock.advance(60)  # past the page caches
    response = await web.get("/track/SBX00000000042")
    [view] = response.context["shipments"]
    assert view.late
    assert view.late_text.startswith(
        "Later than expected: it was due by Thursday, November 19, 2026."
    )
    [episode] = await ShipmentAlert.filter(shipment_id=shop.shipment.id, kind="late")
    assert episode.started_at == AFTER_MIDNIGHT.replace(minute=0)


async def test_a_new_york_shops_parcel_to_california_is_late_at_midnight_in_los_angeles(
    web: httpx.AsyncClient, shop: Shop, clock: Clock, cache_clock: CacheClock
) -> None:
    """The address's state names the clock, not the shop's (New York) nor the customer's
    own (she sent a gift from New York): at 01:30 in New York the parcel due on Thursday
    is still due in Los Angeles, where it is 22:30."""
    await Merchant.filter(id=shop.merchant.id).update(time_zone="America/New_York")
    await Order.filter(id=shop.order.id).update(
        ship_country="US", ship_region="CA", ship_city="Los Angeles"
    )
    await Customer.filter(id=shop.order.customer_id).update(time_zone="America/New_York")
    await Shipment.filter(id=shop.shipment.id).update(
        predicted_start=date(2026, 11, 18), predicted_end=date(2026, 11, 19)
    )
    await as_written_by_the_portal(shop)
    settings = factories.app_settings()

    await watch(settings, EVENING)
    response = await web.get("/track/SBX00000000042")
    [view] = response.context["shipments"]
    assert not view.late
    assert view.eta_text == "between Wednesday, November 18, 2026 and Thursday, November 19, 2026"
    assert not await ShipmentAlert.filter(shipment_id=shop.shipment.id).exists()

    clock.now = AFTER_MIDNIGHT
    await watch(settings, AFTER_MIDNIGHT)
    cache_clock.advance(60)  # past the page caches
    response = await web.get("/track/SBX00000000042")
    [view] = response.context["shipments"]
    assert view.late
    [episode] = await ShipmentAlert.filter(shipment_id=shop.shipment.id, kind="late")
    assert episode.started_at == AFTER_MIDNIGHT.replace(minute=0)  # midnight in Los Angeles
