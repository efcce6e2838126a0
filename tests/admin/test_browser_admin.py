"""The workspace in Debian's Chromium: keyboard-only sign-in, adding a carrier account,
and axe on the sign-in, shipments and settings pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.admin.live_workspace import live_workspace
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """uvicorn on :func:`tests.admin.live_app.make_app` with the demo shop; its base URL."""
    with live_workspace(tmp_path_factory, sqlite_template, ["portal.cli", "demo"]) as live:
        yield live.base


def _sign_in_with_keyboard(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/login")
    page.keyboard.press("Tab")  # skip link
    focused = ""
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused == "email":
            break
    assert focused == "email"
    page.keyboard.type(DEMO_EMAIL)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/admin/")


def _assert_axe_clean(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][:2]) for v in violations]


def test_the_login_page_is_accessible(page: Any, admin_server: str) -> None:
    page.goto(f"{admin_server}/admin/login")
    _assert_axe_clean(page)


def test_signing_in_with_the_keyboard_only(page: Any, admin_server: str) -> None:
    _sign_in_with_keyboard(page, admin_server)
    assert page.locator("h1").inner_text() == "Home"


def test_the_shipments_and_settings_pages_are_accessible(page: Any, admin_server: str) -> None:
    _sign_in_with_keyboard(page, admin_server)
    _assert_axe_clean(page)
    page.goto(f"{admin_server}/admin/settings")
    _assert_axe_clean(page)


def test_adding_a_carrier_account(page: Any, admin_server: str) -> None:
    _sign_in_with_keyboard(page, admin_server)
    page.goto(f"{admin_server}/admin/carriers")
    page.select_option("#carrier", "sandbox")
    page.get_by_role("button", name="Continue").click()
    page.fill("#name", "Browser sandbox")
    page.fill("#cred_api_key", "browser-key")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/admin/carriers?done=saved")
    assert page.get_by_role("link", name="Browser sandbox").is_visible()
    _assert_axe_clean(page)
