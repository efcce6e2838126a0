"""A BaseLinker account end to end, faked at HTTP only (``POST connector.php`` with
``X-BLToken``, https://api.baselinker.com/): connect with ``portal connect``, backfill 250
orders through ``getOrders`` pages of 100 (``date_confirmed_from`` moved to the last
confirmation, whose orders already read are skipped), a package from
``getOrderPackages`` becomes a tracked shipment, a reconciliation imports nothing twice, a
refused token pauses and a blocked token is waited out (the pace of 100 requests a minute:
test_baselinker_pacing.py). Payloads: tests/fixtures/baselinker/SOURCE.md."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from carriers.base import Status
from portal.cli import CommandError, connect_store
from portal.crypto import decrypt_json
from portal.models import (
    ConsentChange,
    Order,
    OrderItem,
    PlatformConnection,
    PlatformRecord,
    ProductVariant,
    RecordKind,
    Shipment,
)
from portal.platforms import webhooks
from portal.platforms.backfill import OVERLAP, claim_due, sync_connection
from portal.platforms.baselinker import PAGE, RECHECK, next_cursor
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests.platforms.fake_baselinker import (
    BASE,
    BASELINKER_TOKEN,
    CONNECTED_SAYS,
    FakeBaseLinker,
    fixtures,
    stamp,
)
from tests.platforms.fakes import (
    DHL_NUMBER,
    connect_args,
    connect_by_cli,
    fixture,
)

ACCOUNT = "https://api.baselinker.com"
SAID = CONNECTED_SAYS


settings, store, http = fixtures(orders=250)


def cli_args(**overrides: str | None) -> argparse.Namespace:
    return connect_args(
        "baselinker", **{"token": BASELINKER_TOKEN, "token_file": None, **overrides}
    )


async def connected(settings: Settings, http: httpx.AsyncClient) -> PlatformConnection:
    return await connect_by_cli(settings, http, cli_args(), SAID)


async def test_portal_connect_keeps_the_token_encrypted_and_refuses_a_wrong_one(
    settings: Settings,
    store: FakeBaseLinker,
    http: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = await connected(settings, http)

    assert connection.shop_url == ACCOUNT
    assert decrypt_json(settings, connection.credentials_encrypted) == {
        "api_token": BASELINKER_TOKEN
    }
    assert BASELINKER_TOKEN not in connection.credentials_encrypted
    assert (connection.webhooks, connection.paused_reason) == ([], None)
    # Nothing is written back to BaseLinker.
    assert (connection.write_tracking, connection.write_returns) == (False, False)
    assert store.count("getOrderStatusList") == 1  # the check

    # The token from standard input or from a file: the same account, reconnected.
    monkeypatch.setattr("sys.stdin", io.StringIO(BASELINKER_TOKEN + "\n"))
    assert (await connect_store(cli_args(token="-"), settings, http))[:2] == SAID
    secret = tmp_path / "token"
    secret.write_text(BASELINKER_TOKEN + "\n", encoding="utf-8")
    assert (await connect_store(cli_args(token=None, token_file=str(secret)), settings, http))[
        :2
    ] == SAID
    assert await PlatformConnection.all().count() == 1

    with pytest.raises(CommandError, match="refused these credentials"):
        await connect_store(cli_args(token="1-23-ABC"), settings, http)
    with pytest.raises(CommandError, match="cannot read"):
        await connect_store(cli_args(token=None, token_file=str(tmp_path / "none")), settings, http)
    # No webhook can be trusted from a platform that sends none.
    answer = await webhooks.handle(connection.id, {}, b"{}", settings=settings)
    assert (answer.status, answer.result) == (404, "no_webhooks")


async def test_an_order_confirmed_in_the_same_second_as_a_pages_last_is_not_lost(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    # The 100th and 101st orders were confirmed in the same second: the 101st is listed
    # on the next page, which the documentation's "last confirmation plus one second"
    # would start after.
    boundary = store.orders[7_000_099]["date_confirmed"]
    store.orders[7_000_100]["date_confirmed"] = boundary
    connection = await connected(settings, http)

    report = await sync_connection(connection, settings, http)

    assert store.reads()[1] == boundary
    assert (report.orders_created, report.problems) == (250, [])
    assert await Order.filter(number="7000100").exists()


def test_a_page_confirmed_within_one_second_steps_over_it() -> None:
    """Only a whole page of one second moves past it (nothing else would end the loop)."""
    same = [{"order_id": n, "date_confirmed": 1_700_000_000} for n in range(PAGE)]
    assert next_cursor(same) == "1700000001"
    mixed = [*same[:-2], *({"order_id": n, "date_confirmed": 1_700_000_005} for n in (8, 9))]
    assert next_cursor(mixed) == "1700000005:8,9"
    assert next_cursor(same[:-1]) is None


async def test_backfill_reads_250_orders_in_pages_of_100_and_tracks_a_package(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    store.ship(7_000_042, DHL_NUMBER, "dhl", BASE + timedelta(hours=5))

    report = await sync_connection(connection, settings, http)

    # From the start, then at each page's last confirmation (its order read already).
    assert store.reads() == [
        None, stamp(BASE + timedelta(minutes=99)), stamp(BASE + timedelta(minutes=198)),
    ]  # fmt: skip
    assert (report.orders_created, report.shipments_created, report.problems) == (250, 1, [])
    # Packages are asked for the one order that names a shipping number only.
    assert store.count("getOrderPackages") == 1
    assert await Order.all().count() == 250
    order = await Order.get(number="7000000")
    assert (order.email, order.ship_name, order.ship_line1, order.ship_city) == (
        "klient0@example.pl", "John Doe", "ul. Długa 12", "Kraków",
    )  # fmt: skip
    assert (order.ship_postal_code, order.ship_country, order.currency) == ("31-147", "PL", "PLN")
    assert order.shipping_total == Decimal("10.00"), "delivery as paid, refunded on withdrawal"
    assert order.placed_at == BASE - timedelta(minutes=1)
    items = await OrderItem.filter(order_id=order.id)
    assert [(i.sku, i.quantity, i.unit_price) for i in items] == [("LU4235", 2, Decimal("20"))]
    customer = await order.customer
    assert customer is not None
    assert (customer.name, customer.phone) == ("John Doe", "+48693000000")
    # BaseLinker holds no marketing consent: none is claimed for the buyer.
    assert not await ConsentChange.exists()
    # The default catalogue's products: variants with their SKUs, the default price
    # group's price and the default warehouse's stock; a product without variants is its
    # own.
    variants = {v.sku: v for v in await ProductVariant.all()}
    assert {sku: (v.price, v.stock) for sku, v in variants.items()} == {
        "PL53F-42": (Decimal("21.99"), 3), "PL53F-43": (Decimal("21.99"), 0),
        "ZF55F": (Decimal("21.99"), 8),
    }  # fmt: skip
    record = await PlatformRecord.get(kind=RecordKind.ORDER, external_id="7000042")
    assert record.data["financial_status"] == "Shipped"

    # The package is a tracked shipment, "dhl" through the shared name table.
    shipment = await Shipment.get(tracking_number=DHL_NUMBER)
    assert shipment.carrier_key == "dhl"
    assert shipment.order_id == (await Order.get(number="7000042")).id
    await sweep_until_idle(settings, client=http)
    assert (await Shipment.get(id=shipment.id)).status == Status.DELIVERED


async def test_a_reconciliation_brings_a_package_created_later_and_nothing_twice(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    await sync_connection(connection, settings, http)
    connection = await PlatformConnection.get()
    assert connection.synced_until == BASE + timedelta(minutes=249)
    # A day later the merchant ships an order of the first morning.
    store.ship(7_000_007, DHL_NUMBER, "dhl", BASE + timedelta(days=1))
    store.calls.clear()

    report = await sync_connection(connection, settings, http)

    # Confirmed orders of the last two weeks are read again, from before the watermark.
    since = BASE + timedelta(minutes=249) - OVERLAP - RECHECK
    assert store.reads() == [stamp(since), stamp(BASE + timedelta(minutes=99)),
                             stamp(BASE + timedelta(minutes=198))]  # fmt: skip
    assert (report.orders_created, report.orders_updated, report.shipments_created) == (0, 1, 1)
    assert store.count("getOrderPackages") == 1
    shipment = await Shipment.get(tracking_number=DHL_NUMBER)
    assert shipment.order_id == (await Order.get(number="7000007")).id

    store.calls.clear()
    rerun = await sync_connection(await PlatformConnection.get(), settings, http)
    full = await sync_connection(await PlatformConnection.get(), settings, http, full=True)
    assert (rerun.orders_created, rerun.orders_updated, rerun.shipments_created) == (0, 0, 0)
    assert (full.orders_created, full.shipments_created, full.orders_unchanged) == (0, 0, 250)
    # Only the shipped order's packages are asked again: in the overlap, then by the
    # full re-read; the 249 others name no shipping number.
    assert store.count("getOrderPackages") == 2
    assert await Shipment.all().count() == 1
    assert await Order.all().count() == 250


async def test_a_refused_token_pauses_the_connection_and_tells_the_merchant(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    store.token = "3001234-REVOKED"

    report = await sync_connection(connection, settings, http)

    paused = await PlatformConnection.get()
    assert paused.paused_reason == (
        "BaseLinker refused the token (ERROR_BAD_TOKEN: Invalid user token)."
    )
    assert paused.last_error == paused.paused_reason
    assert report.problems == [paused.paused_reason]
    assert await claim_due(datetime.now(UTC) + timedelta(hours=1)) is None
    assert not await Order.exists()


async def test_a_blocked_token_is_waited_out(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    blocked = fixture("baselinker", "error_blocked_token.json")
    until = (datetime.now(UTC) + timedelta(seconds=40)).astimezone(ZoneInfo("Europe/Warsaw"))
    blocked["error_message"] = (
        f"Query limit exceeded, token blocked until {until:%Y-%m-%d %H:%M:%S}"
    )
    store.faults = [httpx.Response(200, json=blocked), httpx.Response(503, text="busy")]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    report = await sync_connection(connection, settings, http, sleep=sleep)

    # Until the moment BaseLinker named, then the transport's second backoff.
    assert len(waits) == 2
    assert 30 <= waits[0] <= 41 and 1.6 <= waits[1] <= 2.4
    assert (report.orders_created, report.problems) == (250, [])
