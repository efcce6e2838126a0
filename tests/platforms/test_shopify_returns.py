"""A resolved return written back to Shopify (portal/platforms/shopify_returns.py), faked at
HTTP only: the exchange as ``returnCreate`` with the fulfilment line items' ids, the refund
paid back through the order's payment, each made once whatever fails, and Shopify's
``userErrors`` shown to the merchant.

Shapes, as shopify.dev documents them for the Admin API 2025-01:

- ``returnCreate``: https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/returnCreate,
  its input https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/ReturnInput
  (``returnLineItems``: https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/ReturnLineItemInput,
  ``exchangeLineItems``: https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/ExchangeLineItemInput),
  its payload https://shopify.dev/docs/api/admin-graphql/2025-01/payloads/ReturnCreatePayload
  with ``userErrors`` (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/ReturnUserError);
- ``refundCreate`` with ``transactions``
  (https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/refundCreate, whose example
  sends a ``REFUND`` with the payment as ``parentId``;
  https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/OrderTransactionInput);
- the order's ``transactions``, ``refunds``, ``returns`` and ``fulfillments`` with
  ``fulfillmentLineItems``: https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.models import (
    Exchange,
    Order,
    OrderItem,
    PlatformConnection,
    PlatformPush,
    ProductVariant,
    PushState,
    Resolution,
    ReturnItem,
    ReturnReason,
    ReturnRequest,
    ReturnState,
    Shipment,
)
from portal.platforms.backfill import sync_connection
from portal.platforms.shopify_returns import (
    presentment_transactions,
    refund_transactions,
    return_reason,
)
from portal.platforms.writeback import _still_ours, push_once
from portal.returns.states import transition
from portal.settings import Settings
from tests.admin.helpers import admin_app, signed_in_owner
from tests.conftest import client_for
from tests.platforms.fakes import (
    DHL_NUMBER,
    DHL_TRACK_URL,
    SHOPIFY_GRAPHQL,
    FakeShopify,
    dhl_delivered,
    fixture,
    shopify_delivery,
    shopify_order,
)
from tests.platforms.test_shopify import connected, post_webhook

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
ORDER = "gid://shopify/Order/1000000"  # shopify_order(0): one IPOD2008GREEN
LINE = "gid://shopify/LineItem/7000000"
PINK = "gid://shopify/ProductVariant/808950810"  # products_page.json's IPOD2008PINK
SALE = "gid://shopify/OrderTransaction/723599266"


@pytest.fixture
def app(tmp_path: Path, database_url: str, db: str) -> Starlette:
    return admin_app(tmp_path, database_url, public_base_url="https://doorstep.example.com")


@pytest.fixture
def store() -> FakeShopify:
    """Three orders; the first paid by card and shipped in one fulfilment of its one line."""
    store = FakeShopify(orders=[shopify_order(n, BASE) for n in range(3)])
    store.order_context[ORDER] = {
        "transactions": [
            {"id": SALE, "kind": "SALE", "status": "SUCCESS", "gateway": "shopify_payments",
             "amountSet": {"shopMoney": {"amount": "199.00"}}, "parentTransaction": None},
        ],
        "fulfillments": [
            {"fulfillmentLineItems": {"nodes": [
                {"id": "gid://shopify/FulfillmentLineItem/820022594", "quantity": 1,
                 "lineItem": {"id": LINE}},
            ]}},
        ],
    }  # fmt: skip
    return store


@pytest.fixture
async def http(store: FakeShopify) -> AsyncIterator[httpx.AsyncClient]:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        mock.get(DHL_TRACK_URL).mock(side_effect=dhl_delivered)
        async with httpx.AsyncClient() as client:
            yield client


async def resolved(
    settings: Settings, number: str, resolution: Resolution, *, refund: Decimal = Decimal("199.00")
) -> ReturnRequest:
    """Order #1000's iPod returned for ``resolution`` (an exchange: for the pink one, "too
    small"), inspected and resolved by staff."""
    order = await Order.get(number="#1000")
    ipod = await OrderItem.get(order_id=order.id, sku="IPOD2008GREEN")
    reason = await ReturnReason.create(merchant_id=order.merchant_id, code="too_small")
    request = await ReturnRequest.create(
        merchant_id=order.merchant_id, order=order, number=number, state=ReturnState.INSPECTED,
        refund_total=refund if resolution is Resolution.REFUND else Decimal("0"),
    )  # fmt: skip
    pink = None
    if resolution is Resolution.EXCHANGE:
        pink = await ProductVariant.get(merchant_id=order.merchant_id, sku="IPOD2008PINK")
    item = await ReturnItem.create(
        return_request=request, order_item=ipod, quantity=1, reason=reason,
        resolution=resolution, exchange_variant=pink, amount=refund,
    )  # fmt: skip
    if pink is not None:
        await Exchange.create(return_item=item, new_variant=pink)
    await transition(request, ReturnState.RESOLVED, actor="staff", settings=settings)
    return request


