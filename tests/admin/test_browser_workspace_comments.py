"""What customers wrote in surveys, read in the workspace on a 390 px phone in Debian's
Chromium: the shipment's and the return's *Customer feedback* and the Satisfaction
analytics' *What customers wrote*, with words longer than the screen, Cyrillic and Greek
and a 2,000-character comment (tests/admin/comments_seed.py).

In every shipped language nothing scrolls sideways, each comment wraps inside its column
and axe-core finds nothing serious; the list's pages are reached and followed with Tab
and Enter, with the focus visible; headings and landmarks give a screen reader the
outline; times are on the shop's clock. From an empty database, on SQLite and on
PostgreSQL when ``PORTAL_TEST_POSTGRES`` is set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from tortoise import Tortoise, connections

from portal import db as portal_db
from portal.i18n import LOCALES
from tests.admin import comments_seed as seed
from tests.admin.live_workspace import PHONE, live_workspace, signed_in_phone
from tests.conftest import ENGINES, _run_async, _truncate_all, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SATISFACTION = f"/admin/analytics/satisfaction?{seed.PERIOD}"
#: English, which the tests below read (a ``lang`` chosen earlier is kept by the session).
EN = "lang=en"
#: Elements that reach past the right edge of the viewport, to say where to look.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className}`)"""
#: Comments whose text runs out of their box instead of wrapping inside it.
UNWRAPPED = """() => [...document.querySelectorAll('.feedback blockquote')]
  .filter(e => e.scrollWidth > e.clientWidth + 1
            || e.getBoundingClientRect().right > document.documentElement.clientWidth)
  .map(e => e.textContent.trim().slice(0, 30))"""
#: The page's headings as (level, text), in document order.
OUTLINE = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .map(h => [Number(h.tagName[1]), h.textContent.trim()])"""


async def _empty(url: str) -> None:
    await Tortoise.init(config=portal_db.tortoise_config(url))
    try:
        await _truncate_all()
    finally:
        await connections.close_all()


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[tuple[str, dict[str, int]]]:
    """The workspace served over an empty migrated database holding only the seeded shop;
    its base URL and the seed's ids (shop, shipment, return)."""
    url = ""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        _run_async(_empty(url))
    with live_workspace(
        tmp_path_factory, sqlite_template, ["tests.admin.comments_seed"], database_url=url
    ) as live:
        yield live.base, json.loads(live.outputs[0])


@pytest.fixture(scope="module")
def phone(browser: Any, server: tuple[str, dict[str, int]]) -> Iterator[Any]:
    with signed_in_phone(browser, server[0], seed.EMAIL, seed.PASSWORD) as page:
        yield page


def _pages(ids: dict[str, int]) -> list[str]:
    return [f"/admin/shipments/{ids['shipment']}", f"/admin/returns/{ids['return']}",
            SATISFACTION]  # fmt: skip


