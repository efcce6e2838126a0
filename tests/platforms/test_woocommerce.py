"""A WooCommerce store end to end, faked at HTTP only: connect with ``portal connect``,
backfill 250 orders through the pagination headers, signed webhooks create the order and
its shipment, forged and replayed ones change nothing, DHL's delivered scan becomes an
order note, a 429 is waited out."""

from __future__ import annotations

import argparse
import copy
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from portal.cli import CommandError, connect_store
from portal.crypto import decrypt_json
from portal.models import (
    Merchant,
    Order,
    OrderItem,
    PlatformConnection,
    Resolution,
    ReturnItem,
    ReturnRequest,
    ReturnState,
    Shipment,
)
from portal.platforms import webhooks
from portal.platforms.backfill import sync_connection
from portal.platforms.writeback import push_once
from portal.returns.states import transition
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests.platforms.fakes import (
    DHL_NUMBER,
    WOO,
    WOO_KEY,
    WOO_SECRET,
    FakeWoo,
    connect_args,
    connect_by_cli,
    fixture,
    outside,
    store_settings,
    woo_delivery,
    woo_order,
)

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, db: str) -> Settings:
    return store_settings(tmp_path, database_url)


@pytest.fixture
def store() -> FakeWoo:
    return FakeWoo(orders=[woo_order(n, BASE) for n in range(250)])


@pytest.fixture
async def http(store: FakeWoo) -> AsyncIterator[httpx.AsyncClient]:
    async with outside("shop.example.com", store.answer) as client:
        yield client


def cli_args(**overrides: str | bool) -> argparse.Namespace:
    values = {"url": WOO, "key": WOO_KEY, "secret": WOO_SECRET, "no_webhooks": False}
    return connect_args("woocommerce", **{**values, **overrides})


async def connected(settings: Settings, http: httpx.AsyncClient) -> PlatformConnection:
    said = [f"Connected woocommerce store {WOO} (250 orders).", "Webhooks registered: 4."]
    return await connect_by_cli(settings, http, cli_args(), said)


async def test_portal_connect_registers_signed_webhooks_and_refuses_bad_keys(
    settings: Settings, store: FakeWoo, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)

    assert [h["topic"] for h in store.hooks] == [
        "order.created", "order.updated", "product.created", "product.updated",
    ]  # fmt: skip
    secret = decrypt_json(settings, connection.credentials_encrypted)["webhook_secret"]
    assert {h["secret"] for h in store.hooks} == {secret}
    assert {h["delivery_url"] for h in store.hooks} == {
        f"https://doorstep.example.com/webhooks/platforms/{connection.id}"
    }
    with pytest.raises(CommandError, match="refused these credentials"):
        await connect_store(
            cli_args(url="https://shop.example.com/", key="ck_wrong"), settings, http
        )
    with pytest.raises(CommandError, match="no merchant"):
        await connect_store(cli_args(merchant="nobody"), settings, http)


