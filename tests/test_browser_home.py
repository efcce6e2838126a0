"""The home page in a real browser: accessible, keyboard-usable, in every shipped language."""

from __future__ import annotations

from typing import Any

import pytest

from portal import i18n
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_home_page_has_no_serious_accessibility_violations(
    page: Any, live_server: str, locale: str
) -> None:
    page.goto(f"{live_server}/?lang={locale}")
    assert page.locator("html").get_attribute("lang") == locale
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"]) for v in violations]


def test_the_skip_link_is_the_first_stop_for_the_keyboard(page: Any, live_server: str) -> None:
    page.goto(live_server)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_htmx_loads_under_the_content_security_policy(page: Any, live_server: str) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server)
    assert page.evaluate("typeof htmx") == "object"
    assert not [e for e in errors if "Content Security Policy" in e], errors
