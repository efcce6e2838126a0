"""``/stores``: the shop's connected stores, and a BaseLinker store's delivered status
chosen through the API as ``portal connect baselinker --delivered-status`` chooses it.

BaseLinker's API is faked with respx at its real address in its documented shape
(``getOrderStatusList``, https://api.baselinker.com/index.php?method=getOrderStatusList;
tests/fixtures/baselinker/SOURCE.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import respx
from starlette.applications import Starlette

from portal.crypto import encrypt_json
from portal.models import Merchant, Platform, PlatformConnection
from portal.platforms.backfill import claim_due
from tests import factories
from tests.platforms.fake_baselinker import BASELINKER_TOKEN
from tests.platforms.fakes import fixture

CONNECTOR = "https://api.baselinker.com/connector.php"


async def baselinker_store(app: Starlette, merchant: Merchant) -> PlatformConnection:
    """A BaseLinker account as ``portal connect baselinker`` leaves it."""
    return await PlatformConnection.create(
        merchant=merchant,
        platform=Platform.BASELINKER,
        shop_url="https://api.baselinker.com",
        credentials_encrypted=encrypt_json(app.state.settings, {"api_token": BASELINKER_TOKEN}),
        write_tracking=False,
    )


def status_list(request: httpx.Request) -> httpx.Response:
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert request.headers["X-BLToken"] == BASELINKER_TOKEN
    assert (form["method"], json.loads(form["parameters"])) == ("getOrderStatusList", {})
    return httpx.Response(200, json=fixture("baselinker", "get_order_status_list.json"))


async def test_it_lists_the_shops_stores_and_chooses_a_delivered_status_by_name(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant
) -> None:
    store = await baselinker_store(api_app, shop)
    await baselinker_store(api_app, await factories.merchant())  # another shop's

    listed = (await api.get("/api/v1/stores")).json()["data"]
    assert [(s["id"], s["platform"], s["delivered_status_id"]) for s in listed] == [
        (store.id, "baselinker", None)
    ]
    assert BASELINKER_TOKEN not in json.dumps(listed)

    with respx.mock() as base:
        base.post(CONNECTOR).mock(side_effect=status_list)
        chosen = await api.patch(f"/api/v1/stores/{store.id}", json={"delivered_status": "shipped"})
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["delivered_status_id"], chosen.json()["write_tracking"]) == (1053, True)
    saved = await PlatformConnection.get(id=store.id)
    assert (saved.delivered_status_id, saved.write_tracking) == (1053, True)

    off = await api.patch(f"/api/v1/stores/{store.id}", json={"delivered_status": None})
    assert (off.json()["delivered_status_id"], off.json()["write_tracking"]) == (None, False)


async def test_a_status_the_account_lacks_and_another_shops_store_change_nothing(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant
) -> None:
    store = await baselinker_store(api_app, shop)
    theirs = await baselinker_store(api_app, await factories.merchant())

    with respx.mock() as base:
        base.post(CONNECTOR).mock(side_effect=status_list)
        refused = await api.patch(
            f"/api/v1/stores/{store.id}", json={"delivered_status": "Zugestellt"}
        )
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert error["pointer"] == "/delivered_status"
    assert "1051 New orders, 1052 To be paid (courier), 1053 Shipped" in error["detail"]
    assert (await PlatformConnection.get(id=store.id)).delivered_status_id is None

    other = await api.patch(f"/api/v1/stores/{theirs.id}", json={"delivered_status": "1053"})
    assert other.status_code == 404
    assert (await PlatformConnection.get(id=theirs.id)).delivered_status_id is None


async def test_a_shop_on_the_api_alone_switches_the_write_back_as_the_stores_screen_does(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant
) -> None:
    """docs/platforms.md: tracking goes back to Shopify, WooCommerce and PrestaShop,
    refunds of resolved returns to Shopify and WooCommerce; BaseLinker's write-back is its
    delivered status."""
    secret = encrypt_json(
        api_app.state.settings, {"consumer_key": "ck_1", "consumer_secret": "cs_1"}
    )
    woo = await PlatformConnection.create(
        merchant=shop, platform=Platform.WOOCOMMERCE, shop_url="https://sklep.example.ro",
        credentials_encrypted=secret,
    )  # fmt: skip
    presta = await PlatformConnection.create(
        merchant=shop, platform=Platform.PRESTASHOP, shop_url="https://presta.example.ro",
        credentials_encrypted=secret, write_tracking=False,
    )  # fmt: skip
    base = await baselinker_store(api_app, shop)

    on = await api.patch(f"/api/v1/stores/{woo.id}", json={"write_returns": True})
    assert on.status_code == 200, on.text
    assert (on.json()["write_tracking"], on.json()["write_returns"]) == (True, True)
    off = await api.patch(f"/api/v1/stores/{woo.id}", json={"write_tracking": False})
    assert (off.json()["write_tracking"], off.json()["write_returns"]) == (False, True)
    saved = await PlatformConnection.get(id=woo.id)
    assert (saved.write_tracking, saved.write_returns) == (False, True)

    tracked = await api.patch(f"/api/v1/stores/{presta.id}", json={"write_tracking": True})
    assert tracked.json()["write_tracking"] is True
    for store, change, pointer in [
        (presta, {"write_returns": True}, "/write_returns"),
        (base, {"write_returns": True}, "/write_returns"),
        (base, {"write_tracking": True}, "/write_tracking"),
        (woo, {"write_returns": False, "delivered_status": "Shipped"}, "/delivered_status"),
    ]:
        refused = await api.patch(f"/api/v1/stores/{store.id}", json=change)
        assert refused.status_code == 422, refused.text
        assert [e["pointer"] for e in refused.json()["errors"]] == [pointer]
    assert (await PlatformConnection.get(id=presta.id)).write_returns is False
    assert (await PlatformConnection.get(id=woo.id)).write_returns is True, "all or nothing"
    assert (await PlatformConnection.get(id=base.id)).write_tracking is False


async def test_sync_now_makes_the_store_due_for_the_workers_next_sync(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant
) -> None:
    """The Stores screen's Sync now, for a shop on the API alone: the worker's
    ``sync-stores`` job (every minute) reads the store on its next run."""
    store = await baselinker_store(api_app, shop)
    later = datetime.now(UTC) + timedelta(minutes=15)
    await PlatformConnection.filter(id=store.id).update(next_sync_at=later)
    assert await claim_due(datetime.now(UTC)) is None, "synced a moment ago"

    asked = await api.post(f"/api/v1/stores/{store.id}/sync")
    assert asked.status_code == 200, asked.text
    assert asked.json()["id"] == store.id
    claimed = await claim_due(datetime.now(UTC))
    assert claimed is not None and claimed.id == store.id

    theirs = await baselinker_store(api_app, await factories.merchant())
    assert (await api.post(f"/api/v1/stores/{theirs.id}/sync")).status_code == 404
