"""Every customer page on a 390 px phone, in every shipped language: nothing scrolls
sideways and axe-core finds no serious or critical violation.

The pages come from ``portal run`` with the demo shop (its parcels polled by the running
jobs, so every status the demo has is on screen): home, tracking by number for one parcel
of each status, the order page, the returns lookup, items and policy pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from portal import i18n
from tests.conftest import Demo, axe_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: Elements wider than the viewport, for a failure message that says where to look.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className}`)"""


#: Labels of fact lists whose words run out of their column into the value next to them.
SPILLING = """() => [...document.querySelectorAll('.facts dt')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim())"""


def _check(page: Any, url: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (url, width, page.evaluate(WIDE))
    assert page.evaluate(SPILLING) == [], url
    violations = axe_violations(page)
    assert violations == [], (
        url,
        [(v["id"], v["help"], v["nodes"][0]["html"]) for v in violations],
    )


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_tracking_pages_fit_a_phone_in_every_language(phone: Any, demo: Demo, locale: str) -> None:
    assert len(demo.numbers) >= 3, demo.numbers  # several statuses to look at
    for path in ["/", *(f"/track/{n}" for n in demo.numbers.values())]:
        phone.goto(f"{demo.base}{path}?lang={locale}")
        assert phone.locator("html").get_attribute("lang") == locale
        _check(phone, path)


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_order_and_returns_pages_fit_a_phone_in_every_language(
    phone: Any, demo: Demo, locale: str
) -> None:
    order, postcode = demo.delivered
    phone.goto(f"{demo.base}/?lang={locale}")
    phone.locator("#order").fill(order)
    phone.locator("#contact").fill(postcode)
    phone.locator("#by-order ~ form button, form[action='/orders/lookup'] button").first.click()
    phone.wait_for_load_state()
    assert phone.locator(".return-link").count() == 1  # a delivered order offers a return
    _check(phone, "order page")
    phone.locator(".return-link").click()
    phone.wait_for_load_state()
    _check(phone, "returns lookup")
    phone.locator("#contact").fill(postcode)
    phone.locator("#returns-step form button[type=submit]").click()
    phone.locator("#step-heading").wait_for()
    phone.wait_for_load_state("networkidle")
    _check(phone, "returns items")
    phone.goto(f"{demo.base}/returns/policy/demo?lang={locale}")
    _check(phone, "returns policy")
