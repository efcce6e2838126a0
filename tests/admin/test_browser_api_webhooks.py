"""API keys, webhooks and staff pages in Debian's Chromium: create a key and an endpoint,
send a test through htmx, and axe on every page involved."""

from __future__ import annotations

from typing import Any

import pytest

from portal.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.admin.test_browser_admin import admin_server  # noqa: F401  (the live server fixture)
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/login")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")


def _assert_axe_clean(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][:2]) for v in violations]


def test_creating_and_revoking_an_api_key(page: Any, admin_server: str) -> None:  # noqa: F811
    _sign_in(page, admin_server)
    page.get_by_role("link", name="API keys").click()
    page.wait_for_url("**/admin/api-keys")
    _assert_axe_clean(page)
    page.fill("#name", "Browser key")
    page.get_by_role("button", name="Create key").click()
    page.wait_for_selector("h1:has-text('API key created')")
    assert page.input_value("#plaintext").startswith("dsk_")
    _assert_axe_clean(page)
    page.get_by_role("link", name="Back to API keys").click()
    page.get_by_role("link", name="Revoke Browser key").first.click()
    _assert_axe_clean(page)
    page.get_by_role("button", name="Revoke key").click()
    page.wait_for_url("**/admin/api-keys?done=revoked")
    assert page.get_by_role("status").is_visible()
    _assert_axe_clean(page)


def test_adding_an_endpoint_and_sending_a_test(page: Any, admin_server: str) -> None:  # noqa: F811
    _sign_in(page, admin_server)
    page.goto(f"{admin_server}/admin/webhooks")
    _assert_axe_clean(page)
    page.fill("#url", "https://receiver.example.com/doorstep")
    page.get_by_label("A shipment is delivered").check()
    page.get_by_role("button", name="Add endpoint").click()
    page.wait_for_selector("h1:has-text('Endpoint added')")
    assert page.input_value("#secret").startswith("whsec_")
    _assert_axe_clean(page)
    page.get_by_role("link", name="Go to the endpoint").click()
    url_before = page.url
    page.get_by_role("button", name="Send test").click()
    page.wait_for_selector("#test-result [role=status]")
    assert page.url == url_before  # htmx swapped the fragment in; no navigation
    _assert_axe_clean(page)
    page.reload()
    assert page.locator("td code", has_text="ping").count() >= 1
    _assert_axe_clean(page)


def test_the_staff_page_is_accessible(page: Any, admin_server: str) -> None:  # noqa: F811
    _sign_in(page, admin_server)
    page.goto(f"{admin_server}/admin/staff")
    assert page.locator("h1").inner_text() == "Staff"
    _assert_axe_clean(page)
