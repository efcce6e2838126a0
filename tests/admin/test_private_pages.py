"""Workspace pages show customers' names, addresses and messages: no browser or proxy keeps them."""

from __future__ import annotations

import httpx
import pytest

from tests import factories
from tests.admin.helpers import signed_in_owner


@pytest.mark.parametrize("path", ["/admin/shipments", "/admin/orders", "/admin/returns",
                                  "/admin/analytics", "/admin/account"])  # fmt: skip
async def test_workspace_pages_are_not_stored(
    client: httpx.AsyncClient, db: str, path: str
) -> None:
    shop = await factories.merchant()
    await factories.order(shop, ship_name="Jan Kowalski")
    await signed_in_owner(client, shop)
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


async def test_customer_pages_keep_their_own_caching(client: httpx.AsyncClient, db: str) -> None:
    response = await client.get("/")
    assert response.headers.get("Cache-Control") != "no-store"
