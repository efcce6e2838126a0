"""Switching language in the middle of a return keeps the customer on their step's page."""

from __future__ import annotations

import re

import httpx

from tests.returns_page.helpers import EMAIL, Shop, csrf_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/returns"}


def _menu(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="languages" id="languages"[^>]*hx-swap-oob="true".*?</nav>', html,
                    re.S)  # fmt: skip
    assert nav, "the step sends the language menu out of band"
    return dict(re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', nav.group(0)))


async def test_the_language_menu_follows_the_step_after_an_htmx_lookup(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    start = await web.get("/returns")
    found = await web.post(
        "/returns",
        data={"order": shop.order.number, "contact": EMAIL, "csrf_token": csrf_of(start.text)},
        headers=HTMX,
    )
    assert found.status_code == 200
    links = {lang: href for href, lang in _menu(found.text).items()}
    assert links["pl"] == f"/returns/orders/{shop.order.id}?lang=pl"
    polish = await web.get(links["pl"])
    assert polish.status_code == 200
    assert polish.context["step"] == "returns/_items.html"  # type: ignore[attr-defined]
    assert 'lang="pl"' in polish.text