def _fits(page: Any, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (where, width, page.evaluate(WIDE))
    assert page.evaluate(UNWRAPPED) == [], where


@pytest.mark.parametrize("locale", LOCALES)
def test_comments_fit_a_phone_and_pass_axe_in_every_language(
    phone: Any, server: tuple[str, dict[str, int]], locale: str
) -> None:
    base, ids = server
    for path in _pages(ids):
        response = phone.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={locale}")
        assert response.status == 200, path
        assert phone.locator("html").get_attribute("lang") == locale
        assert phone.locator(".feedback blockquote").count() >= 2, path
        _fits(phone, path)
        violations = axe_violations(phone)
        assert violations == [], (
            path,
            [(v["id"], v["help"], v["nodes"][0]["target"]) for v in violations],
        )


def test_the_longest_comment_is_shown_whole_and_lines_kept(
    phone: Any, server: tuple[str, dict[str, int]]
) -> None:
    base, ids = server
    phone.goto(f"{base}/admin/returns/{ids['return']}")
    quotes = phone.locator(".feedback blockquote").all_inner_texts()
    assert seed.LONG.strip() in [q.strip() for q in quotes]
    assert seed.LINES in quotes  # its line break shown, not folded into a space
    phone.goto(f"{base}/admin/shipments/{ids['shipment']}")
    assert seed.UNBROKEN in phone.locator(".feedback blockquote").all_inner_texts()


def test_headings_and_landmarks_outline_the_comments(
    phone: Any, server: tuple[str, dict[str, int]]
) -> None:
    """One h1 per page, no level skipped, the comments under an h2 of their own that also
    names their region, all inside the main landmark."""
    base, ids = server
    for path, heading in zip(
        _pages(ids), ["Customer feedback", "Customer feedback", "What customers wrote"], strict=True
    ):
        phone.goto(f"{base}{path}{'&' if '?' in path else '?'}{EN}")
        outline = phone.evaluate(OUTLINE)
        assert [level for level, _ in outline].count(1) == 1, (path, outline)
        for (before, _), (after, text) in pairwise(outline):
            assert after <= before + 1, (path, text, outline)
        assert [2, heading] in outline, (path, outline)
        region = phone.get_by_role("region", name=heading)
        assert region.count() == 1, path
        assert phone.locator("main").get_by_role("region", name=heading).count() == 1, path
        assert region.get_by_role("list").count() >= 1, path


def test_times_are_on_the_shops_clock(phone: Any, server: tuple[str, dict[str, int]]) -> None:
    """The parcel's answers were written at 20:07 UTC on 20 November: 01:37 on the 21st
    in Kolkata, where the shop is; each ``<time>`` also carries the instant for machines."""
    base, ids = server
    for path in (f"/admin/shipments/{ids['shipment']}", SATISFACTION):
        phone.goto(f"{base}{path}{'&' if '?' in path else '?'}{EN}")
        times = phone.locator(".feedback time")
        shown = times.all_inner_texts()
        assert seed.ON_SHOP_CLOCK in shown, (path, shown)
        stamp = times.nth(shown.index(seed.ON_SHOP_CLOCK)).get_attribute("datetime")
        moment = datetime.fromisoformat(stamp)
        assert moment.tzinfo is not None, stamp
        assert moment == seed.WRITTEN, stamp
        on_shop_clock = format_datetime(
            moment, "MMM d, y, h:mm\u202fa", tzinfo=ZoneInfo(seed.ZONE), locale="en"
        )
        assert on_shop_clock == shown[shown.index(seed.ON_SHOP_CLOCK)]


def _tab_to(page: Any, name: str, limit: int = 120) -> None:
    """Press Tab until the focused element is the link called ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name!r} is not reached with Tab")


def _focus_is_visible(page: Any) -> bool:
    return bool(
        page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
              return e.matches(':focus-visible') && s.outlineStyle !== 'none'
                && parseFloat(s.outlineWidth) >= 2; }"""
        )
    )


def test_the_comment_pages_are_followed_with_the_keyboard(
    phone: Any, server: tuple[str, dict[str, int]]
) -> None:
    """Tab reaches *Older comments*, its focus is visible, Enter opens the next page (the
    rest of the comments); from there *Newest comments* leads back the same way."""
    base, _ids = server
    phone.goto(f"{base}{SATISFACTION}&{EN}")
    first = phone.locator(".feedback blockquote").all_inner_texts()
    assert len(first) == 20
    pages = phone.get_by_role("navigation", name="Pages of comments")
    assert pages.count() == 1
    _tab_to(phone, "Older comments")
    assert _focus_is_visible(phone)
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert "comments_before=" in phone.url
    second = phone.locator(".feedback blockquote").all_inner_texts()
    assert len(second) == 4 + seed.MORE - 20
    assert not set(first) & set(second)
    assert phone.get_by_role("link", name="Older comments").count() == 0
    _tab_to(phone, "Newest comments")
    assert _focus_is_visible(phone)
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert "comments_before=" not in phone.url
    assert phone.locator(".feedback blockquote").all_inner_texts() == first