async def ready(app: Starlette, http: httpx.AsyncClient) -> PlatformConnection:
    """The store connected in the workspace, synced, with returns written back."""
    connection = await connected(app)
    await sync_connection(connection, app.state.settings, http)
    await PlatformConnection.filter(id=connection.id).update(write_returns=True)
    return connection


#: The returnCreate Doorstep sends for return R-1's exchange, as ReturnInput documents it.
EXCHANGE_R1 = {
    "orderId": ORDER,
    "returnLineItems": [
        {"fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/820022594",
         "quantity": 1, "returnReason": "SIZE_TOO_SMALL",
         "returnReasonNote": "Return R-1 resolved in Doorstep"},
    ],
    "exchangeLineItems": [{"variantId": PINK, "quantity": 1}],
    "notifyCustomer": False,
}  # fmt: skip


async def test_an_exchange_goes_back_as_a_return_create_of_the_fulfilment_line_items(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    await ready(app, http)

    await resolved(settings, "R-1", Resolution.EXCHANGE)
    await push_once(settings, client=http)

    assert store.returns == [EXCHANGE_R1]
    assert store.refunds == [], "nothing was refunded"
    # The backfill's order query is as it was: the fulfilment line items are read for
    # this return only, with the variant by its SKU.
    assert [name for name, _cost, _vars in store.asked][-3:] == [
        "ReturnContext", "VariantsBySku", "returnCreate",
    ]  # fmt: skip
    push = await PlatformPush.get(kind="return")
    assert push.state == PushState.DONE
    assert push.payload["shopify_return_id"] == "gid://shopify/Return/945001"


async def test_a_replay_or_a_lost_answer_never_makes_a_second_return(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    await ready(app, http)
    # Shopify makes the return, then its answer is lost (a 503 from the edge,
    # https://shopify.dev/docs/api/usage/response-codes).
    store.made_then_lost = True
    store.mutation_faults = [httpx.Response(503, json={"errors": "Service Unavailable"})]

    await resolved(settings, "R-1", Resolution.EXCHANGE)
    await push_once(settings, client=http)
    push = await PlatformPush.get(kind="return")
    assert push.state == PushState.PENDING and "503" in (push.last_error or ""), push.last_error
    assert len(store.returns) == 1, "not sent again at once: it may have been made"

    # The retry, after its backoff, finds the return Doorstep made and adopts it.
    later = datetime.now(UTC) + timedelta(hours=7)
    await push_once(settings, client=http, now=later)
    await push_once(settings, client=http, now=later + timedelta(hours=7))
    push = await PlatformPush.get(kind="return")
    assert push.state == PushState.DONE
    assert push.payload["shopify_return_id"] == "gid://shopify/Return/945001"
    assert store.returns == [EXCHANGE_R1], "one return in Shopify"


async def test_a_fault_before_shopify_made_it_is_sent_again_after_the_backoff(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    await ready(app, http)
    store.mutation_faults = [httpx.Response(502, json={"errors": "Bad Gateway"})]

    await resolved(settings, "R-1", Resolution.EXCHANGE)
    await push_once(settings, client=http)
    assert store.returns == []
    await push_once(settings, client=http, now=datetime.now(UTC) + timedelta(hours=7))

    assert store.returns == [EXCHANGE_R1]
    assert (await PlatformPush.get(kind="return")).state == PushState.DONE


async def test_shopifys_user_errors_are_shown_to_the_merchant_and_not_sent_again(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    store.return_errors = [
        {"code": "INVALID", "field": ["returnInput", "returnLineItems", "0", "quantity"],
         "message": "Quantity is not available for return."},
    ]  # fmt: skip

    await resolved(settings, "R-1", Resolution.EXCHANGE)
    await push_once(settings, client=http)
    await push_once(settings, client=http, now=datetime.now(UTC) + timedelta(hours=7))

    said = "Shopify refused the exchange of return R-1: Quantity is not available for return."
    push = await PlatformPush.get(kind="return")
    assert (push.state, push.last_error) == (PushState.FAILED, said)
    assert len(store.returns) == 1, "a refusal is not asked again"
    shown = await PlatformConnection.get(id=connection.id)
    assert shown.last_error == said
    async with client_for(app) as staff:
        merchant = await shown.merchant
        await signed_in_owner(staff, merchant)
        screen = await staff.get("/admin/stores")
    assert "Quantity is not available for return." in screen.text, screen.text
    assert "Write refunds and exchanges of resolved returns back to the store" in screen.text


async def test_a_refund_is_paid_back_through_the_orders_payment(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    await ready(app, http)

    await resolved(settings, "R-1", Resolution.REFUND)
    await push_once(settings, client=http)
    await push_once(settings, client=http, now=datetime.now(UTC) + timedelta(hours=7))

    assert store.refunds == [
        {"orderId": ORDER, "note": "Return R-1 resolved in Doorstep", "notify": False,
         "refundLineItems": [{"lineItemId": LINE, "quantity": 1, "restockType": "NO_RESTOCK"}],
         "transactions": [{"orderId": ORDER, "parentId": SALE, "gateway": "shopify_payments",
                           "kind": "REFUND", "amount": "199.00"}]},
    ]  # fmt: skip
    assert store.returns == [], "a refund alone makes no Shopify return"


async def test_a_refund_the_payments_cannot_cover_is_recorded_and_told_to_the_merchant(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    """Cash on delivery: no payment to refund through. The items are recorded as refunded
    in Shopify, and the Stores screen says the money is the merchant's to pay back."""
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    store.order_context[ORDER]["transactions"] = []

    await resolved(settings, "R-1", Resolution.REFUND)
    await push_once(settings, client=http)

    [refund] = store.refunds
    assert "transactions" not in refund, refund
    assert (await PlatformPush.get(kind="return")).state == PushState.DONE
    told = (await PlatformConnection.get(id=connection.id)).last_error or ""
    assert told.startswith("Return R-1: 199.00 of the refund could not be paid back"), told


def paid_in_euros(store: FakeShopify, *, sale: str = "183.08") -> None:
    """Order #1000 paid in EUR in the USD shop, at 0.92 EUR to the dollar: the sale of
    199.00 USD was 183.08 EUR (Order.presentmentCurrencyCode, MoneyBag.presentmentMoney:
    https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order,
    https://shopify.dev/docs/api/admin-graphql/2025-01/objects/MoneyBag)."""
    context = store.order_context[ORDER]
    context["presentmentCurrencyCode"] = "EUR"
    context["presentment_rate"] = "0.92"
    context["transactions"][0]["amountSet"]["presentmentMoney"] = {
        "amount": sale, "currencyCode": "EUR"
    }  # fmt: skip


async def test_a_refund_of_an_order_paid_in_another_currency_is_paid_back_in_it(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    """Shopify refunds an order paid in the customer's currency in that currency
    (RefundInput.currency: https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/RefundInput),
    its transactions in it too; the amounts are those of Shopify's suggested refund of the
    same items (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/SuggestedRefund)."""
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    paid_in_euros(store)

    await resolved(settings, "R-1", Resolution.REFUND)
    await push_once(settings, client=http)

    assert store.refunds == [
        {"orderId": ORDER, "note": "Return R-1 resolved in Doorstep", "notify": False,
         "refundLineItems": [{"lineItemId": LINE, "quantity": 1, "restockType": "NO_RESTOCK"}],
         "currency": "EUR",
         "transactions": [{"orderId": ORDER, "parentId": SALE, "gateway": "shopify_payments",
                           "kind": "REFUND", "amount": "183.08"}]},
    ]  # fmt: skip
    [(_name, _cost, asked)] = [a for a in store.asked if a[0] == "SuggestedRefund"]
    assert asked == {"id": ORDER, "refundLineItems": store.refunds[0]["refundLineItems"]}
    assert (await PlatformPush.get(kind="return")).state == PushState.DONE
    assert (await PlatformConnection.get(id=connection.id)).last_error is None


async def test_a_part_refund_in_another_currency_is_converted_at_the_orders_rate(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    """150.00 USD of the 199.00 item (a restocking fee kept) is 138.00 EUR at the order's
    0.92; the card can pay back only 100.00 EUR of it (refunded in part already), so the
    other 38.00 EUR, 41.30 USD, is the merchant's to pay by hand, told in the shop's money."""
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    paid_in_euros(store, sale="100.00")

    await resolved(settings, "R-1", Resolution.REFUND, refund=Decimal("150.00"))
    await push_once(settings, client=http)

    [refund] = store.refunds
    assert refund["currency"] == "EUR"
    assert refund["transactions"] == [
        {"orderId": ORDER, "parentId": SALE, "gateway": "shopify_payments", "kind": "REFUND",
         "amount": "100.00"},
    ]  # fmt: skip
    told = (await PlatformConnection.get(id=connection.id)).last_error or ""
    assert told.startswith("Return R-1: 41.30 of the refund could not be paid back"), told


async def test_a_refund_shopify_cannot_price_in_the_customers_currency_is_left_to_shopify(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    """Items Shopify suggests refunding nothing for (refunded already in Shopify) give no
    rate to convert Doorstep's amount by: refused, not paid back wrong."""
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    paid_in_euros(store)
    store.order_context[ORDER]["suggestedRefund"] = {
        "amountSet": {"shopMoney": {"amount": "0.0", "currencyCode": "USD"},
                      "presentmentMoney": {"amount": "0.0", "currencyCode": "EUR"}},
        "suggestedTransactions": [],
    }  # fmt: skip

    await resolved(settings, "R-1", Resolution.REFUND)
    await push_once(settings, client=http)

    assert store.refunds == []
    assert (await PlatformPush.get(kind="return")).state == PushState.FAILED
    told = (await PlatformConnection.get(id=connection.id)).last_error or ""
    assert told.startswith(
        "Return R-1: the order was paid in EUR, and Shopify suggests no refund"
    ), told


async def test_a_push_another_worker_took_after_the_lease_ran_out_is_left_to_it(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    """A batch slowed by a throttling store can outlast its lease; a push claimed by another
    worker meanwhile (its claim counts an attempt) is not sent a second time by this one."""
    settings: Settings = app.state.settings
    await ready(app, http)
    await resolved(settings, "R-1", Resolution.REFUND)
    push = await PlatformPush.get(kind="return")
    now = datetime.now(UTC)
    # This worker's claim, then another's after the lease lapsed: two attempts counted.
    await PlatformPush.filter(id=push.id).update(
        attempts=2, lease_until=now + timedelta(minutes=30)
    )
    push = await PlatformPush.get(id=push.id)
    push.attempts = 1  # what this worker read when it claimed the push
    assert not await _still_ours(push, now)
    assert await _still_ours(await PlatformPush.get(id=push.id), now)
    assert store.refunds == []


def test_a_refund_goes_to_what_each_payment_has_left() -> None:
    def paid(n: int, kind: str, amount: str, **more: Any) -> dict[str, Any]:
        return {"id": f"gid://shopify/OrderTransaction/{n}", "kind": kind, "status": "SUCCESS",
                "gateway": "manual" if n == 2 else "shopify_payments",
                "amountSet": {"shopMoney": {"amount": amount}}, **more}  # fmt: skip

    transactions = [
        paid(1, "SALE", "30.00"),
        {**paid(9, "SALE", "99.00"), "status": "FAILURE"},
        paid(5, "REFUND", "25.00", parentTransaction={"id": "gid://shopify/OrderTransaction/1"}),
        paid(2, "CAPTURE", "40.00"),
    ]
    assert refund_transactions(ORDER, transactions, Decimal("20")) == [
        {"orderId": ORDER, "parentId": "gid://shopify/OrderTransaction/1",
         "gateway": "shopify_payments", "kind": "REFUND", "amount": "5.00"},
        {"orderId": ORDER, "parentId": "gid://shopify/OrderTransaction/2", "gateway": "manual",
         "kind": "REFUND", "amount": "15.00"},
    ]  # fmt: skip
    assert refund_transactions(ORDER, [], Decimal("20")) == [], "nothing paid: none"


def test_a_shops_reason_becomes_shopifys_return_reason() -> None:
    assert [return_reason(code) for code in
            ("too_small", "Too-Large", "damaged", "wrong_item", "changed_mind", "size", None)] == [
        "SIZE_TOO_SMALL", "SIZE_TOO_LARGE", "DEFECTIVE", "WRONG_ITEM", "UNWANTED", "OTHER",
        "OTHER",
    ]  # fmt: skip


#: The order line item Shopify added for R-1's pink iPod (the fake's returnCreate answer).
PINK_LINE = "7100010"


def exchange_fulfilment() -> dict[str, Any]:
    """``fulfillments/create`` for the fulfilment order of R-1's new item: the documented
    example body (https://shopify.dev/docs/api/webhooks/2025-01?reference=toml#list-fulfillments/create)
    on order #1000, its ``line_items`` the exchange's line item as the REST Fulfillment
    resource lists them (https://shopify.dev/docs/api/admin-rest/2025-01/resources/fulfillment),
    shaped like orders_create.json's pink iPod."""
    body: dict[str, Any] = fixture("shopify", "fulfillments_create.json")
    line = fixture("shopify", "orders_create.json")["line_items"][1]
    line.update(id=int(PINK_LINE), admin_graphql_api_id=f"gid://shopify/LineItem/{PINK_LINE}")
    body.update(order_id=1000000, name="#1000.2", line_items=[line])
    return body


async def test_the_exchange_shipped_in_shopify_is_the_replacement_orders_parcel_once(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    request = await resolved(settings, "R-1", Resolution.EXCHANGE)
    await push_once(settings, client=http)
    replacement = await Order.get(number="#1000-R-1")
    original = await Order.get(number="#1000")
    assert await Shipment.filter(order_id=replacement.id).count() == 0, "waiting for the shop"

    # The merchant fulfils the exchange's fulfilment order in Shopify: the webhook …
    answer = await post_webhook(
        app, *shopify_delivery("fulfillments/create", exchange_fulfilment(), "w-ex-1"),
        connection,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text

    shipment = await Shipment.get(tracking_number=DHL_NUMBER)
    assert shipment.order_id == replacement.id, "the replacement order's parcel"
    assert await Shipment.filter(order_id=original.id).count() == 0
    assert (await Exchange.get(return_item__return_request_id=request.id)).outbound_order_id == (
        replacement.id
    )

    # … and the reconciliation reading the same fulfilment from the order (its first line
    # item: Fulfillment.fulfillmentLineItems, https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Fulfillment).
    store.orders[0]["fulfillments"] = [
        {"id": "gid://shopify/Fulfillment/123456", "status": "SUCCESS",
         "trackingInfo": [{"company": "DHL Express", "number": DHL_NUMBER}],
         "fulfillmentLineItems": {"nodes": [
             {"lineItem": {"id": f"gid://shopify/LineItem/{PINK_LINE}"}}]}},
    ]  # fmt: skip
    store.orders[0]["updatedAt"] = "2026-12-01T15:09:41Z"
    await sync_connection(await PlatformConnection.get(id=connection.id), settings, http)

    assert await Shipment.filter(tracking_number=DHL_NUMBER).count() == 1, "one parcel"
    assert (await Shipment.get(tracking_number=DHL_NUMBER)).order_id == replacement.id


async def test_an_exchange_parcel_first_seen_by_the_reconciliation_is_the_replacements(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    await resolved(settings, "R-1", Resolution.EXCHANGE)
    await push_once(settings, client=http)
    store.orders[0]["fulfillments"] = [
        {"id": "gid://shopify/Fulfillment/123456", "status": "SUCCESS",
         "trackingInfo": [{"company": "DHL Express", "number": DHL_NUMBER}],
         "fulfillmentLineItems": {"nodes": [
             {"lineItem": {"id": f"gid://shopify/LineItem/{PINK_LINE}"}}]}},
    ]  # fmt: skip
    store.orders[0]["updatedAt"] = "2026-12-01T15:09:41Z"

    await sync_connection(await PlatformConnection.get(id=connection.id), settings, http)
    answer = await post_webhook(
        app, *shopify_delivery("fulfillments/create", exchange_fulfilment(), "w-ex-1"),
        connection,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text

    replacement = await Order.get(number="#1000-R-1")
    assert [s.order_id for s in await Shipment.filter(tracking_number=DHL_NUMBER)] == [
        replacement.id
    ]


async def test_a_retry_that_adopts_the_return_still_knows_the_exchange_line_items(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    store.made_then_lost = True
    store.mutation_faults = [httpx.Response(503, json={"errors": "Service Unavailable"})]
    await resolved(settings, "R-1", Resolution.EXCHANGE)
    await push_once(settings, client=http)
    await push_once(settings, client=http, now=datetime.now(UTC) + timedelta(hours=7))
    push = await PlatformPush.get(kind="return")
    assert push.state == PushState.DONE
    assert push.payload["shopify_exchange_line_items"] == [PINK_LINE]

    await post_webhook(
        app, *shopify_delivery("fulfillments/create", exchange_fulfilment(), "w-ex-1"),
        connection,
    )  # fmt: skip
    replacement = await Order.get(number="#1000-R-1")
    assert (await Shipment.get(tracking_number=DHL_NUMBER)).order_id == replacement.id


async def test_a_parcel_of_the_orders_own_items_stays_the_orders(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    connection = await ready(app, http)
    await resolved(settings, "R-1", Resolution.EXCHANGE)
    await push_once(settings, client=http)
    body = exchange_fulfilment()
    body["line_items"][0].update(id=7000000, admin_graphql_api_id=LINE)

    await post_webhook(app, *shopify_delivery("fulfillments/create", body, "w-1"), connection)

    original = await Order.get(number="#1000")
    assert (await Shipment.get(tracking_number=DHL_NUMBER)).order_id == original.id


def test_a_refund_in_another_currency_goes_to_what_each_suggested_payment_can_pay() -> None:
    """Whole yen (JPY has no minor unit), rounded down, never more than a payment can pay
    back (SuggestedOrderTransaction.maximumRefundableSet), and none without a parent."""

    def suggested(n: int | None, most: str) -> dict[str, Any]:
        return {
            "gateway": "shopify_payments", "kind": "SUGGESTED_REFUND",
            "maximumRefundableSet": {"presentmentMoney": {"amount": most, "currencyCode": "JPY"}},
            "parentTransaction": {"id": f"gid://shopify/OrderTransaction/{n}"} if n else None,
        }  # fmt: skip

    sent = presentment_transactions(
        ORDER, [suggested(None, "9000"), suggested(1, "1000.0"), suggested(2, "9000.0")],
        Decimal("2500.6"), "JPY",
    )  # fmt: skip
    assert [(t["parentId"][-1], t["amount"]) for t in sent] == [("1", "1000"), ("2", "1500")]


def test_a_payment_with_nothing_left_to_pay_back_is_passed_over() -> None:
    """A maximum of 0.0 is a figure (that payment was refunded already), not a missing one:
    the refund goes to the next payment rather than to one Shopify would refuse."""
    spent = {
        "gateway": "shopify_payments", "kind": "SUGGESTED_REFUND",
        "amountSet": {"presentmentMoney": {"amount": "40.0", "currencyCode": "EUR"}},
        "maximumRefundableSet": {"presentmentMoney": {"amount": "0.0", "currencyCode": "EUR"}},
        "parentTransaction": {"id": "gid://shopify/OrderTransaction/1"},
    }  # fmt: skip
    gift_card = {
        **spent,
        "gateway": "gift_card",
        "maximumRefundableSet": {"presentmentMoney": {"amount": "50.0", "currencyCode": "EUR"}},
        "parentTransaction": {"id": "gid://shopify/OrderTransaction/2"},
    }
    sent = presentment_transactions(ORDER, [spent, gift_card], Decimal("40.00"), "EUR")
    assert [(t["parentId"][-1], t["amount"]) for t in sent] == [("2", "40.00")]
