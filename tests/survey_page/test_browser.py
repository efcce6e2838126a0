"""The survey page in Debian's Chromium: answered by keyboard through htmx, axe-core clean."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from portal import db as portal_db
from portal.models import Outcome, SurveyAnswer
from portal.surveys.answers import EDIT_GRACE
from tests import factories
from tests.conftest import _free_port, _run_async, axe_violations, copy_migrated, running_server
from tests.survey_page.helpers import survey

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Live:
    base: str
    database_url: str
    open_token: str
    answered_token: str


async def _seed(url: str) -> tuple[str, str]:
    await portal_db.connect(url)
    try:
        shop = await factories.merchant(
            slug="survey-shop",
            name="Survey Shop",
            branding={"primary_color": "#ffcc00", "support_email": "help@survey.test"},
        )
        _, open_token = await survey(shop, outcome=Outcome.SMOOTH)
        _, answered = await survey(shop, completed_ago=EDIT_GRACE + timedelta(hours=1))
        return open_token, answered
    finally:
        await portal_db.disconnect()


async def _answers(url: str) -> dict[str, tuple[int | None, str | None]]:
    await portal_db.connect(url)
    try:
        return {a.question: (a.score, a.comment) for a in await SurveyAnswer.all()}
    finally:
        await portal_db.disconnect()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("survey-live")
    port = _free_port()
    url = f"sqlite://{root}/live.sqlite3"
    env = {**os.environ, "PORTAL_VAR_DIR": str(root / "var"), "PORTAL_DATABASE_URL": url,
           "PORTAL_SECRET_KEY": "s" * 40, "PORTAL_LOG_LEVEL": "WARNING"}  # fmt: skip
    copy_migrated(sqlite_template, root / "live.sqlite3")
    open_token, answered = _run_async(_seed(url))
    command = [sys.executable, "-m", "uvicorn", "--factory", "portal.app:create_app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield Live(base, url, open_token, answered)


def _tab_to(page: Any, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def _clean(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][0]["html"]) for v in violations]


def test_a_customer_answers_by_keyboard_and_is_thanked(page: Any, live: Live) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live.base}/s/{live.open_token}")
    _clean(page)
    page.evaluate("window.sameDocument = true")  # gone if a tap reloaded the page

    _tab_to(page, "q-csat_delivery-4")
    page.keyboard.press("Enter")
    chosen = page.locator("#q-csat_delivery-4")
    expect(chosen).to_have_attribute("aria-pressed", "true")
    assert page.locator("#q-csat_delivery [aria-pressed=true]").count() == 1
    expect(page.locator("#survey-status")).to_contain_text("1 of 2 questions answered.")
    assert page.evaluate("document.activeElement.id") == "q-csat_delivery-4"  # focus kept

    _tab_to(page, "q-nps-3")
    page.keyboard.press("Space")
    expect(page.locator("#q-nps-3")).to_have_attribute("aria-pressed", "true")
    thanks = page.locator("#survey-status[aria-live=polite] #thanks")
    expect(thanks).to_contain_text("Thank you!")
    expect(thanks).to_contain_text("Survey Shop would like to help")
    assert page.locator("#thanks a[href='mailto:help@survey.test']").count() == 1

    _tab_to(page, "q-nps-comment")
    page.keyboard.type("The parcel came a day late.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-nps-save"
    with page.expect_response(lambda r: r.url.endswith("/answers") and r.status == 200):
        page.keyboard.press("Enter")
    expect(page.locator("#q-nps-comment")).to_have_value("The parcel came a day late.")
    assert page.evaluate("document.activeElement.id") == "q-nps-save"

    assert page.evaluate("window.sameDocument") is True
    assert _run_async(_answers(live.database_url)) == {
        "csat_delivery": (4, None),
        "nps": (3, "The parcel came a day late."),
    }
    _clean(page)
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []


def test_the_already_answered_page_is_accessible(page: Any, live: Live) -> None:
    page.goto(f"{live.base}/s/{live.answered_token}?lang=el")
    assert page.locator("html").get_attribute("lang") == "el"
    _clean(page)
