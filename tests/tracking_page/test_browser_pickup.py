"""A parcel waiting in a parcel locker, in Debian's Chromium: the Polish page on a 390 px
phone shows the locker and its deadline, scrolls only vertically, and passes axe."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from carriers.base import PickupKind, PickupPoint, Status, TrackingEvent, TrackingResult
from portal import db as portal_db
from portal.models import EventSource
from tests import factories
from tests.conftest import _free_port, _run_async, axe_violations, copy_migrated, running_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "SBX00000009042"
NOW = datetime.now(UTC)
LOCKER = PickupPoint(
    point_id="KRA07L",
    kind=PickupKind.LOCKER,
    name="Paczkomat przy Galerii Krakowskiej KRA07L",
    street="ul. Pawia 5",
    city="Kraków",
    postal_code="31-154",
    country="PL",
    latitude=50.0675,
    longitude=19.9449,
    opening_hours="24/7",
    pickup_deadline=(NOW + timedelta(days=2)).replace(second=0, microsecond=0),
    pickup_code="482913",
)


async def _seed(url: str) -> None:
    """A Polish customer's parcel arrives at a locker through the one ingest path."""
    from portal.tracking.ingest import ingest

    await portal_db.connect(url)
    try:
        shop = await factories.merchant(slug="locker-shop", name="Sklep", time_zone="Europe/Warsaw")
        order = await factories.order(shop, number="#P1", ship_country="PL")
        shipment = await factories.shipment(
            shop, order=order, tracking_number=NUMBER, status=Status.IN_TRANSIT, last_polled_at=NOW
        )
        scans = [
            TrackingEvent(NOW - timedelta(days=1), Status.IN_TRANSIT, None, "ARR",
                          "Arrived at sort facility", "Warszawa", None, None, "PL"),
            TrackingEvent(NOW - timedelta(hours=1), Status.AVAILABLE_FOR_PICKUP, None, "RPP",
                          "Ready for collection at a pickup point", "Kraków", None, None, "PL"),
        ]  # fmt: skip
        result = TrackingResult(
            NUMBER, Status.AVAILABLE_FOR_PICKUP, events=scans, pickup_point=LOCKER
        )
        await ingest(
            shipment, result, source=EventSource.POLL, now=NOW, settings=factories.app_settings()
        )
    finally:
        await portal_db.disconnect()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    root = tmp_path_factory.mktemp("locker-live")
    port = _free_port()
    url = f"sqlite://{root}/live.sqlite3"
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(root / "var"),
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": "s" * 40,
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    copy_migrated(sqlite_template, root / "live.sqlite3")
    _run_async(_seed(url))
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.tracking_page.liveapp:create",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield base


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def test_a_locker_parcel_reads_in_polish_on_a_phone(phone: Any, live: str) -> None:
    phone.goto(f"{live}/track/{NUMBER}?lang=pl")
    assert phone.locator("html").get_attribute("lang") == "pl"
    point = phone.locator(".pickup")
    assert point.is_visible()
    text = point.inner_text()
    assert "Gdzie odebrać przesyłkę" in text and "Automat paczkowy" in text
    assert "Paczkomat przy Galerii Krakowskiej KRA07L" in text
    assert "ul. Pawia 5" in text and "31-154 Kraków" in text and "24/7" in text
    deadline = phone.locator(".pickup-deadline")
    assert "Odbierz do" in deadline.inner_text()
    local = LOCKER.pickup_deadline.astimezone(_warsaw())  # type: ignore[union-attr]
    assert f"{local:%H:%M}" in deadline.inner_text()
    assert deadline.locator("time").get_attribute("datetime") == local.isoformat()
    link = phone.locator("a.pickup-map")
    assert link.inner_text() == "Pokaż w OpenStreetMap"
    assert (link.get_attribute("href") or "").startswith(
        "https://www.openstreetmap.org/?mlat=50.067500&mlon=19.944900#map=18/"
    )
    assert "482913" not in phone.content(), "a number alone never shows the pickup code"
    widths = phone.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"horizontal scroll at 390 px: {widths}"
    requests: list[str] = []
    phone.on("request", lambda r: requests.append(r.url))
    phone.reload()
    assert not [u for u in requests if "openstreetmap" in u], "no map tiles are loaded"
    violations = axe_violations(phone)
    assert violations == [], [(v["id"], v["help"], v["nodes"][0]["html"]) for v in violations]


def _warsaw() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Warsaw")
