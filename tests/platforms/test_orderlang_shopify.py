"""Shopify's ``Order.customerLocale`` is the language the customer ordered in ("fr-FR",
https://shopify.dev/changelog/locale-fields-are-now-appended-with-language-and-country-codes;
the Order object: https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order). The
order query asks for it and a shipped language becomes the order's ``locale``.

An order first seen through a webhook carries it too: Shopify posts ``orders/create`` and
``orders/updated`` as the REST Admin API Order resource, whose ``customer_locale`` is the
same language ("en" in the documented example body,
https://shopify.dev/docs/api/webhooks/2025-01?reference=toml#list-orders/create; the
resource: https://shopify.dev/docs/api/admin-rest/2025-01/resources/order). Faked at HTTP
only: Shopify's GraphQL Admin API as :class:`tests.platforms.fakes.FakeShopify`, DHL's
Unified Tracking API as its documented delivered answer, a real SMTP server receiving the
e-mails."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import respx

from portal.cli import connect_store
from portal.models import Customer, MessageState, OutboxMessage, PlatformConnection
from portal.notifications.dispatcher import dispatch_once
from portal.platforms import webhooks
from portal.platforms.shopify import parse_order_node, parse_order_webhook
from portal.platforms.shopify_queries import ORDERS_QUERY
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests import factories
from tests.conftest import make_settings
from tests.notifications.helpers import SmtpSink, free_port, listening
from tests.platforms.fakes import (
    DHL_API_KEY,
    DHL_TRACK_URL,
    SHOP,
    SHOPIFY_GRAPHQL,
    SHOPIFY_SECRET,
    SHOPIFY_TOKEN,
    FakeShopify,
    connect_args,
    fixture,
    shopify_delivery,
)
from tests.platforms.test_orderlang_prestashop import dhl_delivered_now, in_language


def test_the_orders_query_asks_for_the_customers_locale() -> None:
    assert " customerLocale" in ORDERS_QUERY


@pytest.mark.parametrize(
    ("given", "expected"),
    [("ru-RU", "ru"), ("uk", "uk"), ("pl-PL", "pl"), ("fr-FR", None), (None, None)],
)
def test_a_shipped_language_is_the_orders_and_any_other_leaves_it_unset(
    given: str | None, expected: str | None
) -> None:
    node = copy.deepcopy(fixture("shopify", "order_node.json"))
    node["customerLocale"] = given
    assert parse_order_node(node).locale == expected
    body = copy.deepcopy(fixture("shopify", "orders_create.json"))
    body["customer_locale"] = given
    assert parse_order_webhook(body).locale == expected, "a webhook body reads it alike"


def test_the_documented_examples_languages() -> None:
    assert parse_order_node(fixture("shopify", "order_node.json")).locale is None  # fr-FR
    assert parse_order_webhook(fixture("shopify", "orders_create.json")).locale == "en"


#: The documented ``orders/create`` example's customer (``customer.email``).
EMAIL = "john@example.com"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with listening(SmtpSink(port=free_port())) as sink:
        yield sink


@pytest.fixture
def settings(tmp_path: Path, database_url: str, db: str, smtp_sink: SmtpSink) -> Settings:
    return make_settings(
        tmp_path,
        database_url=database_url,
        public_base_url="https://doorstep.example.com",
        smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}",
        mail_from="Snowdevil <hello@shop.test>",
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(SHOPIFY_GRAPHQL).mock(side_effect=FakeShopify().answer)
        mock.get(DHL_TRACK_URL).mock(side_effect=dhl_delivered_now)
        async with httpx.AsyncClient() as client:
            yield client


async def deliver(
    settings: Settings, http: httpx.AsyncClient, topic: str, body: dict[str, object], at: str
) -> None:
    """A delivery signed with the app's secret, as Shopify posts it."""
    connection = await PlatformConnection.get()
    outcome = await webhooks.handle(
        connection.id, *shopify_delivery(topic, body, at), settings=settings, http=http
    )
    assert (outcome.status, outcome.result) == (200, "applied"), outcome


@pytest.mark.parametrize(
    ("customer_locale", "chosen", "expected"),  # expected: her e-mails' language
    [("pl", None, "pl"), ("pl-PL", None, "pl"), ("de", None, "en"), ("pl", "uk", "uk")],
    ids=["polish-order", "polish-poland", "unshipped-is-shops", "chosen-is-kept"],
)
async def test_an_order_first_seen_by_webhook_writes_her_emails_in_her_language(
    settings: Settings,
    http: httpx.AsyncClient,
    smtp_sink: SmtpSink,
    customer_locale: str,
    chosen: str | None,
    expected: str,
) -> None:
    """An English shop; its store's ``orders/create`` then ``fulfillments/create`` (DHL's
    parcel), DHL's delivered scan: every e-mail to her speaks the language she ordered in,
    the shop's where that one is not shipped, and the one she chose where she chose one."""
    merchant = await factories.merchant(slug="acme", default_locale="en")
    await factories.carrier_account(
        merchant, carrier_key="dhl", credentials={"api_key": DHL_API_KEY}, settings=settings
    )
    args = connect_args("shopify", url=SHOP, token=SHOPIFY_TOKEN, app_secret=SHOPIFY_SECRET)
    await connect_store(args, settings, http)
    if chosen is not None:  # on the preferences page, before this order
        await Customer.create(merchant=merchant, email=EMAIL, locale=chosen)
    order = {**fixture("shopify", "orders_create.json"), "customer_locale": customer_locale}

    await deliver(settings, http, "orders/create", order, "w-1")
    await deliver(
        settings, http, "fulfillments/create", fixture("shopify", "fulfillments_create.json"), "w-2"
    )
    await sweep_until_idle(settings, client=http)
    for _ in range(10):
        if not (await dispatch_once(settings, http_client=http)).claimed:
            break

    customer = await Customer.get(email=EMAIL)
    assert customer.locale == (None if customer_locale == "de" else expected)
    sent = await OutboxMessage.filter(state=MessageState.SENT, customer_id=customer.id)
    assert sent, "a delivered parcel is announced"
    mails = [m for _, m in smtp_sink.received if EMAIL in str(m["To"])]
    assert len(mails) == len(sent)
    for row, mail in zip(sorted(sent, key=lambda r: r.id), mails, strict=True):
        assert row.locale == expected
        assert in_language(mail, row.trigger, expected), (mail["Subject"], expected)
