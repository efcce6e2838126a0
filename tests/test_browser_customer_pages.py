"""Every customer page on a 390 px phone, in every shipped language: nothing scrolls
sideways and axe-core finds no serious or critical violation.

The pages come from ``portal run`` with the demo shop (its parcels polled by the running
jobs, so every status the demo has is on screen): home, tracking by number for one parcel
of each status, the order page, the returns lookup, items and policy pages.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from portal import i18n
from tests.conftest import _free_port, axe_violations, running_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
PHONE = {"width": 390, "height": 844}
#: Elements wider than the viewport, for a failure message that says where to look.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className}`)"""


@dataclass
class Demo:
    base: str
    #: One tracking number per status the demo's parcels are in.
    numbers: dict[str, str]
    #: A delivered order: (number, postcode), for the order page and returns.
    delivered: tuple[str, str]


def _polled(database: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(database) as conn:
        return conn.execute(
            "SELECT s.tracking_number, s.status, o.number, o.ship_postal_code FROM shipment s"
            " JOIN orders o ON o.id = s.order_id WHERE s.carrier_key = 'sandbox'"
            " AND s.last_polled_at IS NOT NULL"
        ).fetchall()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("phone")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    database = root / "live.sqlite3"
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(root / "var"),
        "PORTAL_DATABASE_URL": f"sqlite://{database}",
        "PORTAL_PUBLIC_BASE_URL": base,
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_TRACKING_NUMBER_LIMIT": "100000",
    }
    for command in (["migrate"], ["demo"]):
        subprocess.run([sys.executable, "-m", "portal.cli", *command], env=env, check=True,
                       cwd=ROOT, capture_output=True)  # fmt: skip
    command = [sys.executable, "-m", "portal.cli", "run", "--port", str(port)]
    with running_server(command, base=base, env=env, cwd=ROOT):
        deadline = time.monotonic() + 60
        rows = _polled(database)
        while len(rows) < 20 and time.monotonic() < deadline:  # the jobs poll the sandbox
            time.sleep(1)
            rows = _polled(database)
        numbers = {status: number for number, status, _order, _postcode in rows}
        delivered = next((o, p) for _n, s, o, p in rows if s == "delivered")
        yield Demo(base, numbers, delivered)


def _check(page: Any, url: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (url, width, page.evaluate(WIDE))
    violations = axe_violations(page)
    assert violations == [], (
        url,
        [(v["id"], v["help"], v["nodes"][0]["html"]) for v in violations],
    )


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_tracking_pages_fit_a_phone_in_every_language(phone: Any, demo: Demo, locale: str) -> None:
    assert len(demo.numbers) >= 3, demo.numbers  # several statuses to look at
    for path in ["/", *(f"/track/{n}" for n in demo.numbers.values())]:
        phone.goto(f"{demo.base}{path}?lang={locale}")
        assert phone.locator("html").get_attribute("lang") == locale
        _check(phone, path)


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_order_and_returns_pages_fit_a_phone_in_every_language(
    phone: Any, demo: Demo, locale: str
) -> None:
    order, postcode = demo.delivered
    phone.goto(f"{demo.base}/?lang={locale}")
    phone.locator("#order").fill(order)
    phone.locator("#contact").fill(postcode)
    phone.locator("#by-order ~ form button, form[action='/orders/lookup'] button").first.click()
    phone.wait_for_load_state()
    assert phone.locator(".return-link").count() == 1  # a delivered order offers a return
    _check(phone, "order page")
    phone.locator(".return-link").click()
    phone.wait_for_load_state()
    _check(phone, "returns lookup")
    phone.locator("#contact").fill(postcode)
    phone.locator("#returns-step form button[type=submit]").click()
    phone.locator("#step-heading").wait_for()
    phone.wait_for_load_state("networkidle")
    _check(phone, "returns items")
    phone.goto(f"{demo.base}/returns/policy/demo?lang={locale}")
    _check(phone, "returns policy")
