"""A PrestaShop store end to end, faked at HTTP only (its Webservice, JSON output): connect
with ``portal connect``, backfill 250 orders through ``limit=offset,count`` pages, a
reconciliation picks up a tracking number added later (``date=1``,
``filter[date_upd]``), nothing is imported twice, a refused key pauses, 429 and 503 are
waited out, and tracking goes back as the Webservice documents it."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from portal.cli import CommandError, connect_store
from portal.crypto import decrypt_json
from portal.models import (
    Channel,
    ConsentChange,
    Customer,
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
from portal.platforms.prestashop import parse_settings
from portal.platforms.writeback import push_once
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests import factories
from tests.platforms.fakes import (
    DHL_NUMBER,
    PRESTA,
    PRESTA_KEY,
    FakePresta,
    connect_args,
    connect_by_cli,
    fixture,
    outside,
    presta_time,
    store_settings,
)

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, db: str) -> Settings:
    return store_settings(tmp_path, database_url)


@pytest.fixture
def store() -> FakePresta:
    return FakePresta.with_orders(250, BASE)


@pytest.fixture
async def http(store: FakePresta) -> AsyncIterator[httpx.AsyncClient]:
    async with outside("sklep.example.pl", store.answer) as client:
        yield client


def cli_args(**overrides: str) -> argparse.Namespace:
    return connect_args("prestashop", **{"url": PRESTA, "key": PRESTA_KEY, **overrides})


async def connected(settings: Settings, http: httpx.AsyncClient) -> PlatformConnection:
    said = [
        f"Connected prestashop store {PRESTA} (Sklep Demo).",
        "No webhooks: PrestaShop sends none, so the worker reconciles its orders every 15 minutes.",
    ]
    return await connect_by_cli(settings, http, cli_args(), said)


def track(store: FakePresta, order_id: int, minutes_later: int) -> None:
    """The merchant types a DHL number on the order's carrier in the back office."""
    row = next(r for r in store.order_carriers.values() if r["id_order"] == str(order_id))
    row["tracking_number"] = DHL_NUMBER
    store.orders[order_id]["date_upd"] = presta_time(BASE + timedelta(minutes=minutes_later))


async def test_portal_connect_keeps_the_key_encrypted_and_refuses_a_wrong_one(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)

    assert decrypt_json(settings, connection.credentials_encrypted) == {"api_key": PRESTA_KEY}
    assert PRESTA_KEY not in connection.credentials_encrypted
    assert (connection.webhooks, connection.paused_reason) == ([], None)
    # Moving a PrestaShop order's state is the merchant's choice: off until turned on.
    assert (connection.write_tracking, connection.write_returns) == (False, False)
    with pytest.raises(CommandError, match="refused these credentials"):
        await connect_store(cli_args(url=f"{PRESTA}/", key="WRONGKEY"), settings, http)
    with pytest.raises(CommandError, match="no merchant"):
        await connect_store(cli_args(merchant="nobody"), settings, http)
    # No webhook can be trusted from a store that signs none.
    answer = await webhooks.handle(connection.id, {}, b"{}", settings=settings)
    assert (answer.status, answer.result) == (404, "no_webhooks")


