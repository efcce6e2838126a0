"""An app with the tracking pages mounted, a fake refresh, and a shop with parcels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from carriers.base import Status
from portal.app import create_app
from portal.models import Merchant, Order, Shipment, TrackingEvent
from portal.tracking_page import views
from portal.tracking_page.config import PageConfig
from tests import factories
from tests.conftest import client_for, make_settings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class FakeRefresh:
    """Stands in for refresh_if_stale: records calls, optionally takes a while."""

    delay: float = 0.0
    calls: list[int] = field(default_factory=list)

    async def __call__(self, shipment: Shipment, settings: Any, **kwargs: Any) -> bool:
        import asyncio

        self.calls.append(shipment.id)
        if self.delay:
            await asyncio.sleep(self.delay)
        return False


@dataclass
class CacheClock:
    """The page caches' monotonic clock, moved by hand to expire their entries."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_refresh() -> FakeRefresh:
    return FakeRefresh()


@pytest.fixture
def cache_clock() -> CacheClock:
    return CacheClock()


@pytest.fixture
def page_config(fake_refresh: FakeRefresh, cache_clock: CacheClock) -> PageConfig:
    return PageConfig(
        poll_seconds=45,
        refresh=fake_refresh,
        clock=lambda: NOW,
        cache_seconds=5,
        cache_clock=cache_clock,
    )


@pytest.fixture
def tracking_app(tmp_path: Path, db: str, page_config: PageConfig) -> Starlette:
    app = create_app(make_settings(tmp_path, database_url=db), manage_db=False)
    app.router.routes.extend(views.routes)
    app.state.tracking_page = page_config
    return app


@pytest.fixture
async def web(tracking_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(tracking_app) as client:
        yield client


@dataclass
class Shop:
    merchant: Merchant
    order: Order
    shipment: Shipment


async def add_events(shipment: Shipment, *steps: tuple[datetime, Status, str]) -> None:
    for n, (when, status, city) in enumerate(steps):
        await TrackingEvent.create(
            shipment=shipment,
            occurred_at=when,
            status=status,
            description=f"Scan {n}",
            city=city,
            country="PL",
            postal_code="31-123",
            dedupe_key=f"k{n}-{when.isoformat()}",
        )


@pytest.fixture
def shop_fields() -> dict[str, Any]:
    """What a module changes about ``shop``'s merchant (its slug, its ``default_locale``),
    by overriding this fixture; nothing here."""
    return {}


@pytest.fixture
async def shop(db: str, shop_fields: dict[str, Any]) -> Shop:
    """Acme Socks (Europe/Warsaw, branded) and Jan's order of wool socks, its parcel in
    transit to Kraków with two scans."""
    merchant = await factories.merchant(
        name="Acme Socks",
        time_zone="Europe/Warsaw",
        branding={"primary_color": "#aa3300", "logo_path": "/media/acme.png"},
        **shop_fields,
    )
    customer = await factories.customer(merchant, name="Jan Kowalski", email="jan@example.test")
    order = await factories.order(
        merchant,
        customer=customer,
        number="#1042",
        email="jan@example.test",
        ship_name="Jan Kowalski",
        ship_line1="ul. Dębowa 1",
        ship_city="Kraków",
        ship_postal_code="31-123",
        ship_country="PL",
    )
    await factories.order_item(order, title="Wool socks", quantity=2, variant_options={"size": "M"})
    shipment = await factories.shipment(
        merchant,
        order=order,
        tracking_number="SBX00000000042",
        status=Status.IN_TRANSIT,
        shipped_at=NOW - timedelta(days=2),
        last_event_at=NOW - timedelta(hours=3),
    )
    await add_events(
        shipment,
        (NOW - timedelta(days=2), Status.INFO_RECEIVED, "Warszawa"),
        (NOW - timedelta(hours=3), Status.IN_TRANSIT, "Kraków"),
    )
    return Shop(merchant, order, shipment)
