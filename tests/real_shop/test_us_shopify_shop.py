"""A US Shopify shop that never loaded the demo, walked through end to end.

*Hudson Tees* (New York, prices in USD) is made with ``portal merchant create --country US
--time-zone America/New_York --locale en``, ``portal user create`` and ``portal apikey
create``; its USPS, UPS and FedEx accounts, settings, return policy and return reasons go
through ``/api/v1``; its Shopify store is connected with ``portal connect shopify`` (the
command's own function, in this process, so the store can be faked at HTTP).

Jane's order arrives by a signed ``orders/create`` webhook with her SMS consent from the
checkout; ``fulfillments/create`` gives its USPS number. Mark's and Lucy's orders come with
the backfill, already fulfilled by UPS and FedEx. The parcels travel (the worker's sweeps),
messages go out by e-mail (aiosmtpd) and SMS (the twilio library to Twilio's Messages API,
respx), a text due at night waits for the morning on New York's clock, and Jane's STOP is
honoured, even when the store later reports her subscribed. Delivery goes back to Shopify as
fulfilment events. Jane exchanges her tee for a larger size (stock from Shopify's products
and variants) and returns her cap for a refund; once the merchant turns that on, the refund
goes back to Shopify as a ``refundCreate`` paid back through her card payment, and the
exchange as a ``returnCreate`` of the tee's fulfilment line item for the L variant, each
once; she answers the survey; the owner's queue shows the return in dollars and on a US
date, the analytics its reasons and her answer.

What is faked, and where its shapes come from:

- Shopify's GraphQL Admin API and its webhooks, as :class:`tests.platforms.fakes.FakeShopify`
  and :func:`tests.platforms.fakes.shopify_delivery` (tests/fixtures/shopify/SOURCE.md:
  ``Order`` https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order, its
  ``transactions`` and ``fulfillments.fulfillmentLineItems`` as read for a return,
  ``refundCreate`` https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/refundCreate,
  ``returnCreate`` https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/returnCreate
  with ``ReturnInput`` and ``ExchangeLineItemInput``
  https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/ReturnInput, the
  ``orders/create`` and ``fulfillments/create`` bodies
  https://shopify.dev/docs/api/webhooks/2025-01?reference=toml#list-orders/create and
  ``#list-fulfillments/create``, ``products``
  https://shopify.dev/docs/api/admin-graphql/2025-01/queries/products).
- USPS Tracking 3.0 (``POST /oauth2/v3/token``, ``GET /tracking/v3/tracking/{number}``,
  https://developers.usps.com/trackingv3), in the shape of tests/fixtures/usps.
- UPS Track API (``POST /security/v1/oauth/token``, ``GET /api/track/v1/details/{number}``,
  https://developer.ups.com/tag/Tracking), tests/fixtures/ups.
- FedEx Track API (``POST /oauth/token``, ``POST /track/v1/trackingnumbers``,
  https://developer.fedex.com/api/en-us/catalog/track/v1/docs.html), tests/fixtures/fedex.
- Twilio's Messages API, as :class:`tests.real_shop.helpers.FakeTwilio`.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
import time_machine
from babel.dates import format_date
from babel.numbers import format_currency
from starlette.applications import Starlette
from tortoise import connections

from portal.cli import connect_store
from portal.event_catalogue import RETURN_RESOLVED
from portal.models import Customer, DomainEvent, Order, OutboxMessage, ReturnRequest, Shipment
from portal.platforms.backfill import sync_job
from portal.platforms.writeback import push_once, queue_return
from portal.tracking.sweep import sweep_until_idle
from tests.api.conftest import api_client
from tests.carriers.helpers import load_fixture
from tests.conftest import client_for
from tests.factories import listener_context
from tests.notifications.helpers import SmtpSink
from tests.platforms.fakes import (
    SHOP,
    SHOPIFY_GRAPHQL,
    SHOPIFY_SECRET,
    SHOPIFY_TOKEN,
    FakeShopify,
    fixture,
    shopify_delivery,
)
from tests.real_shop.helpers import (
    MESSAGES_URL,
    FakeTwilio,
    add_tested_carrier,
    configure_shop,
    csrf_in,
    drain_outbox,
    mails_to,
    parcel_behind,
    plain_text,
    sign_in_as,
    sign_up,
    tracking_link_in,
    twilio_inbound,
    worker_pass,
)
from tests.returns_page.helpers import draft_of, resolve_and_confirm
from tests.survey_page.helpers import tap

pytestmark = pytest.mark.slow  # three `portal` processes and a walk of tens of seconds

NEW_YORK = ZoneInfo("America/New_York")
USPS = "https://apis.usps.com"
UPS = "https://onlinetools.ups.com"
FEDEX = "https://apis.fedex.com"
USPS_CREDENTIALS = {"client_id": "hudson-usps-key", "client_secret": "hudson-usps-secret"}
UPS_CREDENTIALS = {"client_id": "hudson-ups-client", "client_secret": "hudson-ups-secret"}
FEDEX_CREDENTIALS = {"client_id": "hudson-fedex-key", "client_secret": "hudson-fedex-secret"}
USPS_NUMBER = "9400111899223197428490"  # tests/fixtures/usps
EXCHANGE_NUMBER = "9400111899223197428503"  # the same series, its check digit valid
UPS_NUMBER = "1ZCIETST0422222228"  # tests/fixtures/ups
FEDEX_NUMBER = "449044304137821"  # tests/fixtures/fedex
JANE = "jane.doe@example.test"
JANE_PHONE = "+12125550143"
MARK = "mark@example.test"
LUCY = "lucy@example.test"
SLUG = "hudson-tees"


# --- the carriers, faked at HTTP ---------------------------------------------------------


def usps_event(kind: str, code: str, moment: datetime, city: str, state: str, zip_code: str,
               **extra: str) -> dict[str, Any]:  # fmt: skip
    """A ``trackingEvents`` entry as USPS writes it: local time without an offset, GMT
    beside it (tests/fixtures/usps/journey.json)."""
    local = moment.astimezone(NEW_YORK)
    offset = local.strftime("%z")
    return {
        "eventType": kind,
        "eventTimestamp": local.strftime("%Y-%m-%dT%H:%M:%S"),
        "GMTTimestamp": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "GMTOffset": f"{offset[:3]}:{offset[3:]}",
        "eventCountry": "",
        "eventCity": city,
        "eventState": state,
        "eventZIP": zip_code,
        "firm": "",
        "name": extra.get("name", ""),
        "authorizedAgent": "false",
        "eventCode": code,
    }


def next_second(previous: datetime | None) -> datetime:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    return max(moment, previous + timedelta(seconds=1)) if previous else moment


@dataclass
class FakeUsps:
    """USPS Tracking 3.0: an OAuth token, then each number's events, newest first."""

    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    newest: datetime | None = None

    def scan(self, number: str, kind: str, code: str, city: str, state: str, zip_code: str,
             at: datetime | None = None, **extra: str) -> None:  # fmt: skip
        self.newest = at or next_second(self.newest)
        event = usps_event(kind, code, self.newest, city, state, zip_code, **extra)
        self.events.setdefault(number, []).insert(0, event)

    def token(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        assert (sent["client_id"], sent["client_secret"]) == (
            USPS_CREDENTIALS["client_id"], USPS_CREDENTIALS["client_secret"],
        )  # fmt: skip
        return httpx.Response(200, json=load_fixture("usps", "token.json"))

    def track(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer usps-token-1"
        number = request.url.path.rsplit("/", 1)[-1]
        if number not in self.events:
            return httpx.Response(400, json=load_fixture("usps", "not_found.json"))
        answer = load_fixture("usps", "journey.json")
        events = self.events[number]
        delivered = events[0]["eventCode"] == "01"
        answer.update(
            trackingNumber=number,
            status=events[0]["eventType"],
            statusCategory="Delivered" if delivered else "In Transit",
            statusSummary=f"{events[0]['eventType']}, {events[0]['eventCity']}",
            destinationCity="NEW YORK", destinationState="NY", destinationZIP="10027",
            expectedDeliveryTimeStamp=(datetime.now(UTC) + timedelta(days=2)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            trackingEvents=events,
        )  # fmt: skip
        return httpx.Response(200, json=answer)


def shifted_to_now(text: str, zone: ZoneInfo, days: int) -> str:
    """A fixture's text with every date moved ``days`` days (UPS's ``YYYYMMDD`` and ISO)."""

    def move(found: re.Match[str]) -> str:
        raw = found.group(0)
        if "-" in raw:
            return (date.fromisoformat(raw) + timedelta(days=days)).isoformat()
        return (datetime.strptime(raw, "%Y%m%d").date() + timedelta(days=days)).strftime("%Y%m%d")

    return re.sub(r"\b2026-?1[12]-?\d\d\b", move, text)


@dataclass
class FakeUpsFedEx:
    """UPS's and FedEx's documented delivered answers, dated as if the parcel was delivered
    yesterday afternoon (their own local time)."""

    delivered: set[str] = field(default_factory=set)

    def days(self) -> int:
        yesterday = datetime.now(NEW_YORK).date() - timedelta(days=1)
        return (yesterday - date(2026, 11, 20)).days

    def ups_token(self, request: httpx.Request) -> httpx.Response:
        expected = httpx.BasicAuth(UPS_CREDENTIALS["client_id"], UPS_CREDENTIALS["client_secret"])
        assert request.headers["Authorization"] == expected._auth_header
        return httpx.Response(200, json=load_fixture("ups", "token.json"))

    def ups_track(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer ups-token-1"
        number = request.url.path.rsplit("/", 1)[-1]
        if number != UPS_NUMBER:
            return httpx.Response(404, json=load_fixture("ups", "not_found.json"))
        raw = json.dumps(load_fixture("ups", "delivered.json"))
        return httpx.Response(200, json=json.loads(shifted_to_now(raw, NEW_YORK, self.days())))

    def fedex_token(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=load_fixture("fedex", "token.json"))

    def fedex_track(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer fedex-token-1"
        asked = [t["trackingNumberInfo"]["trackingNumber"]
                 for t in json.loads(request.content)["trackingInfo"]]  # fmt: skip
        if asked != [FEDEX_NUMBER]:
            raw = json.dumps(load_fixture("fedex", "not_found.json"))
            return httpx.Response(200, json=json.loads(raw.replace("999999999999", asked[0])))
        raw = json.dumps(load_fixture("fedex", "delivered.json"))
        return httpx.Response(200, json=json.loads(shifted_to_now(raw, NEW_YORK, self.days())))


@dataclass
class World:
    store: FakeShopify
    usps: FakeUsps
    others: FakeUpsFedEx
    twilio: FakeTwilio


# --- the store: its products and orders, as Shopify documents them ---------------------


def tee_product() -> dict[str, Any]:
    """The ``products`` node of a tee in S, M and L (products_page.json's shape)."""
    node = copy.deepcopy(fixture("shopify", "products_page.json")["data"]["products"]["edges"][0])
    product = node["node"]
    product.update(id="gid://shopify/Product/7001", handle="hudson-tee", title="Hudson Tee")
    variant = product["variants"]["nodes"][0]
    product["variants"]["nodes"] = [
        {**variant, "id": f"gid://shopify/ProductVariant/{8000 + n}", "sku": f"HT-{size}",
         "price": "28.00", "inventoryQuantity": stock,
         "selectedOptions": [{"name": "Size", "value": size}]}
        for n, (size, stock) in enumerate([("S", 4), ("M", 7), ("L", 3)])
    ]  # fmt: skip
    return product


def jane_order_webhook(placed: datetime) -> dict[str, Any]:
    """The ``orders/create`` body: a tee in M to Harlem, her SMS consent from checkout
    (``sms_marketing_consent``,
    https://shopify.dev/docs/api/admin-rest/2025-01/resources/customer#resource-object)."""
    body = copy.deepcopy(fixture("shopify", "orders_create.json"))
    stamp = placed.astimezone(NEW_YORK).isoformat(timespec="seconds")
    body.update(id=5551001, admin_graphql_api_id="gid://shopify/Order/5551001", name="#1001",
                order_number=1001, email=JANE, contact_email=JANE, created_at=stamp,
                updated_at=stamp)  # fmt: skip
    body["total_shipping_price_set"]["shop_money"]["amount"] = "5.00"
    body["customer"].update(
        id=6661001, email=JANE, first_name="Jane", last_name="Doe", phone=JANE_PHONE,
        admin_graphql_api_id="gid://shopify/Customer/6661001",
        sms_marketing_consent={"state": "subscribed", "opt_in_level": "single_opt_in",
                               "consent_updated_at": stamp,
                               "consent_collected_from": "SHOPIFY"},
    )  # fmt: skip
    body["shipping_address"].update(
        first_name="Jane", last_name="Doe", name="Jane Doe", company=None,
        address1="310 W 125th St", address2="Apt 4B", city="New York", zip="10027",
        province="New York", province_code="NY", country="United States", country_code="US",
        phone="(212) 555-0143",
    )  # fmt: skip
    line = body["line_items"][1]
    line.update(id=7771001, admin_graphql_api_id="gid://shopify/LineItem/7771001",
                name="Hudson Tee - M", price="28.00", product_id=7001, quantity=1,
                sku="HT-M", title="Hudson Tee", variant_id=8001, variant_title="M")  # fmt: skip
    cap = {**line, "id": 7771002, "admin_graphql_api_id": "gid://shopify/LineItem/7771002",
           "name": "Hudson Cap", "price": "22.00", "product_id": 7002, "sku": "HC-1",
           "title": "Hudson Cap", "variant_id": 8101, "variant_title": None}  # fmt: skip
    body["line_items"] = [line, cap]
    return body


def fulfilled_node(n: int, placed: datetime, email: str, company: str, number: str,
                   city: str, zip_code: str, state: str) -> dict[str, Any]:  # fmt: skip
    """An ``Order`` node already fulfilled, as the backfill reads it."""
    node = copy.deepcopy(fixture("shopify", "order_node.json"))
    stamp = placed.strftime("%Y-%m-%dT%H:%M:%SZ")
    node.update(id=f"gid://shopify/Order/555100{n}", name=f"#100{n}", email=email,
                createdAt=stamp, updatedAt=stamp, customerLocale="en-US")  # fmt: skip
    node["customer"].update(id=f"gid://shopify/Customer/666100{n}", email=email, phone=None,
                            smsMarketingConsent=None)  # fmt: skip
    node["shippingAddress"].update(city=city, zip=zip_code, province=state)
    node["lineItems"]["nodes"][0].update(
        id=f"gid://shopify/LineItem/777100{n}", sku="HT-S", title="Hudson Tee",
        variantTitle="S", originalUnitPriceSet={"shopMoney": {"amount": "28.0",
                                                               "currencyCode": "USD"}},
    )  # fmt: skip
    node["fulfillments"] = [
        {"id": f"gid://shopify/Fulfillment/888100{n}", "createdAt": stamp,
         "trackingInfo": [{"company": company, "number": number, "url": None}]}
    ]  # fmt: skip
    return node


@pytest.fixture
def world() -> Iterator[World]:
    outside = World(FakeShopify(products=[tee_product()]), FakeUsps(), FakeUpsFedEx(),
                    FakeTwilio())  # fmt: skip
    with respx.mock(assert_all_called=False) as mock:
        mock.post(SHOPIFY_GRAPHQL).mock(side_effect=outside.store.answer)
        mock.post(f"{USPS}/oauth2/v3/token").mock(side_effect=outside.usps.token)
        mock.get(url__startswith=f"{USPS}/tracking/v3/tracking/").mock(
            side_effect=outside.usps.track
        )
        mock.post(f"{UPS}/security/v1/oauth/token").mock(side_effect=outside.others.ups_token)
        mock.get(url__startswith=f"{UPS}/api/track/v1/details/").mock(
            side_effect=outside.others.ups_track
        )
        mock.post(f"{FEDEX}/oauth/token").mock(side_effect=outside.others.fedex_token)
        mock.post(f"{FEDEX}/track/v1/trackingnumbers").mock(side_effect=outside.others.fedex_track)
        mock.post(MESSAGES_URL).mock(side_effect=outside.twilio.answer)
        yield outside


# --- the walk ----------------------------------------------------------------------------


async def test_a_us_shopify_shop_with_usps_ups_fedex_sms_exchanges_and_writeback(
    shop_app: Starlette, world: World, smtp_sink: SmtpSink
) -> None:
    settings = shop_app.state.settings
    shop = await sign_up(shop_app, SLUG, "Hudson Tees", country="US", locale="en",
                         time_zone="America/New_York")  # fmt: skip
    assert "America/New_York" in shop.merchant_said, shop.merchant_said

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as customer,
        client_for(shop_app) as staff,
        httpx.AsyncClient(timeout=15.0) as http,
        contextlib.AsyncExitStack() as clock,
    ):
        customer.headers["Accept-Language"] = "en-US,en;q=0.9"
        staff.headers["Accept-Language"] = "en-US,en;q=0.9"
        # docs/api.md, "Carrier accounts": USPS, UPS and FedEx, each tested.
        for key, name, credentials in [("usps", "USPS", USPS_CREDENTIALS),
                                       ("ups", "UPS", UPS_CREDENTIALS),
                                       ("fedex", "FedEx", FEDEX_CREDENTIALS)]:  # fmt: skip
            await add_tested_carrier(api, key, name, credentials)

        # "Settings", "Return reasons", "Return policy": texts for the delivery, quiet hours
        # 21:00-08:00 on the customer's clock; exchanges free.
        shop_settings, policy = await configure_shop(
            api,
            settings={"support_email": "help@hudsontees.test", "support_phone": "+1 212 555 0100",
                      "quiet_hours_start": "21:00", "quiet_hours_end": "08:00",
                      "notification_rules": {"delivered": ["email", "sms"]}},
            reasons={"size": {"en": "Doesn't fit"}, "changed_mind": {"en": "Changed my mind"}},
            policy={"resolutions": ["refund", "exchange"], "return_shipping_fee": "7.50",
                    "fee_waivers": {"exchange": True}, "auto_approve": {"enabled": True},
                    "return_address": {"name": "Hudson Tees Returns", "line1": "55 Water St",
                                       "city": "Brooklyn", "postal_code": "11201",
                                       "country": "US"}},
        )  # fmt: skip
        assert (shop_settings["default_locale"], shop_settings["time_zone"]) == (
            "en", "America/New_York",
        )  # fmt: skip
        assert policy["eu_consumer_law"] is None

        # docs/platforms.md, "Shopify: a custom app": `portal connect shopify`.
        args = argparse.Namespace(platform="shopify", merchant=SLUG, url="snowdevil.myshopify.com",
                                  token=SHOPIFY_TOKEN, app_secret=SHOPIFY_SECRET,
                                  no_webhooks=False)  # fmt: skip
        said = await connect_store(args, settings, http)
        assert said[0].startswith(f"Connected shopify store {SHOP}"), said
        [store] = (await api.get("/api/v1/stores")).json()["data"]
        assert len(world.store.subscriptions) == 8

        # Mark's (UPS) and Lucy's (FedEx) orders come with the backfill, with the products.
        placed = datetime.now(UTC) - timedelta(days=3)
        world.store.orders += [
            fulfilled_node(2, placed, MARK, "UPS", UPS_NUMBER, "Los Angeles", "90012", "CA"),
            fulfilled_node(3, placed, LUCY, "FedEx", FEDEX_NUMBER, "Austin", "78701", "TX"),
        ]  # fmt: skip
        while await sync_job(settings, http):
            pass
        [store] = (await api.get("/api/v1/stores")).json()["data"]
        assert store["last_error"] is None and store["last_sync_at"], store
        tee = (await api.get("/api/v1/products/hudson-tee")).json()
        assert {v["sku"]: v["available"] for v in tee["variants"]} == {
            "HT-S": 4, "HT-M": 7, "HT-L": 3,
        }, tee  # fmt: skip
        carriers = {s.tracking_number: s.carrier_key for s in await Shipment.all()}
        assert carriers == {UPS_NUMBER: "ups", FEDEX_NUMBER: "fedex"}, carriers

        # Jane orders at the checkout, agreeing to texts: the signed orders/create webhook.
        placed = datetime.now(UTC) - timedelta(hours=2)
        hook = f"/webhooks/platforms/{store['id']}"
        created = await customer.post(
            hook, content=(sent := shopify_delivery("orders/create",
                                                    jane_order_webhook(placed), "wh-1"))[1],
            headers=sent[0],
        )  # fmt: skip
        assert created.status_code == 200, created.text
        order = (await api.get("/api/v1/orders/%231001")).json()
        assert order["currency"] == "USD" and order["shipping_total"] == "5.00", order
        assert order["customer"]["phone"] == JANE_PHONE, order["customer"]
        assert [i["sku"] for i in order["items"]] == ["HT-M", "HC-1"], order

        # Fulfilled with USPS: fulfillments/create gives the number.
        fulfilment = copy.deepcopy(fixture("shopify", "fulfillments_create.json"))
        fulfilment.update(
            id=8881001, order_id=5551001, tracking_company="USPS", tracking_number=USPS_NUMBER,
            tracking_numbers=[USPS_NUMBER], email=JANE, name="#1001.1",
            tracking_url=f"https://tools.usps.com/go/TrackConfirmAction?tLabels={USPS_NUMBER}",
            tracking_urls=[], admin_graphql_api_id="gid://shopify/Fulfillment/8881001",
        )  # fmt: skip
        headers, raw = shopify_delivery("fulfillments/create", fulfilment, "wh-2")
        fulfilled = await customer.post(hook, content=raw, headers=headers)
        assert fulfilled.status_code == 200, fulfilled.text
        parcel = await Shipment.get(tracking_number=USPS_NUMBER)
        assert parcel.carrier_key == "usps"
        # What Shopify holds of her order beyond the webhooks: her card payment and the
        # fulfilment's line items (read only when a return is written back).
        world.store.order_context["gid://shopify/Order/5551001"] = {
            "transactions": [
                {"id": "gid://shopify/OrderTransaction/9991001", "kind": "SALE",
                 "status": "SUCCESS", "gateway": "shopify_payments",
                 "amountSet": {"shopMoney": {"amount": "55.00"}}, "parentTransaction": None},
            ],
            "fulfillments": [{"fulfillmentLineItems": {"nodes": [
                {"id": "gid://shopify/FulfillmentLineItem/8891001", "quantity": 1,
                 "lineItem": {"id": "gid://shopify/LineItem/7771001"}},
                {"id": "gid://shopify/FulfillmentLineItem/8891002", "quantity": 1,
                 "lineItem": {"id": "gid://shopify/LineItem/7771002"}},
            ]}}],
        }  # fmt: skip

        # The parcels travel: USPS takes Jane's; UPS and FedEx delivered the others.
        world.usps.scan(USPS_NUMBER, "USPS in possession of item", "03", "BROOKLYN", "NY",
                        "11201")  # fmt: skip
        await worker_pass(shop_app, http)
        statuses = {s.tracking_number: s.status for s in await Shipment.all()}
        assert statuses == {USPS_NUMBER: "in_transit", UPS_NUMBER: "delivered",
                            FEDEX_NUMBER: "delivered"}, statuses  # fmt: skip
        [shipped] = mails_to(smtp_sink, JANE)
        assert shipped["Reply-To"] == "help@hudsontees.test"
        text = plain_text(shipped)
        assert text.startswith("Hi Jane Doe"), text
        link = tracking_link_in(text)
        assert parcel_behind(shop_app, link) == parcel.id
        page = await customer.get(link)
        assert page.status_code == 200 and '<html lang="en"' in page.text

        # Delivered at 22:30 in New York: the e-mail goes at once, the text waits for the
        # morning (quiet hours 21:00-08:00 on her clock); the rest of the walk is that morning.
        local = datetime.now(NEW_YORK)
        night = datetime.combine(local.date(), time(22, 30), NEW_YORK)
        if not 8 <= local.hour < 22:  # already in quiet hours
            night = local + timedelta(minutes=1)
        morning = datetime.combine(night.date() + timedelta(days=night.hour >= 8), time(8, 5),
                                   NEW_YORK)  # fmt: skip
        with time_machine.travel(night, tick=True):
            world.usps.scan(USPS_NUMBER, "Delivered, In/At Mailbox", "01", "NEW YORK", "NY",
                            "10027")  # fmt: skip
            parcel = await Shipment.get(id=parcel.id)
            due = max(parcel.next_poll_at or datetime.now(UTC), datetime.now(UTC))
            await sweep_until_idle(settings, client=http, now=due)  # the worker's poll
            await drain_outbox(shop_app, http)
            parcel = await Shipment.get(id=parcel.id)
            assert parcel.status == "delivered"
            assert mails_to(smtp_sink, JANE)[-1]["Subject"] != shipped["Subject"]
            assert world.twilio.texts() == [], "held in quiet hours"
        clock.enter_context(time_machine.travel(morning + timedelta(hours=1), tick=True))
        await drain_outbox(shop_app, http)
        held = [(m.channel, m.state, m.scheduled_for, m.attempts)
                for m in await OutboxMessage.filter(channel="sms")]  # fmt: skip
        assert len(world.twilio.texts()) == 1, (held, morning)
        [sms] = world.twilio.texts()
        assert sms["To"] == JANE_PHONE, sms
        assert sms["Body"].startswith("Hudson Tees: "), sms["Body"]
        assert parcel_behind(shop_app, sms["Body"]) == parcel.id

        # Delivery goes back to Shopify as fulfilment events, one per parcel.
        while await push_once(settings, client=http):
            pass
        await push_once(settings, client=http)
        delivered = {e["fulfillmentId"]: e["status"] for e in world.store.events
                     if e["status"] == "DELIVERED"}  # fmt: skip
        assert delivered == {
            "gid://shopify/Fulfillment/8881001": "DELIVERED",
            "gid://shopify/Fulfillment/8881002": "DELIVERED",
            "gid://shopify/Fulfillment/8881003": "DELIVERED",
        }, world.store.events

        # STOP: no more texts to Jane, even when Shopify later says she is subscribed.
        stopped = await twilio_inbound(customer, "STOP", sender=JANE_PHONE)
        assert stopped.status_code == 200, stopped.text
        edited = jane_order_webhook(placed)
        headers, raw = shopify_delivery("orders/updated", edited, "wh-3")
        updated = await customer.post(hook, content=raw, headers=headers)
        assert updated.status_code == 200, updated.text
        jane = await Customer.get(email=JANE)
        assert not jane.sms_opt_in, "STOP wins over the store's marketing consent"

        # The returns page: the tee back for an L, the cap for a refund; the merchant has
        # turned on writing returns back to the store.
        turned = await api.patch(f"/api/v1/stores/{store['id']}", json={"write_returns": True})
        assert turned.status_code == 200, turned.text
        start = await customer.get(f"/returns?shop={SLUG}")
        found = await customer.post(
            f"/returns?shop={SLUG}",
            data={"order": "#1001", "contact": JANE, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        assert order_page.status_code == 200, order_page.text
        assert "$28.00" in order_page.text, "dollars as Americans write them"
        db_order = await Order.get(number="#1001")
        items = {i.sku: i for i in await db_order.items.all()}
        tee, cap = items["HT-M"], items["HC-1"]
        options = await customer.post(
            f"/returns/orders/{db_order.id}/items",
            data={"csrf_token": csrf_in(order_page.text), "draft": draft_of(order_page.text),
                  f"quantity-{tee.id}": "1", f"reason-{tee.id}": "size",
                  f"quantity-{cap.id}": "1", f"reason-{cap.id}": "changed_mind"},
            files={"unused": ("", b"", "application/octet-stream")},
        )  # fmt: skip
        assert options.status_code == 200, options.text
        large = re.search(r'<option value="(\d+)"[^>]*>[^<]*\bL\b[^<]*</option>', options.text)
        assert large, options.text
        method = re.search(r'name="method" value="(\w+)"', options.text)
        assert method, options.text
        rma = await resolve_and_confirm(
            customer, f"/returns/orders/{db_order.id}", options.text,
            {f"resolution-{tee.id}": "exchange", f"variant-{tee.id}": large.group(1),
             f"resolution-{cap.id}": "refund", "method": method.group(1)},
        )  # fmt: skip
        exchange = await ReturnRequest.get()
        assert exchange.number == rma
        after = (await api.get("/api/v1/products/hudson-tee")).json()
        assert {v["sku"]: v["available"] for v in after["variants"]}["HT-L"] == 2, after

        # The owner's queue: the day as Americans write it, dollars.
        token = await sign_in_as(staff, shop.owner_email, shop.owner_password)
        queue = await staff.get("/admin/returns")
        assert exchange.number in queue.text
        today = format_date(datetime.now(NEW_YORK).date(), "medium", locale="en_US")
        assert f">{today}</time>" in queue.text, "Dec 8, 2026: the shop's day, US style"
        refund = format_currency(exchange.refund_total, "USD", locale="en_US")
        assert refund.startswith("$") and f">{refund}<" in queue.text, (refund, "dollars")
        assert "US$" not in queue.text
        path = f"/admin/returns/{exchange.id}"
        conditions = {f"condition_{i.id}": "as_new" for i in await exchange.items.all()}
        for step, data in [("receive", {}), ("inspect", conditions), ("resolve", {})]:
            stepped = await staff.post(f"{path}/{step}", data={"csrf_token": token, **data})
            assert stepped.status_code == 303, (step, stepped.text)
        await drain_outbox(shop_app, http)
        exchange = await ReturnRequest.get()
        assert exchange.state == "resolved"
        while await push_once(settings, client=http):
            pass
        # RefundInput as shopify.dev documents it, paid back through her card payment
        # (https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/RefundInput,
        # https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/OrderTransactionInput).
        note = f"Return {exchange.number} resolved in Doorstep"
        assert world.store.refunds == [
            {"orderId": "gid://shopify/Order/5551001", "note": note, "notify": False,
             "refundLineItems": [{"lineItemId": "gid://shopify/LineItem/7771002",
                                  "quantity": 1, "restockType": "NO_RESTOCK"}],
             "transactions": [{"orderId": "gid://shopify/Order/5551001",
                               "parentId": "gid://shopify/OrderTransaction/9991001",
                               "gateway": "shopify_payments", "kind": "REFUND",
                               "amount": str(exchange.refund_total)}]},
        ], world.store.refunds  # fmt: skip
        # The tee's exchange as a returnCreate: its fulfilment line item back ("Doesn't
        # fit", code "size", is Shopify's OTHER), the L variant out
        # (https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/ReturnInput).
        assert world.store.returns == [
            {"orderId": "gid://shopify/Order/5551001",
             "returnLineItems": [{"fulfillmentLineItemId":
                                  "gid://shopify/FulfillmentLineItem/8891001",
                                  "quantity": 1, "returnReason": "OTHER",
                                  "returnReasonNote": note}],
             "exchangeLineItems": [{"variantId": "gid://shopify/ProductVariant/8002",
                                    "quantity": 1}],
             "notifyCustomer": False},
        ], world.store.returns  # fmt: skip
        # Shopify added the L tee to her order as the exchange's line item and holds it as
        # a fulfilment order there; the owner fulfils it in Shopify with a USPS label, and
        # fulfillments/create names that line item
        # (https://shopify.dev/docs/apps/build/orders-fulfillment/returns-apps/read-exchanges,
        # https://shopify.dev/docs/api/admin-rest/2025-01/resources/fulfillment): the parcel
        # is the replacement order's, tracked and told to Jane as hers.
        replacement = await Order.get(number=f"#1001-{exchange.number}")
        line = copy.deepcopy(fixture("shopify", "orders_create.json")["line_items"][1])
        line.update(
            id=7100010,
            admin_graphql_api_id="gid://shopify/LineItem/7100010",
            sku="HT-L",
            variant_id=8002,
            title="Hudson Tee",
            variant_title="L",
        )
        swapped = copy.deepcopy(fulfilment)
        swapped.update(
            id=8881002, tracking_number=EXCHANGE_NUMBER, tracking_numbers=[EXCHANGE_NUMBER],
            name="#1001.2", admin_graphql_api_id="gid://shopify/Fulfillment/8881002",
            line_items=[line],
        )  # fmt: skip
        for delivery in ("wh-ex-1", "wh-ex-2"):  # delivered twice: one parcel
            headers, raw = shopify_delivery("fulfillments/create", swapped, delivery)
            answered = await customer.post(hook, content=raw, headers=headers)
            assert answered.status_code == 200, answered.text
        [sent] = await Shipment.filter(tracking_number=EXCHANGE_NUMBER)
        assert (sent.order_id, sent.carrier_key) == (replacement.id, "usps")
        world.usps.scan(EXCHANGE_NUMBER, "USPS in possession of item", "03", "BROOKLYN", "NY",
                        "11201")  # fmt: skip
        told = len(mails_to(smtp_sink, JANE))
        await worker_pass(shop_app, http)
        assert (await Shipment.get(id=sent.id)).status == "in_transit"
        news = mails_to(smtp_sink, JANE)[told:]
        assert [parcel_behind(shop_app, tracking_link_in(plain_text(m))) for m in news] == [
            sent.id
        ], [m["Subject"] for m in news]

        # The resolution's event handed to the listener again (a replayed job): nothing
        # more goes to Shopify.
        [resolved_event] = await DomainEvent.filter(kind=RETURN_RESOLVED, subject_id=exchange.id)
        await queue_return(resolved_event, listener_context(connections.get("default"), settings))
        while await push_once(settings, client=http):
            pass
        assert (len(world.store.refunds), len(world.store.returns)) == (1, 1)

        # The survey.
        [survey_mail] = [m for m in mails_to(smtp_sink, JANE) if "/s/" in plain_text(m)]
        survey_link = re.search(r"https?://\S+/s/([A-Za-z0-9._~-]+)", plain_text(survey_mail))
        assert survey_link, plain_text(survey_mail)
        survey_token = survey_link.group(1)
        page = await customer.get(f"/s/{survey_token}")
        asked = re.findall(r'name="question" value="(\w+)"', page.text)
        for question in asked[:2]:
            answered = await tap(customer, survey_token, question, 5, comment="Great fit now")
            assert answered.status_code == 200, answered.text

        # The owner's analytics: the return's reasons, the survey's answer, in English.
        overview = await staff.get("/admin/analytics/returns")
        assert overview.status_code == 200 and '<html lang="en"' in overview.text
        assert "Changed my mind" in overview.text, "the cap's reason"
        satisfaction = await staff.get("/admin/analytics/satisfaction")
        assert satisfaction.status_code == 200 and "Great fit now" in satisfaction.text
        assert await OutboxMessage.filter(channel="sms", state="sent").count() == 1
        assert world.twilio.texts() == [sms], "nothing after STOP"

        # Set up through the API alone: nothing left to do but the optional branding.
        setup = await api.get("/api/v1/setup")
        assert setup.status_code == 200 and setup.json()["complete"], setup.text
