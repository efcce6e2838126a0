"""The tracking page in Debian's Chromium: accessible in every language, and live."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from carriers.base import Status, TrackingEvent, TrackingResult
from portal import db as portal_db
from portal import i18n
from portal.models import EventSource, Shipment
from tests import factories
from tests.conftest import _free_port, _run_async, axe_violations, copy_migrated, running_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "SBX00000004242"
NOW = datetime.now(UTC)


@dataclass
class Live:
    base: str
    database_url: str


async def _seed(url: str) -> None:
    await portal_db.connect(url)
    try:
        shop = await factories.merchant(
            slug="live-shop", name="Live Shop", branding={"primary_color": "#ffcc00"}
        )
        order = await factories.order(shop, number="#L1", ship_country="PL")
        shipment = await factories.shipment(
            shop,
            order=order,
            tracking_number=NUMBER,
            status=Status.IN_TRANSIT,
            shipped_at=NOW - timedelta(days=1),
            last_event_at=NOW - timedelta(hours=2),
            last_polled_at=NOW,
        )
        from portal.models import TrackingEvent as Event

        for n, (hours, status) in enumerate([(26, Status.INFO_RECEIVED), (2, Status.IN_TRANSIT)]):
            await Event.create(
                shipment=shipment,
                occurred_at=NOW - timedelta(hours=hours),
                status=status,
                description=f"Scan {n}",
                city="Kraków",
                country="PL",
                dedupe_key=f"seed-{n}",
            )
    finally:
        await portal_db.disconnect()


async def _arrive(url: str) -> None:
    """A carrier update arrives through the one ingest path, as a push would bring it."""
    from portal.tracking.ingest import ingest

    await portal_db.connect(url)
    try:
        shipment = await Shipment.get(tracking_number=NUMBER)
        now = datetime.now(UTC)
        result = TrackingResult(
            number=NUMBER,
            status=Status.OUT_FOR_DELIVERY,
            events=[
                TrackingEvent(now - timedelta(minutes=1), Status.OUT_FOR_DELIVERY, None, "OFD",
                              "On the van", "Kraków", None, None, "PL")
            ],
        )  # fmt: skip
        await ingest(
            shipment, result, source=EventSource.PUSH, now=now, settings=factories.app_settings()
        )
    finally:
        await portal_db.disconnect()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:

    root = tmp_path_factory.mktemp("tracking-live")
    port = _free_port()
    url = f"sqlite://{root}/live.sqlite3"
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(root / "var"),
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": "s" * 40,
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_TRACKING_POLL_SECONDS": "1",
    }
    copy_migrated(sqlite_template, root / "live.sqlite3")
    _run_async(_seed(url))
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.tracking_page.liveapp:create",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield Live(base, url)


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_tracking_page_has_no_serious_accessibility_violations(
    page: Any, live: Live, locale: str
) -> None:
    page.goto(f"{live.base}/track/{NUMBER}?lang={locale}")
    assert page.locator("html").get_attribute("lang") == locale
    assert page.locator(".status-region[aria-live=polite]").count() == 1
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][0]["html"]) for v in violations]


@pytest.mark.parametrize("path", ["/track", f"/track?number={NUMBER},SBX00000000001,bad!"])
def test_the_lookup_and_list_pages_have_no_serious_violations(
    page: Any, live: Live, path: str
) -> None:
    page.goto(f"{live.base}{path}")
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][0]["html"]) for v in violations]


def test_the_page_updates_by_itself_when_news_arrives(page: Any, live: Live) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live.base}/track/{NUMBER}")
    badge = page.locator(".status-badge")
    assert badge.inner_text() == "On its way"
    with page.expect_response(lambda r: r.url.endswith("/status") and r.status == 304):
        pass  # nothing changed yet: the poll is answered 304 and the page stays as it is
    assert badge.inner_text() == "On its way"
    _run_async(_arrive(live.database_url))
    expect(badge).to_have_text("Out for delivery", timeout=15_000)
    assert page.locator(".event-carrier-text", has_text="On the van").count() == 1
    assert page.locator(".status-region[aria-live=polite]").count() == 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
