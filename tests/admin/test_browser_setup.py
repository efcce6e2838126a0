"""The home's set-up checklist in a real browser, for a shop that never loaded the demo (made
with ``portal merchant create`` and ``portal user create``): on a phone (390 px) in every
shipped language nothing scrolls sideways and axe-core finds no serious violation, and the
keyboard reaches each open step's link. Runs in Debian's Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.i18n import LOCALES
from tests.admin.test_browser_workspace import PHONE, ROOT
from tests.conftest import _free_port, axe_violations, copy_migrated, running_server

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "owner@fresh.test", "a long enough password"


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """A new shop and its owner, nothing else, served by uvicorn; its base URL."""
    root = tmp_path_factory.mktemp("setup-live")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_VAR_DIR": str(root / "var"),
           "PORTAL_DATABASE_URL": f"sqlite://{root}/live.sqlite3",
           "PORTAL_PUBLIC_BASE_URL": base, "PORTAL_LOG_LEVEL": "WARNING"}  # fmt: skip
    copy_migrated(sqlite_template, root / "live.sqlite3")
    for command in (
        ["merchant", "create", "--slug", "fresh", "--name", "Fresh Wear"],
        ["user", "create", "--merchant", "fresh", "--email", EMAIL, "--password", PASSWORD,
         "--role", "owner"],
    ):  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "portal.cli", *command], env=env, check=True, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.admin.live_app:make_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield base


@pytest.fixture(scope="module")
def phone(browser: Any, fresh_server: str) -> Iterator[Any]:
    """The new shop's owner, signed in, 390 px wide."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{fresh_server}/admin/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    try:
        yield page
    finally:
        context.close()


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