async def test_backfill_reads_250_orders_in_offset_pages_with_their_customers_once(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    store.order_reads.clear()  # connecting read one order id to check the key
    # Two customers who had stopped e-mail here; one ticked the newsletter box there.
    merchant = await connection.merchant
    for n in (1, 2):
        await Customer.create(merchant=merchant, email=f"klient{n}@example.pl", email_opt_in=False)
    store.customers[102]["newsletter"] = "0"

    report = await sync_connection(connection, settings, http)

    assert store.order_reads == [("0,100", None), ("100,100", None), ("200,100", None)]
    assert (report.orders_created, report.problems) == (250, [])
    assert await Order.all().count() == 250
    order = await Order.get(number="XKB000000")
    assert (order.email, order.ship_name, order.ship_line1, order.ship_city) == (
        "klient0@example.pl", "John DOE", "ul. Marszałkowska 1", "Warszawa",
    )  # fmt: skip
    assert (order.ship_postal_code, order.ship_country, order.currency) == ("00-624", "PL", "PLN")
    assert order.shipping_total == Decimal("8.40"), "delivery as paid, refunded on withdrawal"
    # 09:00 in Warsaw (its PS_TIMEZONE) on 1 November is 08:00 UTC.
    assert order.placed_at == BASE
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    assert [(i.sku, i.quantity, i.unit_price) for i in items] == [
        ("demo_1", 1, Decimal("28.68")), ("demo_3", 1, Decimal("24.72")),
    ]  # fmt: skip
    customer = await order.customer
    assert customer is not None
    assert (customer.name, customer.phone) == ("John DOE", "+48601234567")
    # The newsletter box ticked grants e-mail; unticked (PrestaShop's default) withdraws
    # nothing.
    ticked, unticked = [await Customer.get(email=f"klient{n}@example.pl") for n in (1, 2)]
    assert (ticked.email_opt_in, unticked.email_opt_in) == (True, False)
    changes = await ConsentChange.filter(channel=Channel.EMAIL)
    assert [(c.customer_id, c.granted, c.source, c.detail) for c in changes] == [
        (ticked.id, True, "platform", "prestashop")
    ]
    # Products with their combinations and stock_availables.
    variants = {v.sku: v for v in await ProductVariant.all()}
    assert (variants["demo_1"].price, variants["demo_1"].stock) == (Decimal("23.90"), 300)
    assert (variants["demo_1_m"].price, variants["demo_1_m"].stock) == (Decimal("25.90"), 0)

    again = await sync_connection(await PlatformConnection.get(), settings, http, full=True)
    assert (again.orders_created, again.orders_unchanged) == (0, 250)
    assert await Order.all().count() == 250


async def test_a_reconciliation_brings_a_tracking_number_added_later_and_nothing_twice(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    await sync_connection(connection, settings, http)
    connection = await PlatformConnection.get()
    assert connection.synced_until == BASE + timedelta(minutes=249)
    track(store, 1042, minutes_later=600)
    store.orders[1007].update(current_state="6", date_upd=presta_time(BASE + timedelta(hours=11)))
    store.histories.append(
        {"id": 3, "id_employee": "1", "id_order_state": "6", "id_order": "1007",
         "date_add": presta_time(BASE + timedelta(hours=10, minutes=30))}
    )  # fmt: skip
    store.order_reads.clear()

    report = await sync_connection(connection, settings, http)

    # Only what moved since the watermark (less the overlap), in the shop's own time.
    since = presta_time(BASE + timedelta(minutes=249) - OVERLAP)
    ((limit, window),) = store.order_reads
    assert limit == "0,100"
    assert window is not None and window.startswith(f"[{since},")
    assert (report.orders_updated, report.shipments_created) == (2, 1)
    shipment = await Shipment.get(tracking_number=DHL_NUMBER)
    assert shipment.carrier_key == "dhl"  # "DHL Express", through the shared name table
    assert shipment.order_id == (await Order.get(number="XKB000042")).id
    cancelled = await PlatformRecord.get(kind=RecordKind.ORDER, external_id="1007")
    assert cancelled.data["cancelled_at"] == (BASE + timedelta(hours=10, minutes=30)).isoformat()
    assert cancelled.data["financial_status"] == "Canceled"

    rerun = await sync_connection(await PlatformConnection.get(), settings, http)
    full = await sync_connection(await PlatformConnection.get(), settings, http, full=True)
    assert (rerun.orders_created, rerun.shipments_created) == (0, 0)
    assert (full.orders_created, full.shipments_created, full.orders_unchanged) == (0, 0, 250)
    assert await Shipment.all().count() == 1
    assert await Order.all().count() == 250


async def test_a_refused_key_pauses_the_connection_and_tells_the_merchant(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    store.key = "REVOKED"

    report = await sync_connection(connection, settings, http)

    paused = await PlatformConnection.get()
    assert paused.paused_reason == "The store refused the credentials (HTTP 401)."
    assert paused.last_error == paused.paused_reason
    assert report.problems == [paused.paused_reason]
    assert await claim_due(datetime.now(UTC) + timedelta(hours=1)) is None
    assert not await Order.exists()


async def test_429_and_503_are_waited_out(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    store.faults = [
        httpx.Response(429, headers={"Retry-After": "3"}, json=[]),
        httpx.Response(503, text="Service Unavailable"),
    ]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    report = await sync_connection(connection, settings, http, sleep=sleep)

    assert waits[0] == 3.0 and 1.6 <= waits[1] <= 2.4  # Retry-After, then the 2nd backoff
    assert len(waits) == 2
    assert report.orders_created == 250


async def test_tracking_goes_back_as_documented_once_the_merchant_turns_it_on(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    await sync_connection(connection, settings, http)
    order = await Order.get(number="XKB000003")
    # A parcel added in Doorstep while writing back is off: nothing is sent.
    await factories.shipment(
        await order.merchant, order=order, carrier_key="dhl",
        tracking_number="00340434161094015904",
        next_poll_at=datetime.now(UTC),
    )  # fmt: skip
    await sweep_until_idle(settings, client=http)
    await push_once(settings, client=http)
    assert store.writes == []

    await PlatformConnection.filter(id=connection.id).update(write_tracking=True)
    other = await Order.get(number="XKB000004")
    await factories.shipment(
        await other.merchant, order=other, carrier_key="dhl",
        tracking_number="00340434161094015903",
        next_poll_at=datetime.now(UTC),
    )  # fmt: skip
    await sweep_until_idle(settings, client=http)
    await push_once(settings, client=http)

    carrier_row = store.order_carriers[2004]
    assert store.writes == [
        (
            "PUT",
            "/api/order_carriers/2004",
            {
                "id": "2004", "id_order": "1004", "id_carrier": "2", "id_order_invoice": "0",
                "weight": "0.300000", "shipping_cost_tax_excl": "7.000000",
                "shipping_cost_tax_incl": "8.400000",
                "tracking_number": "00340434161094015903",
                "date_add": carrier_row["date_add"],
            },
        ),
        ("POST", "/api/order_histories", {"id_order": "1004", "id_order_state": "5"}),
    ]  # fmt: skip

    # The store's own parcel: its number stays, only the delivered state goes back.
    track(store, 1042, minutes_later=600)
    await sync_connection(await PlatformConnection.get(), settings, http)
    store.writes.clear()
    await sweep_until_idle(settings, client=http)
    await push_once(settings, client=http)
    assert store.writes == [
        ("POST", "/api/order_histories", {"id_order": "1042", "id_order_state": "5"})
    ]


@pytest.mark.parametrize("stored", ["", "Mars/Olympus", "../../etc/localtime"])
def test_a_ps_timezone_that_is_no_zone_reads_the_shops_dates_as_utc(stored: str) -> None:
    """PrestaShop's dates carry no offset; a shop whose ``PS_TIMEZONE`` is empty or names
    no IANA zone still syncs, its dates read as UTC. The fixture's configuration rows with
    that one value changed, shaped as
    https://devdocs.prestashop-project.org/8/webservice/tutorials/advanced-use/manage-configuration/
    shows."""
    rows = [
        {**row, "value": stored} if row["name"] == "PS_TIMEZONE" else row
        for row in fixture("prestashop", "configurations.json")["configurations"]
    ]
    assert parse_settings(rows, [], []).zone is UTC
    warsaw = parse_settings(fixture("prestashop", "configurations.json")["configurations"], [], [])
    assert str(warsaw.zone) == "Europe/Warsaw"
