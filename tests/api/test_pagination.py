"""Signed cursors: pages are stable while rows are inserted; forged cursors are refused."""

from __future__ import annotations

import httpx
import pytest

from portal.api import pagination
from portal.api.errors import ApiError
from portal.models import Merchant
from tests import factories


async def _pages(api: httpx.AsyncClient, path: str, **params: str) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = (await api.get(path, params=query)).json()
        pages.append([s["id"] for s in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_inserting_while_paging_neither_repeats_nor_skips(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    existing = [(await factories.shipment(shop)).id for _ in range(5)]
    first = (await api.get("/api/v1/shipments", params={"limit": "2"})).json()
    await factories.shipment(shop)  # arrives mid-way: newer than everything listed
    seen = [s["id"] for s in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        body = (await api.get("/api/v1/shipments", params={"limit": "2", "cursor": cursor})).json()
        seen += [s["id"] for s in body["data"]]
        cursor = body["next_cursor"]
    assert seen == sorted(existing, reverse=True)


async def test_the_last_full_page_has_no_next_cursor(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    for _ in range(4):
        await factories.shipment(shop)
    assert [len(p) for p in await _pages(api, "/api/v1/shipments", limit="2")] == [2, 2]


async def test_a_forged_or_foreign_cursor_is_refused(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    for _ in range(3):
        await factories.order(shop)
    cursor = (await api.get("/api/v1/orders", params={"limit": "1"})).json()["next_cursor"]
    assert cursor
    for bad in (cursor[:-1] + ("0" if cursor[-1] != "0" else "1"), "garbage", "e30.x"):
        response = await api.get("/api/v1/orders", params={"cursor": bad})
        assert response.status_code == 422
        assert response.json()["errors"][0]["parameter"] == "cursor"
    foreign = await api.get("/api/v1/shipments", params={"cursor": cursor})
    assert foreign.status_code == 422


async def test_limit_is_bounded(api: httpx.AsyncClient) -> None:
    for limit in ("0", "101"):
        assert (await api.get("/api/v1/shipments", params={"limit": limit})).status_code == 422


def test_a_cursor_round_trips_and_needs_the_secret() -> None:
    cursor = pagination.encode("s" * 40, "orders", 42)
    assert pagination.decode("s" * 40, "orders", cursor) == 42
    with pytest.raises(ApiError):
        pagination.decode("other" * 8, "orders", cursor)


def test_a_non_ascii_cursor_is_refused_cleanly() -> None:
    with pytest.raises(ApiError):
        pagination.decode("s" * 40, "orders", "abc.é")
