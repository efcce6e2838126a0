"""Every workspace page on a phone (390 px wide) in every shipped language: nothing scrolls
sideways (``document.documentElement.scrollWidth <= 390``), and axe-core finds no serious
or critical violation. Runs in Debian's Chromium against the demo shop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.demo import DEMO_EMAIL, DEMO_PASSWORD
from portal.i18n import LOCALES
from tests.admin.live_workspace import PHONE, live_workspace, signed_in_phone
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser

#: Every workspace page a signed-in owner reaches from the navigation, and one of each
#: detail page (found from its list) — ``{first:<list>:<link prefix>}``.
PAGES = (
    "/admin/",
    "/admin/attention",
    "/admin/shipments",
    "{first:/admin/shipments:/admin/shipments/}",
    "/admin/orders",
    "{first:/admin/orders:/admin/orders/}",
    "/admin/products",
    "/admin/returns",
    "{first:/admin/returns:/admin/returns/}",
    "/admin/returns/policy",
    "/admin/returns/reasons",
    "/admin/analytics",
    "/admin/analytics/delivery",
    "/admin/analytics/returns",
    "/admin/analytics/satisfaction",
    "/admin/imports",
    "/admin/paste",
    "/admin/settings",
    "/admin/notifications/templates",
    "/admin/surveys",
    "/admin/carriers",
    "/admin/api-keys",
    "/admin/webhooks",
    "/admin/staff",
    "/admin/account",
)


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """The demo shop after one poll of the sandbox carrier (so parcels have moved and the
    attention queue has items), served by uvicorn; its base URL."""
    with live_workspace(
        tmp_path_factory, sqlite_template, ["portal.cli", "demo"], ["portal.cli", "poll", "--once"]
    ) as live:
        yield live.base


@pytest.fixture(scope="module")
def phone(browser: Any, admin_server: str) -> Iterator[Any]:
    """One signed-in page, 390 px wide, for the whole module."""
    with signed_in_phone(browser, admin_server, DEMO_EMAIL, DEMO_PASSWORD) as page:
        yield page


def _resolve(page: Any, base: str, path: str) -> str:
    if not path.startswith("{first:"):
        return path
    _, listing, prefix = path.strip("{}").split(":")
    page.goto(f"{base}{listing}")
    hrefs = page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    detail = [h for h in hrefs if h.startswith(prefix) and h[len(prefix) :].isdigit()]
    assert detail, f"no detail link under {listing}"
    return str(detail[0])


@pytest.fixture(scope="module")
def pages(phone: Any, admin_server: str) -> list[str]:
    return [_resolve(phone, admin_server, p) for p in PAGES]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_workspace_page_scrolls_sideways_on_a_phone(
    phone: Any,
    pages: list[str],
    admin_server: str,
    locale: str,
) -> None:
    too_wide = {}
    for path in pages:
        joiner = "&" if "?" in path else "?"
        response = phone.goto(f"{admin_server}{path}{joiner}lang={locale}")
        assert response.status == 200, path
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}


@pytest.mark.parametrize("locale", ["en", "pl"])
def test_workspace_pages_have_no_serious_accessibility_violations(
    phone: Any,
    pages: list[str],
    admin_server: str,
    locale: str,
) -> None:
    found = {}
    for path in pages:
        phone.goto(f"{admin_server}{path}?lang={locale}")
        violations = axe_violations(phone)
        if violations:
            found[path] = [(v["id"], v["nodes"][0]["target"]) for v in violations]
    assert found == {}


def test_the_home_at_390_px_in_polish(phone: Any, admin_server: str) -> None:
    """The README's screenshot, retaken on every run (docs/screenshots/)."""
    phone.goto(f"{admin_server}/admin/?lang=pl")
    assert phone.locator("h1").is_visible()
    target = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(target / "workspace-home-pl-390.png"), full_page=True)
