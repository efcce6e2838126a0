"""The returns queue in Debian's Chromium: a return is approved with the keyboard alone
(htmx swaps the detail in place and moves focus to the outcome), and axe-core finds no
serious or critical problem on the list or the detail page."""

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
def queue_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, int]]:
    """The portal with the demo shop and one return under review: (base URL, return id)."""
    with live_workspace(
        tmp_path_factory, sqlite_template, ["portal.cli", "demo"], ["tests.admin.returns_seed"]
    ) as live:
        yield live.base, int(live.outputs[-1].strip().splitlines()[-1])


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
