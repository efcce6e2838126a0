"""The analytics overview in Debian's Chromium, with charts drawn: axe-core finds nothing
serious, the CSP blocks nothing, and the filter form swaps the results in place."""

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
PERIOD = "from=2026-11-16&to=2026-11-30"


@pytest.fixture(scope="module")
def analytics_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[str]:
    """The admin app on uvicorn with the demo shop holding the analytics test rows."""
    root = tmp_path_factory.mktemp("analytics-live")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_VAR_DIR": str(root / "var"),
           "PORTAL_DATABASE_URL": f"sqlite://{root}/live.sqlite3",
           "PORTAL_PUBLIC_BASE_URL": base, "PORTAL_LOG_LEVEL": "WARNING"}  # fmt: skip
    copy_migrated(sqlite_template, root / "live.sqlite3")
    for args in (["portal.cli", "demo"], ["tests.analytics.live_seed"]):
        subprocess.run([sys.executable, "-m", *args], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.admin.live_app:make_app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield base


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
