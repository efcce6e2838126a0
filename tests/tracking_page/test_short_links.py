"""The short tracking link a text message carries opens the same page as the long one,
expires as the long one does, and a forged one gets the same friendly refusal."""

from __future__ import annotations

import httpx

from portal.core.links import make_short_tracking_link, make_tracking_link
from portal.tracking_page.config import PageConfig
from tests.tracking_page.conftest import Shop


def _path(web: httpx.AsyncClient, shop: Shop) -> str:
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    link = make_short_tracking_link(settings, shop.shipment)
    assert len(link) <= len(make_tracking_link(settings, shop.shipment)) - 13
    return link.removeprefix(settings.public_base_url)


async def test_a_short_link_opens_the_order_tier(web: httpx.AsyncClient, shop: Shop) -> None:
    response = await web.get(_path(web, shop))
    assert response.status_code == 200
    assert response.context["tier"] == "order"


async def test_a_forged_short_link_gets_a_friendly_400(web: httpx.AsyncClient, shop: Shop) -> None:
    path = _path(web, shop)
    forged = path[:-1] + ("A" if path[-1] != "A" else "B")
    response = await web.get(forged)
    assert response.status_code == 400
    assert "not valid" in response.text


async def test_an_old_short_link_gets_a_friendly_410(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    path = _path(web, shop)
    page_config.link_max_age = -1
    response = await web.get(path)
    assert response.status_code == 410
    assert "expired" in response.text