async def test_portal_connect_reads_the_keys_from_standard_input(
    settings: Settings, store: FakeWoo, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--key - --secret -``: one line each, in order, so neither is in the shell's
    history or the process list."""
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{WOO_KEY}\n{WOO_SECRET}\n"))
    said = [f"Connected woocommerce store {WOO} (250 orders).", "Webhooks registered: 4."]

    connection = await connect_by_cli(settings, http, cli_args(key="-", secret="-"), said)

    stored = decrypt_json(settings, connection.credentials_encrypted)
    assert (stored["consumer_key"], stored["consumer_secret"]) == (WOO_KEY, WOO_SECRET)


async def test_backfill_follows_the_link_header_through_250_orders_once(
    settings: Settings, store: FakeWoo, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)

    store.pages.clear()  # connecting read one order to check the keys
    report = await sync_connection(connection, settings, http)

    assert store.pages == [1, 2, 3]
    assert report.orders_created == 250
    assert await Order.all().count() == 250
    order = await Order.get(number="10000")
    assert (order.email, order.ship_city, order.ship_postal_code) == (
        "buyer0@example.com", "San Francisco", "94103",
    )  # fmt: skip
    assert order.shipping_total == Decimal("10.00"), "delivery as paid, refunded on withdrawal"
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    assert [(i.sku, i.quantity, i.variant_options) for i in items] == [
        ("woo-93", 2, {}), ("Bar3", 1, {"Color": "Black", "Size": "M Test"}),
    ]  # fmt: skip

    again = await sync_connection(await PlatformConnection.get(), settings, http, full=True)
    assert (again.orders_created, again.orders_unchanged) == (0, 250)
    assert await Order.all().count() == 250


async def test_signed_webhooks_bring_the_order_and_its_parcel_and_the_delivery_goes_back(
    settings: Settings, store: FakeWoo, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    secret = store.hooks[0]["secret"]
    order = fixture("woocommerce", "order.json")
    untracked = {**copy.deepcopy(order), "meta_data": []}

    created = await webhooks.handle(
        connection.id, *woo_delivery("order.created", untracked, "d-1", secret), settings=settings
    )
    assert (created.status, created.result) == (200, "applied")
    assert not await Shipment.exists()
    # The Shipment Tracking extension adds the parcel: WooCommerce sends order.updated.
    tracked = {**order, "date_modified_gmt": "2026-11-22T20:00:00"}
    updated = await webhooks.handle(
        connection.id, *woo_delivery("order.updated", tracked, "d-2", secret), settings=settings
    )
    assert updated.status == 200
    shipment = await Shipment.get(tracking_number=DHL_NUMBER)
    assert shipment.carrier_key == "dhl"
    assert shipment.order_id == (await Order.get(number="727")).id

    await sweep_until_idle(settings, client=http)
    await push_once(settings, client=http)

    assert store.notes == [
        {"order": "727", "note": f"Parcel {DHL_NUMBER} (DHL): Delivered.", "customer_note": False}
    ]
    assert store.trackings == []  # the parcel came from the extension: not added twice


async def test_forged_and_replayed_webhooks_change_nothing_and_are_counted(
    settings: Settings, store: FakeWoo, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    secret = store.hooks[0]["secret"]
    order = fixture("woocommerce", "order.json")

    forged = await webhooks.handle(
        connection.id, *woo_delivery("order.created", order, "d-1", "guessed"), settings=settings
    )
    assert forged.status == 401
    assert not await Order.exists()

    first = woo_delivery("order.created", order, "d-1", secret)
    assert (await webhooks.handle(connection.id, *first, settings=settings)).status == 200
    moved = copy.deepcopy(order)
    moved["shipping"]["city"] = "Oakland"
    moved["date_modified_gmt"] = "2026-11-23T10:00:00"
    await webhooks.handle(
        connection.id, *woo_delivery("order.updated", moved, "d-2", secret), settings=settings
    )
    replay = await webhooks.handle(connection.id, *first, settings=settings)

    assert replay.result == "duplicate"
    assert (await Order.get(number="727")).ship_city == "Oakland"
    counted = await PlatformConnection.get(id=connection.id)
    assert (counted.webhooks_forged, counted.webhooks_replayed) == (1, 1)


async def test_a_429_is_waited_out(
    settings: Settings, store: FakeWoo, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    store.faults = [httpx.Response(429, headers={"Retry-After": "3"}, json={})]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    report = await sync_connection(connection, settings, http, sleep=sleep)

    assert waits == [3.0]
    assert report.orders_created == 250


async def test_a_resolved_returns_refund_goes_back_when_the_merchant_turned_it_on(
    settings: Settings, store: FakeWoo, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    secret = store.hooks[0]["secret"]
    await webhooks.handle(
        connection.id,
        *woo_delivery("order.created", fixture("woocommerce", "order.json"), "d-1", secret),
        settings=settings,
    )
    order = await Order.get(number="727")
    shirt = await OrderItem.get(order_id=order.id, sku="Bar3")

    async def resolve(number: str) -> None:
        request = await ReturnRequest.create(
            merchant_id=order.merchant_id, order=order, number=number,
            state=ReturnState.INSPECTED, refund_total=Decimal("12.00"),
        )  # fmt: skip
        await ReturnItem.create(
            return_request=request, order_item=shirt, quantity=1,
            resolution=Resolution.REFUND, amount=Decimal("12.00"),
        )  # fmt: skip
        await transition(request, ReturnState.RESOLVED, actor="staff", settings=settings)

    await resolve("R-0")  # writing returns back is off by default
    await push_once(settings, client=http)
    assert store.refunds == []

    await PlatformConnection.filter(id=connection.id).update(write_returns=True)
    await resolve("R-1")
    await push_once(settings, client=http)

    assert store.refunds == [
        {
            "order": "727",
            "amount": "12.00",
            "reason": "Return R-1 resolved in Doorstep",
            "api_refund": False,
            "api_restock": True,
            "line_items": [{"id": 316, "quantity": 1, "refund_total": "12.00"}],
        }
    ]


async def test_the_refunds_reason_is_in_the_shops_language(
    settings: Settings, store: FakeWoo, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    await Merchant.filter(id=connection.merchant_id).update(default_locale="uk")
    await PlatformConnection.filter(id=connection.id).update(write_returns=True)
    secret = store.hooks[0]["secret"]
    await webhooks.handle(
        connection.id,
        *woo_delivery("order.created", fixture("woocommerce", "order.json"), "d-1", secret),
        settings=settings,
    )
    order = await Order.get(number="727")
    shirt = await OrderItem.get(order_id=order.id, sku="Bar3")
    request = await ReturnRequest.create(
        merchant_id=order.merchant_id, order=order, number="R-7",
        state=ReturnState.INSPECTED, refund_total=Decimal("12.00"),
    )  # fmt: skip
    await ReturnItem.create(
        return_request=request, order_item=shirt, quantity=1,
        resolution=Resolution.REFUND, amount=Decimal("12.00"),
    )  # fmt: skip
    await transition(request, ReturnState.RESOLVED, actor="staff", settings=settings)
    await push_once(settings, client=http)

    [refund] = store.refunds
    assert refund["reason"] == "Повернення R-7 завершено в Doorstep"
