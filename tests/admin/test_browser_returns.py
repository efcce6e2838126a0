"""The returns queue in Debian's Chromium: a return is approved with the keyboard alone
(htmx swaps the detail in place and moves focus to the outcome), and axe-core finds no
serious or critical problem on the list or the detail page."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.conftest import _free_port, axe_violations, copy_migrated, running_server

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def queue_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, int]]:
    """The portal with the demo shop and one return under review: (base URL, return id)."""
    root = tmp_path_factory.mktemp("returns-live")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_VAR_DIR": str(root / "var"),
           "PORTAL_DATABASE_URL": f"sqlite://{root}/live.sqlite3",
           "PORTAL_PUBLIC_BASE_URL": base, "PORTAL_LOG_LEVEL": "WARNING"}  # fmt: skip
    copy_migrated(sqlite_template, root / "live.sqlite3")
    for command in (["-m", "portal.cli", "demo"],):
        subprocess.run([sys.executable, *command], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.admin.returns_seed"],
        env=env, check=True, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.admin.live_app:make_app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield base, int(seeded.stdout.strip().splitlines()[-1])


def _tab_to(page: Any, predicate: str, limit: int = 80) -> None:
    """Press Tab until ``predicate`` (JS on ``document.activeElement``) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return
    raise AssertionError(f"never reached an element where {predicate}")


def _assert_axe_clean(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][:2]) for v in violations]


def test_approving_a_return_with_the_keyboard(page: Any, queue_server: tuple[str, int]) -> None:
    base, return_id = queue_server
    page.goto(f"{base}/admin/login?next=/admin/returns")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{base}/admin/returns?state=needs_review")
    _assert_axe_clean(page)
    _tab_to(page, f"el.getAttribute('href') === '/admin/returns/{return_id}'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#return-state").inner_text() == "Needs review"
    _assert_axe_clean(page)
    _tab_to(page, "el.id === 'approve-note'")
    page.keyboard.type("Checked by keyboard")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Approve"
    url_before = page.url
    page.keyboard.press("Enter")
    page.wait_for_selector("#return-outcome .notice")
    assert page.url == url_before  # htmx swapped the detail in place
    assert page.evaluate("document.activeElement.id") == "return-outcome"
    assert "Return approved." in page.locator("#return-outcome").inner_text()
    assert page.locator("#return-state").inner_text() == "Awaiting the parcel"
    assert "Checked by keyboard" in page.locator("#history-heading + ol").inner_text()
    _assert_axe_clean(page)
