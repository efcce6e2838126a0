"""The home's set-up checklist in a real browser, for a shop that never loaded the demo (made
with ``portal merchant create`` and ``portal user create``): on a phone (390 px) in every
shipped language nothing scrolls sideways and axe-core finds no serious violation, and the
keyboard reaches each open step's link. Runs in Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.i18n import LOCALES
from tests.admin.live_workspace import PHONE, live_workspace, signed_in_phone
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "owner@fresh.test", "a long enough password"


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """A new shop and its owner, nothing else, served by uvicorn; its base URL."""
    with live_workspace(
        tmp_path_factory, sqlite_template,
        ["portal.cli", "merchant", "create", "--slug", "fresh", "--name", "Fresh Wear"],
        ["portal.cli", "user", "create", "--merchant", "fresh", "--email", EMAIL,
         "--password", PASSWORD, "--role", "owner"],
    ) as live:  # fmt: skip
        yield live.base


@pytest.fixture(scope="module")
def phone(browser: Any, fresh_server: str) -> Iterator[Any]:
    """The new shop's owner, signed in, 390 px wide."""
    with signed_in_phone(browser, fresh_server, EMAIL, PASSWORD) as page:
        yield page


@pytest.mark.parametrize("locale", LOCALES)
def test_the_checklist_fits_a_phone_and_passes_axe(
    phone: Any, fresh_server: str, locale: str
) -> None:
    phone.goto(f"{fresh_server}/admin/?lang={locale}")
    assert phone.locator("#setup-heading").is_visible()
    assert phone.locator(".setup-step.is-open").count() == 6
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    violations = axe_violations(phone)
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]


def test_the_keyboard_reaches_each_open_step(phone: Any, fresh_server: str) -> None:
    phone.goto(f"{fresh_server}/admin/?lang=en")
    wanted = phone.eval_on_selector_all(
        ".setup-step a", "links => links.map(a => a.getAttribute('href'))"
    )
    reached = []
    for _ in range(80):
        phone.keyboard.press("Tab")
        href = phone.evaluate("document.activeElement.getAttribute('href')")
        if phone.evaluate("!!document.activeElement.closest('.setup-step')"):
            reached.append(href)
        if len(reached) == len(wanted):
            break
    assert reached == wanted
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{fresh_server}{wanted[-1]}")
