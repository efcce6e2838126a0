"""A Shopify store end to end, faked at HTTP only: connect in the workspace, backfill 250
orders across pages, signed webhooks create the shipment, forged and replayed ones change
nothing, DHL's delivered scan goes back as a fulfilment event, a 429 is waited out, a
revoked token pauses the connection."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.models import (
    ConsentChange,
    Customer,
    Order,
    OrderItem,
    PlatformConnection,
    PlatformRecord,
    ProductVariant,
    RecordKind,
    Resolution,
    ReturnItem,
    ReturnRequest,
    ReturnState,
    Shipment,
)
from portal.platforms import backfill, webhooks
from portal.platforms.backfill import sync_connection, sync_job
from portal.platforms.base import PlatformError
from portal.platforms.shopify import _body, parse_order_node, parse_order_webhook
from portal.platforms.shopify_queries import ORDERS_QUERY
from portal.platforms.writeback import push_once
from portal.returns.states import transition
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests import factories
from tests.admin.helpers import admin_app, sign_in, signed_in_owner
from tests.conftest import client_for
from tests.platforms.fakes import (
    DHL_API_KEY,
    DHL_NUMBER,
    DHL_TRACK_URL,
    SHOP,
    SHOPIFY_GRAPHQL,
    SHOPIFY_SECRET,
    SHOPIFY_TOKEN,
    FakeShopify,
    dhl_delivered,
    fixture,
    shopify_delivery,
    shopify_order,
)

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
#: Shopify's 429 body (https://shopify.dev/docs/api/usage/limits#rate-limits).
TOO_FAST = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume "
    "uninterrupted service."
)


@pytest.fixture
def app(tmp_path: Path, database_url: str, db: str) -> Starlette:
    return admin_app(tmp_path, database_url, public_base_url="https://doorstep.example.com")


@pytest.fixture
def store() -> FakeShopify:
    return FakeShopify(orders=[shopify_order(n, BASE) for n in range(250)])


@pytest.fixture
async def outside(store: FakeShopify) -> AsyncIterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        mock.get(DHL_TRACK_URL).mock(side_effect=dhl_delivered)
        yield mock


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def connect_in_workspace(app: Starlette, form: dict[str, str]) -> httpx.Response:
    async with client_for(app) as staff:
        _owner, token = await signed_in_owner(staff, await factories.merchant(slug="snowdevil"))
        carrier = await staff.post(
            "/admin/carriers/new?carrier=dhl",
            data={"carrier": "dhl", "name": "DHL", "cred_api_key": DHL_API_KEY,
                  "cred_webhook_secret": "", "base_url_override": "", "csrf_token": token},
        )  # fmt: skip
        assert carrier.status_code == 303, carrier.text
        return await staff.post("/admin/stores", data={**form, "csrf_token": token})


SHOPIFY_FORM = {
    "platform": "shopify",
    "shop_url": "snowdevil.myshopify.com",
    "access_token": SHOPIFY_TOKEN,
    "app_secret": SHOPIFY_SECRET,
}


async def connected(app: Starlette) -> PlatformConnection:
    answer = await connect_in_workspace(app, SHOPIFY_FORM)
    assert answer.status_code == 303, answer.text
    return await PlatformConnection.get()


async def test_connecting_checks_the_token_registers_webhooks_and_keeps_it_encrypted(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter
) -> None:
    connection = await connected(app)

    assert connection.shop_url == SHOP
    assert [s["topic"] for s in store.subscriptions] == [
        "ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "FULFILLMENTS_CREATE",
        "FULFILLMENTS_UPDATE", "REFUNDS_CREATE", "PRODUCTS_CREATE", "PRODUCTS_UPDATE",
    ]  # fmt: skip
    assert {s["webhookSubscription"]["callbackUrl"] for s in store.subscriptions} == {
        f"https://doorstep.example.com/webhooks/platforms/{connection.id}"
    }
    assert len(connection.webhooks) == 8
    assert SHOPIFY_TOKEN not in connection.credentials_encrypted
    assert SHOPIFY_SECRET not in connection.credentials_encrypted


async def test_a_refused_token_connects_nothing(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter
) -> None:
    answer = await connect_in_workspace(app, {**SHOPIFY_FORM, "access_token": "shpat_wrong"})

    assert answer.status_code == 400
    assert "refused these credentials" in answer.text
    assert not await PlatformConnection.exists()
    assert store.subscriptions == []


async def test_backfill_reads_250_orders_across_pages_once(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    await connected(app)

    assert await sync_job(settings, http) is True

    assert store.order_pages == 13  # 12 x 20 + 10: a page of 20 stays under 1,000 points
    assert max(cost for _, cost, _ in store.asked) <= 1000
    assert await Order.all().count() == 250
    assert await OrderItem.filter(sku="IPOD2008GREEN").count() == 250
    first = await Order.get(number="#1000")
    assert (first.ship_city, first.ship_country, first.email) == (
        "Louisville", "US", "buyer0@mail.example.com",
    )  # fmt: skip
    assert first.shipping_total == Decimal("10.00"), "delivery as paid, refunded on withdrawal"
    item = await OrderItem.get(order_id=first.id)
    variant = await ProductVariant.get(sku="IPOD2008GREEN")
    assert (item.variant_id, variant.stock, variant.product_ref) == (variant.id, 20, "ipod-nano")
    buyers = await Customer.all()
    assert len(buyers) == 97
    assert all(c.sms_opt_in for c in buyers)  # smsMarketingConsent SUBSCRIBED
    buyer = await Customer.get(email="buyer1@mail.example.com")
    assert (buyer.phone, buyer.name) == ("+16136120001", "Bob Norman")
    assert await ConsentChange.filter(source="platform", channel="sms").count() == 97
    connection = await PlatformConnection.get()
    assert connection.last_sync_at is not None and connection.last_error is None

    # Reading everything again imports nothing twice.
    again = await sync_connection(connection, settings, http, full=True)
    assert (again.orders_created, again.orders_updated, again.orders_unchanged) == (0, 0, 250)
    assert await Order.all().count() == 250
    assert await PlatformRecord.filter(kind=RecordKind.ORDER).count() == 250


async def test_an_order_the_shop_already_has_under_that_number_is_adopted_not_doubled(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    connection = await connected(app)
    typed = await Order.create(
        merchant_id=connection.merchant_id, number="#1000", placed_at=BASE, ship_city="Typo"
    )

    report = await sync_connection(connection, settings, http)

    assert (report.orders_created, report.orders_updated) == (249, 1)
    assert await Order.all().count() == 250
    adopted = await Order.get(number="#1000")
    assert (adopted.id, adopted.ship_city) == (typed.id, "Louisville")
    record = await PlatformRecord.get(kind=RecordKind.ORDER, local_id=typed.id)
    assert record.data["number"] == "#1000"
    assert await OrderItem.filter(order_id=typed.id).count() == 1
    # Consent is recorded with where it came from.
    assert {c.detail for c in await ConsentChange.filter(source="platform")} == {"shopify"}


async def post_webhook(
    app: Starlette, headers: dict[str, str], body: bytes, connection: PlatformConnection
) -> httpx.Response:
    async with client_for(app) as shopify:
        return await shopify.post(
            f"/webhooks/platforms/{connection.id}", content=body, headers=headers
        )


async def test_signed_webhooks_create_the_order_then_its_shipment_and_delivery_goes_back(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    store.orders = []
    connection = await connected(app)
    settings: Settings = app.state.settings

    created = await post_webhook(
        app, *shopify_delivery("orders/create", fixture("shopify", "orders_create.json"), "w-1"),
        connection,
    )  # fmt: skip
    assert created.status_code == 200, created.text
    order = await Order.get(number="#9999")
    assert (order.email, order.shipping_total) == ("jon@example.com", Decimal("10.00"))
    assert [i.sku for i in await OrderItem.filter(order_id=order.id).order_by("id")] == [
        "draft-151", "IPOD2008PINK",
    ]  # fmt: skip

    fulfilled = await post_webhook(
        app,
        *shopify_delivery("fulfillments/create", fixture("shopify", "fulfillments_create.json"),
                          "w-2"),
        connection,
    )  # fmt: skip
    assert fulfilled.status_code == 200, fulfilled.text
    shipment = await Shipment.get(tracking_number=DHL_NUMBER)
    assert (shipment.order_id, shipment.carrier_key) == (order.id, "dhl")

    # DHL scans it delivered; the store's fulfilment gets the event, through the queue.
    await sweep_until_idle(settings, client=http)
    assert (await Shipment.get(id=shipment.id)).status == "delivered"
    assert store.events == []  # the sweep only queued it
    await push_once(settings, client=http)
    assert len(store.events) == 1
    event = store.events[0]
    assert event["fulfillmentId"] == "gid://shopify/Fulfillment/123456"
    assert event["status"] == "DELIVERED"
    assert event["happenedAt"].startswith("2026-11-21T10:32:00")
    await push_once(settings, client=http)
    assert len(store.events) == 1, "a delivered parcel is written back once"


async def test_forged_and_replayed_webhooks_change_nothing_and_are_counted(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter
) -> None:
    connection = await connected(app)
    body = fixture("shopify", "orders_create.json")

    forged = await post_webhook(
        app, *shopify_delivery("orders/create", body, "w-1", secret="not-the-app-secret"),
        connection,
    )  # fmt: skip
    assert forged.status_code == 401
    assert not await Order.exists()

    headers, raw = shopify_delivery("orders/create", body, "w-1")
    assert (await post_webhook(app, headers, raw, connection)).status_code == 200
    edited = copy.deepcopy(body)
    edited["updated_at"] = "2026-12-01T11:00:00-05:00"
    edited["shipping_address"]["city"] = "Frankfort"
    assert (
        await post_webhook(app, *shopify_delivery("orders/updated", edited, "w-2"), connection)
    ).status_code == 200
    assert (await Order.get(number="#9999")).ship_city == "Frankfort"

    # The first delivery, captured and sent again, is refused: the edit stays.
    replayed = await post_webhook(app, headers, raw, connection)
    assert replayed.status_code == 200
    assert replayed.json() == {"status": "duplicate"}
    assert (await Order.get(number="#9999")).ship_city == "Frankfort"
    assert await Order.all().count() == 1
    counted = await PlatformConnection.get(id=connection.id)
    assert (counted.webhooks_forged, counted.webhooks_replayed) == (1, 1)


async def test_a_cancellation_and_a_refund_are_reflected(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter
) -> None:
    connection = await connected(app)
    body = fixture("shopify", "orders_create.json")
    await post_webhook(app, *shopify_delivery("orders/create", body, "w-1"), connection)
    when = "2026-12-02T09:00:00-05:00"
    cancelled = {**body, "cancelled_at": when, "updated_at": when, "financial_status": "voided"}
    await post_webhook(app, *shopify_delivery("orders/cancelled", cancelled, "w-2"), connection)
    refund = {"id": 929361462, "order_id": body["id"], "created_at": "2026-12-02T09:05:00-05:00",
              "transactions": [{"id": 1, "kind": "refund", "amount": "10.00",
                                "status": "success"}]}  # fmt: skip
    await post_webhook(app, *shopify_delivery("refunds/create", refund, "w-3"), connection)

    record = await PlatformRecord.get(kind=RecordKind.ORDER)
    assert record.data["cancelled_at"].startswith("2026-12-02T09:00:00")
    assert record.data["financial_status"] == "VOIDED"
    assert record.data["refunded"] == "10.00"

    # The order page says so; an order that never came from a store says nothing of it.
    merchant = await connection.merchant
    typed = await Order.create(merchant=merchant, number="T-1", placed_at=BASE)
    async with client_for(app) as staff:
        await sign_in(staff, await factories.staff_user(merchant))
        page = await staff.get(f"/admin/orders/{record.local_id}")
        other = await staff.get(f"/admin/orders/{typed.id}")
    assert page.status_code == 200
    assert "Shopify" in page.text
    # 09:00 -05:00, on the shop's UTC clock (a narrow space before "PM", as CLDR writes it)
    assert "Cancelled on Dec 2, 2026, 2:00\u202fPM<" in page.text
    assert "Refunded 10.00 USD" in page.text
    assert other.status_code == 200 and "In the store" not in other.text


async def test_a_429_is_waited_out_and_a_throttle_waits_for_the_bucket(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    connection = await connected(app)
    store.faults = [
        httpx.Response(429, headers={"Retry-After": "2.0"}, json={"errors": TOO_FAST}),
        httpx.Response(200, json=fixture("shopify", "throttled.json")),
    ]  # fmt: skip
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    report = await sync_connection(connection, app.state.settings, http, sleep=sleep)

    assert waits[:2] == [2.0, 2.0]  # Retry-After; then (752 - 652) / 50 points a second
    assert report.orders_created == 250
    assert await Order.all().count() == 250


async def test_a_revoked_token_pauses_the_connection_and_the_workspace_says_so(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    connection = await connected(app)
    store.token = "shpat_rotated"

    await sync_connection(connection, app.state.settings, http)

    paused = await PlatformConnection.get(id=connection.id)
    assert paused.paused_reason == "The store refused the credentials (HTTP 401)."
    assert not await Order.exists()
    outcome = await webhooks.handle(
        connection.id,
        *shopify_delivery("orders/create", fixture("shopify", "orders_create.json"), "w-9"),
        settings=app.state.settings,
    )
    assert outcome.status == 503  # paused: the store retries once it is fixed


async def test_a_page_refused_half_way_keeps_the_batches_written_and_stops_reading(
    app: Starlette,
    store: FakeShopify,
    outside: respx.MockRouter,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = await connected(app)
    monkeypatch.setattr(backfill, "APPLY_BATCH", 20)  # a batch per page of 20
    store.refuse_after = "40"  # the third page

    report = await sync_connection(connection, app.state.settings, http)

    assert report.problems == ["The store refused the credentials (HTTP 401)."]
    assert await Order.all().count() == 40  # the two batches before it are kept
    paused = await PlatformConnection.get(id=connection.id)
    assert paused.paused_reason is not None and paused.synced_until is None
    assert store.order_pages == 3  # the page reader stopped at the refusal
    # Nothing of the sync is left running.
    assert [t for t in asyncio.all_tasks() if "_read_orders" in repr(t.get_coro())] == []


async def no_wait(seconds: float) -> None:
    """The backoff's sleeps, skipped: the waits themselves are test_transport's subject."""


async def test_a_store_down_half_way_keeps_whole_batches_and_the_next_run_adds_the_rest_once(
    app: Starlette,
    store: FakeShopify,
    outside: respx.MockRouter,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = await connected(app)
    monkeypatch.setattr(backfill, "APPLY_BATCH", 40)  # a batch per two pages of 20
    store.down_at = "100"  # the sixth page answers 503 at every attempt

    failed = await sync_connection(connection, app.state.settings, http, sleep=no_wait)

    assert failed.problems and "gave up" in failed.problems[0]
    written = await Order.all().count()
    assert written in (0, 40, 80)  # whole batches only, never part of one
    down = await PlatformConnection.get(id=connection.id)
    assert down.synced_until is None and down.last_error  # the cursor did not move
    assert down.paused_reason is None  # a store that is down is retried, not paused

    store.down_at = None
    again = await sync_connection(down, app.state.settings, http, sleep=no_wait)

    assert (again.orders_created, again.orders_unchanged) == (250 - written, written)
    assert await Order.all().count() == 250
    assert await OrderItem.all().count() == 250
    assert await PlatformRecord.filter(kind=RecordKind.ORDER).count() == 250
    assert await Customer.all().count() == 97
    assert await ConsentChange.filter(channel="sms").count() == 97  # no history twice
    done = await PlatformConnection.get(id=connection.id)
    assert done.synced_until == datetime(2026, 11, 1, 12, 9, tzinfo=UTC)  # the 250th order


async def test_a_backfill_stopped_half_way_keeps_whole_batches_and_resumes_without_loss(
    app: Starlette,
    store: FakeShopify,
    outside: respx.MockRouter,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker's SIGTERM cancels a sync it cannot finish within its grace: the batch
    being written is rolled back and the reader ahead of it stops."""
    connection = await connected(app)
    monkeypatch.setattr(backfill, "APPLY_BATCH", 40)
    running: list[asyncio.Task[object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["variables"].get("after") == "160":  # the ninth page
            running[0].cancel()
        return store.answer(request)

    outside.post(SHOPIFY_GRAPHQL).mock(side_effect=answer)
    running.append(asyncio.create_task(sync_connection(connection, app.state.settings, http)))
    with pytest.raises(asyncio.CancelledError):
        await running[0]

    written = await Order.all().count()
    assert written % 40 == 0 and written <= 160
    assert await OrderItem.all().count() == written
    assert await PlatformRecord.filter(kind=RecordKind.ORDER).count() == written
    stopped = await PlatformConnection.get(id=connection.id)
    assert stopped.synced_until is None and stopped.last_sync_at is None
    assert [t for t in asyncio.all_tasks() if "_read_orders" in repr(t.get_coro())] == []

    outside.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
    again = await sync_connection(stopped, app.state.settings, http)

    assert (again.orders_created, again.orders_unchanged) == (250 - written, written)
    assert await Order.all().count() == 250
    assert await OrderItem.all().count() == 250
    assert await PlatformRecord.filter(kind=RecordKind.ORDER).count() == 250
    assert await ConsentChange.filter(channel="sms").count() == 97


async def test_a_resolved_returns_refund_goes_back_as_a_refund_create_when_turned_on(
    app: Starlette, store: FakeShopify, outside: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    connection = await connected(app)
    await sync_connection(connection, settings, http)
    order = await Order.get(number="#1000")
    ipod = await OrderItem.get(order_id=order.id, sku="IPOD2008GREEN")

    async def resolve(number: str) -> None:
        request = await ReturnRequest.create(
            merchant_id=order.merchant_id, order=order, number=number,
            state=ReturnState.INSPECTED, refund_total=Decimal("199.00"),
        )  # fmt: skip
        await ReturnItem.create(
            return_request=request, order_item=ipod, quantity=1,
            resolution=Resolution.REFUND, amount=Decimal("199.00"),
        )  # fmt: skip
        await transition(request, ReturnState.RESOLVED, actor="staff", settings=settings)

    await resolve("R-0")  # writing returns back is off by default
    await push_once(settings, client=http)
    assert store.refunds == []

    await PlatformConnection.filter(id=connection.id).update(write_returns=True)
    await resolve("R-1")
    await push_once(settings, client=http)
    await push_once(settings, client=http)  # sent once, not again

    # RefundInput as shopify.dev documents it: the order's and line items' GIDs.
    assert store.refunds == [
        {
            "orderId": "gid://shopify/Order/1000000",  # shopify_order(0)
            "note": "Return R-1 resolved in Doorstep",
            "notify": False,
            "refundLineItems": [
                {
                    "lineItemId": "gid://shopify/LineItem/7000000",
                    "quantity": 1,
                    "restockType": "NO_RESTOCK",
                }
            ],
        }
    ]


def test_a_customer_without_a_phone_is_reached_on_the_shipping_address_phone() -> None:
    """A checkout that asks for a phone keeps it on the shipping address
    (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/MailingAddress, ``phone``);
    the customer's own ``phone`` stays empty until she subscribes to SMS marketing."""
    node = copy.deepcopy(fixture("shopify", "order_node.json"))
    node["customer"]["phone"] = None
    node["shippingAddress"].update(countryCodeV2="GR", phone="697 123 4567")
    assert "countryCodeV2 phone" in ORDERS_QUERY, "the query asks for it"

    assert parse_order_node(node).customer.phone == "697 123 4567"  # type: ignore[union-attr]
    node["customer"]["phone"] = "+306944000111"
    assert parse_order_node(node).customer.phone == "+306944000111"  # type: ignore[union-attr]
    # The orders/create webhook's example: no customer or order phone, the address's.
    body = fixture("shopify", "orders_create.json")
    assert parse_order_webhook(body).customer.phone == "555-555-SHIP"  # type: ignore[union-attr]


def test_an_answer_is_decoded_once_into_the_objects_the_standard_library_builds() -> None:
    """orjson decodes the store's answers: the same objects as ``response.json()``
    (non-ASCII text included); an answer that is not JSON is the store's fault, not a crash."""
    node = fixture("shopify", "order_node.json")
    node = {**node, "customer": {**node["customer"], "firstName": "Ζωή", "lastName": "Київ"}}
    page = {"data": {"orders": {"edges": [{"node": node}]}}}
    answer = httpx.Response(200, json=page)

    assert _body(answer) == answer.json() == page
    with pytest.raises(PlatformError, match="not JSON"):
        _body(httpx.Response(200, text="<html>Temporarily unavailable</html>"))
