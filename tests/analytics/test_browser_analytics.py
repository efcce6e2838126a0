"""The analytics overview in Debian's Chromium, with charts drawn: axe-core finds nothing
serious, the CSP blocks nothing, and the filter form swaps the results in place."""

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
PERIOD = "from=2026-11-16&to=2026-11-30"


@pytest.fixture(scope="module")
def analytics_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[str]:
    """The admin app on uvicorn with the demo shop holding the analytics test rows."""
    with live_workspace(
        tmp_path_factory, sqlite_template, ["portal.cli", "demo"], ["tests.analytics.live_seed"]
    ) as live:
        yield live.base


def test_the_analytics_overview_with_charts_is_accessible(page: Any, analytics_server: str) -> None:
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{analytics_server}/admin/login?next=/admin/analytics")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.goto(f"{analytics_server}/admin/analytics?{PERIOD}")
    assert page.locator("svg.chart[role=img]").count() == 3
    assert page.get_by_role("img", name="On-time delivery by carrier").is_visible()
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][:2]) for v in violations]

    page.select_option("#carrier", "ups")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**carrier=ups**")
    assert "carrier UPS" in page.locator("#results .period").inner_text()
    assert page.locator("#analytics-status").inner_text().startswith("Figures updated")
    assert blocked == []
