"""``GET /settings`` and ``PATCH /settings``: the shop's history retention, read and changed
within its bounds; another shop's setting is untouched."""

from __future__ import annotations

import httpx

from portal.models import Merchant
from tests import factories


async def test_the_retention_is_thirteen_months_unless_changed(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    response = await api.get("/api/v1/settings")
    assert response.status_code == 200
    assert response.json() == {"history_retention_months": 13}


async def test_a_shop_changes_its_own_retention(api: httpx.AsyncClient, shop: Merchant) -> None:
    other = await factories.merchant()

    response = await api.patch("/api/v1/settings", json={"history_retention_months": 6})

    assert response.status_code == 200
    assert response.json() == {"history_retention_months": 6}
    await shop.refresh_from_db()
    await other.refresh_from_db()
    assert (shop.history_retention_months, other.history_retention_months) == (6, 13)


async def test_a_retention_out_of_bounds_is_refused(api: httpx.AsyncClient, shop: Merchant) -> None:
    for months in (2, 121, "twelve"):
        response = await api.patch("/api/v1/settings", json={"history_retention_months": months})
        assert response.status_code == 422, months
    assert (await api.patch("/api/v1/settings", json={})).status_code == 422
    await shop.refresh_from_db()
    assert shop.history_retention_months == 13
