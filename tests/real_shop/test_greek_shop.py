"""A Greek shop that never loaded the demo, walked through end to end as its owner follows
README.md and docs/.

*Κατάστημα Ελένη* (Thessaloniki, prices in EUR) is made with ``portal merchant create
--locale el --country GR``, ``portal user create`` and ``portal apikey create``; its ACS
and BOX NOW accounts, settings, return policy and Greek return reasons go through
``/api/v1``; its Shopify store is connected with ``portal connect shopify`` (the command's
own function, in this process, so the store can be faked at HTTP) and imported by the
worker's ``sync-stores`` job. A customer in Thessaloniki orders a dress and a scarf; her
parcel goes to a BOX NOW locker. Messages go through a real SMTP server (aiosmtpd) and,
once she agrees to texts on the preferences page, through the twilio library to Twilio's
Messages API (respx). She reads the tracking page, the returns pages and the survey in
Greek, returns the scarf for store credit and answers the survey; the shop sees the return
in its queue and analytics, and Shopify gets the parcel's fulfilment events.

What is faked, and where its shapes come from:

- Shopify's GraphQL Admin API (2025-01), as :class:`tests.platforms.fakes.FakeShopify`
  answers it from tests/fixtures/shopify (SOURCE.md there). The order starts from
  ``order_node.json`` (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order);
  its fulfilment's ``trackingInfo`` is a ``FulfillmentTrackingInfo``
  (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/FulfillmentTrackingInfo:
  ``company``, ``number``), and the phone a Greek checkout asks for is the shipping
  address's ``phone`` (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/MailingAddress),
  the customer's own ``phone`` being empty until she subscribes to SMS marketing.
- BOX NOW's Partner API (``POST /api/v1/auth-sessions``, ``GET /api/v1/parcels``) in the
  shapes of tests/fixtures/boxnow (SOURCE.md: the Partner API OpenAPI document 1.65,
  https://github.com/m-michalis/boxnow-php/blob/master/partner_api_1.65.yaml).
- ACS Web Services (``POST …/ACSAutoRest``, ``ACS_Trackingsummary`` and
  ``ACS_TrackingDetails``) answered with tests/fixtures/acs (SOURCE.md: ACS's "ACS Rest
  API" manual, https://webservices.acscourier.net/ACSRestServices/api/ACSAutoResthelp).
- Twilio's Messages API, as :class:`tests.real_shop.helpers.FakeTwilio`.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.cli import connect_store
from portal.models import Customer, Order, ReturnRequest, Shipment, Survey
from portal.platforms.backfill import sync_job
from portal.platforms.writeback import push_once
from portal.surveys.scheduling import schedule_due_surveys
from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.platforms.fakes import FakeShopify, fixture
from tests.real_shop.helpers import (
    MESSAGES_URL,
    TEXTS_AROUND_THE_CLOCK,
    FakeTwilio,
    SignedUp,
    add_tested_carrier,
    analytics,
    configure_shop,
    csrf_in,
    drain_outbox,
    opt_in_on_preferences_page,
    parcel_behind,
    plain_text,
    poll_when_due,
    portal_command,
    tracking_link_in,
    twilio_inbound,
    worker_pass,
)
from tests.returns_page.helpers import draft_of, resolve_and_confirm
from tests.survey_page.helpers import tap

pytestmark = pytest.mark.slow  # three `portal` processes and a walk of tens of seconds

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SHOP_DOMAIN = "katastima-eleni.myshopify.com"
SHOPIFY_TOKEN = "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"
SHOPIFY_SECRET = "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"
BOXNOW = "https://api-production.boxnow.gr"
BOXNOW_ID, BOXNOW_SECRET = "eleni-boxnow-client", "boxnow-μυστικό"
ACS_URL = "https://webservices.acscourier.net/ACSRestServices/api/ACSAutoRest"
ACS_ACCOUNT = {"api_key": "acs-eleni-key", "company_id": "ELENI", "company_password": "acs-pw",
               "user_id": "eleni", "user_password": "acs-user-pw"}  # fmt: skip
LOCKER_PARCEL = "6423451087"
ACS_VOUCHER = "7227889174"
EMAIL = "maria.papadaki@example.test"
LOCKER = "Τσιμισκή 43 - Μασούτης"
#: What a browser set to Greek asks for.
GREEK_BROWSER = "el-GR,el;q=0.9,en-US;q=0.8,en;q=0.7"


def shopify_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "EUR"}}


# --- the Shopify store -------------------------------------------------------------------


def maria_order(placed: datetime) -> dict[str, Any]:
    """An Order node: a dress and a scarf to Thessaloniki in EUR, fulfilled to a BOX NOW
    locker. Maria gave her mobile at checkout, on the shipping address, as Greek shoppers
    type it; her customer record has no phone (she never subscribed to SMS marketing)."""
    node = copy.deepcopy(fixture("shopify", "order_node.json"))
    node.update(id="gid://shopify/Order/5012345678901", name="#1042", email=EMAIL,
                currencyCode="EUR", createdAt=shopify_time(placed),
                updatedAt=shopify_time(placed), totalShippingPriceSet=money("2.50"),
                totalRefundedSet=money("0.0"))  # fmt: skip
    node["customer"].update(
        id="gid://shopify/Customer/7012345678", email=EMAIL, phone=None,
        firstName="Μαρία", lastName="Παπαδάκη",
        smsMarketingConsent={"marketingState": "NOT_SUBSCRIBED", "marketingOptInLevel": None,
                             "consentUpdatedAt": None, "consentCollectedFrom": None},
    )  # fmt: skip
    node["shippingAddress"] = {"name": "Μαρία Παπαδάκη", "address1": "Εγνατίας 120",
                               "address2": "3ος όροφος", "city": "Θεσσαλονίκη",
                               "province": "Θεσσαλονίκη", "zip": "546 30",
                               "countryCodeV2": "GR", "phone": "697 123 4567"}  # fmt: skip
    node["lineItems"]["nodes"] = [
        {"id": "gid://shopify/LineItem/13012345678901", "sku": "FOREMA-M",
         "title": "Φόρεμα λινό", "quantity": 1, "variantTitle": "M",
         "originalUnitPriceSet": money("59.90")},
        {"id": "gid://shopify/LineItem/13012345678902", "sku": "KASKOL",
         "title": "Κασκόλ μεταξωτό", "quantity": 1, "variantTitle": None,
         "originalUnitPriceSet": money("24.00")},
    ]  # fmt: skip
    node["fulfillments"] = [
        {"id": "gid://shopify/Fulfillment/4012345678", "status": "SUCCESS",
         "trackingInfo": [{"company": "BOX NOW", "number": LOCKER_PARCEL}]},
    ]  # fmt: skip
    return node


def nikos_order(placed: datetime) -> dict[str, Any]:
    """Another order: the scarf to Lamia, delivered home by an ACS courier."""
    node = maria_order(placed)
    node.update(id="gid://shopify/Order/5012345678902", name="#1043", email="nikos@example.test")
    node["customer"].update(id="gid://shopify/Customer/7012345679", email="nikos@example.test",
                            firstName="Νίκος", lastName="Παπαδόπουλος")  # fmt: skip
    node["shippingAddress"].update(name="Νίκος Παπαδόπουλος", address1="Ερμού 12",
                                   address2="", city="Λαμία", province="Φθιώτιδα",
                                   zip="351 00", phone="+30 694 555 1234")  # fmt: skip
    node["lineItems"]["nodes"] = [
        {**node["lineItems"]["nodes"][1], "id": "gid://shopify/LineItem/13012345678903"}
    ]
    node["fulfillments"] = [
        {"id": "gid://shopify/Fulfillment/4012345679", "status": "SUCCESS",
         "trackingInfo": [{"company": "ACS Courier", "number": ACS_VOUCHER}]},
    ]  # fmt: skip
    return node


# --- BOX NOW and ACS, faked at HTTP ------------------------------------------------------


@dataclass
class FakeBoxNow:
    """``POST /api/v1/auth-sessions`` and ``GET /api/v1/parcels?parcelId=``: the parcel of
    journey.json bound for a Thessaloniki locker, its events added as the test goes."""

    events: list[dict[str, Any]] = field(default_factory=list)
    state: str = "new"

    def move(self, kind: str, state: str, where: str, postcode: str) -> None:
        stamp = datetime.now(UTC).replace(microsecond=0)
        if self.events:
            newest = datetime.fromisoformat(self.events[0]["createTime"].replace("Z", "+00:00"))
            stamp = max(stamp, newest + timedelta(seconds=1))
        event = {"type": kind, "locationDisplayName": where, "locationId": "118",
                 "postalCode": postcode,
                 "createTime": stamp.isoformat().replace("+00:00", ".000Z")}  # fmt: skip
        self.events.insert(0, event)
        self.state = state

    def token(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        assert (sent["client_id"], sent["client_secret"]) == (BOXNOW_ID, BOXNOW_SECRET)
        return httpx.Response(200, json=fixture("boxnow", "token.json"))

    def parcels(self, request: httpx.Request) -> httpx.Response:
        bearer = fixture("boxnow", "token.json")["access_token"]
        assert request.headers["Authorization"] == f"Bearer {bearer}"
        if request.url.params["parcelId"] != LOCKER_PARCEL or not self.events:
            return httpx.Response(200, json=fixture("boxnow", "parcels_empty.json"))
        page = fixture("boxnow", "journey.json")
        parcel = page["data"][0]
        parcel["deliveryRequest"]["origin"]["contactName"] = "Κατάστημα Ελένη"
        parcel["deliveryRequest"]["destination"].update(
            contactName="Μαρία Παπαδάκη", contactNumber="+30 697 123 4567",
            contactEmail=EMAIL, locationId="118", title="BOX NOW Τσιμισκή", name=LOCKER,
            addressLine1="Τσιμισκή 43", postalCode="54623", note="Δίπλα στο ταμείο",
        )  # fmt: skip
        parcel.update(state=self.state, events=self.events)
        return httpx.Response(200, json=page)


def acs_fixture(name: str) -> Any:
    """An ACS answer with its days moved to this week: picked up two days ago, delivered
    yesterday (ACS writes Athens time without an offset)."""
    text = (FIXTURES / "acs" / name).read_text(encoding="utf-8")
    today = datetime.now(UTC).date()
    for day, moved in (("2026-11-23", 2), ("2026-11-24", 1), ("2026-11-25", 0)):
        text = text.replace(day, (today - timedelta(days=moved)).isoformat())
        text = text.replace(f"{day[8:]}/{day[5:7]}/{day[:4]}",
                            (today - timedelta(days=moved)).strftime("%d/%m/%Y"))  # fmt: skip
    return json.loads(text)


def acs_answer(request: httpx.Request) -> httpx.Response:
    """ACS_Trackingsummary and ACS_TrackingDetails of the delivered voucher; an empty
    summary for any other (what the account test asks)."""
    body = json.loads(request.content)
    assert request.headers["ACSApiKey"] == ACS_ACCOUNT["api_key"]
    params = body["ACSInputParameters"]
    assert params["Company_ID"] == ACS_ACCOUNT["company_id"]
    assert params["Language"] == "GR", "the customer's language, Greek"
    if params["Voucher_No"] != ACS_VOUCHER:
        return httpx.Response(200, json=fixture("acs", "not_found.json"))
    if body["ACSAlias"] == "ACS_Trackingsummary":
        return httpx.Response(200, json=acs_fixture("summary_delivered.json"))
    assert body["ACSAlias"] == "ACS_TrackingDetails"
    return httpx.Response(200, json=acs_fixture("details_delivered.json"))


@dataclass
class World:
    shopify: FakeShopify
    boxnow: FakeBoxNow
    twilio: FakeTwilio


@pytest.fixture
def world() -> Iterator[World]:
    outside = World(FakeShopify(token=SHOPIFY_TOKEN), FakeBoxNow(), FakeTwilio())
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host=SHOP_DOMAIN).mock(side_effect=outside.shopify.answer)
        mock.post(f"{BOXNOW}/api/v1/auth-sessions").mock(side_effect=outside.boxnow.token)
        mock.get(f"{BOXNOW}/api/v1/parcels").mock(side_effect=outside.boxnow.parcels)
        mock.post(ACS_URL).mock(side_effect=acs_answer)
        mock.post(MESSAGES_URL).mock(side_effect=outside.twilio.answer)
        yield outside


# --- the walk ----------------------------------------------------------------------------


async def sign_up_greek(app: Starlette) -> SignedUp:
    """README, "The `portal` command": the shop, its owner and the checkout's API key."""
    settings = app.state.settings
    url, var_dir = settings.database_url, Path(settings.var_dir)
    await portal_command(url, var_dir, "merchant", "create", "--slug", "katastima-eleni",
                         "--name", "Κατάστημα Ελένη", "--time-zone", "Europe/Athens",
                         "--locale", "el", "--country", "GR")  # fmt: skip
    email, password = "eleni@katastima-eleni.test", "ένας αρκετά μεγάλος κωδικός"
    await portal_command(url, var_dir, "user", "create", "--merchant", "katastima-eleni",
                         "--email", email, "--password", password, "--role", "owner")  # fmt: skip
    printed = await portal_command(url, var_dir, "apikey", "create", "--merchant",
                                   "katastima-eleni", "--name", "shopify")  # fmt: skip
    return SignedUp("katastima-eleni", email, password, printed.strip().splitlines()[-1])


def subject(message: EmailMessage) -> str:
    return str(make_header(decode_header(str(message["Subject"]))))


async def test_a_greek_shopify_shop_with_box_now_acs_returns_and_a_survey(
    shop_app: Starlette, world: World, smtp_sink: SmtpSink
) -> None:
    settings = shop_app.state.settings
    shop = await sign_up_greek(shop_app)

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as customer,
        httpx.AsyncClient(timeout=15.0) as http,
    ):
        customer.headers["Accept-Language"] = GREEK_BROWSER
        # docs/api.md, "Carrier accounts": BOX NOW's OAuth client and ACS's five values.
        carriers = {c["key"]: c for c in (await api.get("/api/v1/carriers")).json()["data"]}
        assert {"client_id", "client_secret"} <= set(carriers["boxnow"]["credential_fields"])
        assert set(carriers["acs"]["credential_fields"]) == set(ACS_ACCOUNT)
        for carrier, name, credentials in [
            ("boxnow", "BOX NOW", {"client_id": BOXNOW_ID, "client_secret": BOXNOW_SECRET}),
            ("acs", "ACS Courier", ACS_ACCOUNT),
        ]:
            await add_tested_carrier(api, carrier, name, credentials)

        # docs/api.md, "Settings": support contact, texts for the locker and the delivery,
        # no quiet hours. "Return reasons" and "Return policy": reasons in Greek, refund or
        # store credit (with a bonus), returns sent back to the Thessaloniki warehouse.
        shop_settings, policy = await configure_shop(
            api,
            settings={"support_email": "info@katastima-eleni.test",
                      "support_phone": "2310 123 456", **TEXTS_AROUND_THE_CLOCK},
            reasons={"size": {"en": "Wrong size", "el": "Λάθος μέγεθος"},
                     "not_as_pictured": {"en": "Not as pictured",
                                         "el": "Διαφορετικό από τη φωτογραφία"}},
            policy={"resolutions": ["refund", "store_credit"],
                    "store_credit_bonus_percent": "10", "return_shipping_fee": "3.50",
                    "auto_approve": {"enabled": True},
                    "return_address": {"name": "Κατάστημα Ελένη - Επιστροφές",
                                       "line1": "Μοναστηρίου 150", "city": "Θεσσαλονίκη",
                                       "postal_code": "546 27", "country": "GR"}},
        )  # fmt: skip
        assert shop_settings["default_locale"] == "el"
        assert shop_settings["time_zone"] == "Europe/Athens"
        assert policy["eu_consumer_law"] is None  # follows the shop's country: GR

        # docs/platforms.md, "Shopify": `portal connect shopify`.
        args = argparse.Namespace(platform="shopify", merchant="katastima-eleni",
                                  url=SHOP_DOMAIN, token=SHOPIFY_TOKEN,
                                  app_secret=SHOPIFY_SECRET, no_webhooks=False)  # fmt: skip
        said = await connect_store(args, settings, http)
        assert said[:2] == [f"Connected shopify store https://{SHOP_DOMAIN} (Snowdevil).",
                            "Webhooks registered: 8."], said  # fmt: skip
        connected = (await api.get("/api/v1/stores")).json()["data"]
        assert [s["platform"] for s in connected] == ["shopify"]

        # Maria and Nikos order; Sync now, and the worker's sync-stores job imports them.
        placed = datetime.now(UTC) - timedelta(hours=3)
        world.shopify.orders += [maria_order(placed), nikos_order(placed - timedelta(days=3))]
        asked = await api.post(f"/api/v1/stores/{connected[0]['id']}/sync")
        assert asked.status_code == 200, asked.text
        while await sync_job(settings, http):
            pass
        stores = (await api.get("/api/v1/stores")).json()["data"]
        assert stores[0]["last_error"] is None and stores[0]["last_sync_at"], stores
        order = (await api.get("/api/v1/orders/%231042")).json()
        assert (order["currency"], order["shipping_total"]) == ("EUR", "2.50"), order
        assert order["customer"]["phone"] == "+306971234567", "the checkout's phone, read as GR"
        parcel = await Shipment.get(tracking_number=LOCKER_PARCEL)
        assert parcel.carrier_key == "boxnow"
        home = await Shipment.get(tracking_number=ACS_VOUCHER)
        assert home.carrier_key == "acs"

        # BOX NOW: in the depot, then in the locker. E-mail in Greek.
        world.boxnow.move("new", "new", "Κατάστημα Ελένη", "54627")
        world.boxnow.move("in-depot", "in-transit", "BOX NOW Depot Θεσσαλονίκη", "570 09")
        await worker_pass(shop_app, http)
        parcel = await Shipment.get(tracking_number=LOCKER_PARCEL)
        assert parcel.status == "in_transit", parcel.status
        world.boxnow.move("final-destination", "in-final-destination", LOCKER, "54623")
        await poll_when_due(shop_app, http, parcel.id)
        parcel = await Shipment.get(tracking_number=LOCKER_PARCEL)
        assert parcel.status == "available_for_pickup", parcel.status
        mails = [m for m in smtp_sink.messages if EMAIL in str(m["To"])]
        assert [subject(m) for m in mails] == [
            "Η παραγγελία σας από το κατάστημα Κατάστημα Ελένη είναι καθ' οδόν",
            f"Το δέμα σας είναι έτοιμο για παραλαβή: {LOCKER}",
        ]
        # Greek headers travel RFC 2047-encoded (UTF-8 encoded words, ASCII lines within
        # RFC 5322's 998) and read back whole (above).
        for envelope, _message in smtp_sink.received[:2]:
            raw = envelope.original_content.split(b"\r\n\r\n", 1)[0]
            assert raw.isascii(), raw
            assert all(len(line) <= 998 for line in raw.split(b"\r\n")), raw
            words = re.findall(rb"=\?utf-8\?[bq]\?[^?]*\?=", raw, flags=re.I)
            assert len(words) >= 2, raw
        assert all(m["Reply-To"] == "info@katastima-eleni.test" for m in mails)
        assert LOCKER in subject(mails[-1]), subject(mails[-1])
        assert LOCKER in plain_text(mails[-1])
        link = tracking_link_in(plain_text(mails[-1]))
        assert parcel_behind(shop_app, link) == parcel.id

        # The tracking page in Greek: the locker, its address, what to do.
        page = await customer.get(link)
        assert page.status_code == 200
        assert '<html lang="el"' in page.text, page.text[:300]
        assert LOCKER in page.text and "Τσιμισκή 43" in page.text and "54623" in page.text
        # A locker parcel waits there (not "out for delivery"), opens with a code (not an
        # ID); BOX NOW's codes are not shown as its words; Shopify's variant is "M".
        shown = page.text
        assert "Έτοιμο για παραλαβή</span>" in shown and "Σε διανομή" not in shown
        assert "με τον κωδικό που σας έστειλε η μεταφορική" in shown
        assert "final-destination" not in shown and "in-depot" not in shown
        assert "(M)" in shown and "variant" not in shown
        # Dates and times as Babel writes them in Greek, in Thessaloniki's time.
        assert "Οι ώρες εμφανίζονται στη ζώνη ώρας Αθήνα." in shown

        # She agrees to text messages on the preferences page the e-mail links to.
        await opt_in_on_preferences_page(customer, plain_text(mails[-1]), "el")

        # Collected from the locker: e-mail and a text to her +30 mobile.
        world.boxnow.move("delivered", "delivered", LOCKER, "54623")
        await poll_when_due(shop_app, http, parcel.id)
        parcel = await Shipment.get(tracking_number=LOCKER_PARCEL)
        assert parcel.status == "delivered"
        texts = world.twilio.texts()
        assert [t["To"] for t in texts] == ["+306971234567"], texts
        assert texts[0]["Body"].startswith("Κατάστημα Ελένη: το δέμα σας παραδόθηκε.")
        assert parcel_behind(shop_app, texts[0]["Body"]) == parcel.id
        # Shopify's order status page moves with the parcel (docs/platforms.md).
        await push_once(settings, client=http)
        box_now = [(e["status"], e["message"]) for e in world.shopify.events
                   if e["fulfillmentId"] == "gid://shopify/Fulfillment/4012345678"]  # fmt: skip
        assert box_now == [
            ("IN_TRANSIT", f"Δέμα {LOCKER_PARCEL} (BOX NOW): Σε μεταφορά."),
            ("READY_FOR_PICKUP", f"Δέμα {LOCKER_PARCEL} (BOX NOW): Έτοιμο για παραλαβή."),
            ("DELIVERED", f"Δέμα {LOCKER_PARCEL} (BOX NOW): Παραδόθηκε."),
        ], world.shopify.events

        # The ACS parcel to Lamia, asked in Greek, was delivered home yesterday, before
        # the store was connected: no message about it (no flood on the first sync).
        home = await Shipment.get(tracking_number=ACS_VOUCHER)
        assert home.status == "delivered", home.status
        assert home.delivered_at is not None
        assert home.delivered_at.date() == datetime.now(UTC).date() - timedelta(days=1)
        assert not [m for m in smtp_sink.messages if "nikos@" in str(m["To"])]

        # The returns page in Greek: the scarf back for store credit.
        start = await customer.get("/returns?shop=katastima-eleni")
        assert start.status_code == 200 and '<html lang="el"' in start.text
        found = await customer.post(
            "/returns?shop=katastima-eleni",
            data={"order": "1042", "contact": EMAIL, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        assert order_page.status_code == 200, order_page.text
        assert "Λάθος μέγεθος" in order_page.text
        db_order = await Order.get(number="#1042")
        items = {i.sku: i for i in await db_order.items.all()}
        scarf = items["KASKOL"]
        options = await customer.post(
            f"/returns/orders/{db_order.id}/items",
            data={"csrf_token": csrf_in(order_page.text), "draft": draft_of(order_page.text),
                  f"quantity-{scarf.id}": "1", f"reason-{scarf.id}": "not_as_pictured"},
            files={"unused": ("", b"", "application/octet-stream")},
        )  # fmt: skip
        assert options.status_code == 200, options.text
        rma = await resolve_and_confirm(
            customer, f"/returns/orders/{db_order.id}", options.text,
            {f"resolution-{scarf.id}": "store_credit", "method": "drop_off_label"},
        )  # fmt: skip
        booked = await customer.get(f"/returns/{rma}?new=1")
        assert booked.status_code == 200 and '<html lang="el"' in booked.text
        label = await customer.get(f"/returns/{rma}/label.pdf")
        assert label.status_code == 200 and label.content.startswith(b"%PDF")
        returned = await ReturnRequest.get(number=rma)
        assert returned.state == "awaiting_shipment", returned.state

        # Staff see it in their queue, take the scarf in and settle it.
        async with client_for(shop_app) as staff:
            page = await staff.get("/admin/login")
            signed = await staff.post(
                "/admin/login",
                data={"email": shop.owner_email, "password": shop.owner_password,
                      "csrf_token": csrf_in(page.text)},
            )  # fmt: skip
            assert signed.status_code == 303, signed.text
            token = csrf_in((await staff.get("/admin/account")).text)
            queue = await staff.get("/admin/returns")
            (return_path,) = set(re.findall(r'href="(/admin/returns/\d+)"', queue.text))
            received = await staff.post(f"{return_path}/receive", data={"csrf_token": token})
            assert received.status_code == 303, received.text
            detail = await staff.get(return_path)
            (returned_item,) = re.findall(r'name="condition_(\d+)"', detail.text)
            inspected = await staff.post(
                f"{return_path}/inspect",
                data={"csrf_token": token, f"condition_{returned_item}": "as_new"},
            )
            assert inspected.status_code == 303, inspected.text
            resolved = await staff.post(f"{return_path}/resolve", data={"csrf_token": token})
            assert resolved.status_code == 303, resolved.text
            await drain_outbox(shop_app, http)

            # The survey the settled return asks, in Greek.
            later = datetime.now(UTC) + timedelta(days=3)
            await schedule_due_surveys(settings, http, now=later)
            await drain_outbox(shop_app, http, now=later)
            # Resolved, then asked how it went, in that order.
            mails = [m for m in smtp_sink.messages if EMAIL in str(m["To"])]
            resolved_mail, invitation = mails[-2:]
            # Babel's el format: a decimal comma, the sign after a no-break space.
            assert "Πίστωση στο κατάστημα: 22,90\xa0€" in plain_text(resolved_mail)
            assert subject(invitation) == "Πώς τα πήγαμε;"
            survey_link = re.search(r"/s/([A-Za-z0-9_-]+)", plain_text(invitation))
            assert survey_link, plain_text(invitation)
            # Nikos's parcel was delivered before the store was connected: no survey.
            survey = await Survey.get()
            assert survey.return_request_id == returned.id
            assert survey.locale == "el"
            opened = await customer.get(f"/s/{survey_link.group(1)}")
            assert '<html lang="el"' in opened.text
            for question in survey.questions:
                answered = await tap(customer, survey_link.group(1), question,
                                     9 if question == "nps" else 4)  # fmt: skip
                assert answered.status_code == 200, answered.text

            today = datetime.now(UTC).date()
            shown = await analytics(staff, today - timedelta(days=1), today + timedelta(days=1))
            assert shown["return_reasons"][1:] == [["not_as_pictured", "1", "2", "50.00"]]
            # Maria's order: Nikos's was placed before the period.
            assert shown["Return rate"] == ("50.0%", "1 of 2 items sold in the period")
            assert [row[:4] for row in shown["satisfaction_by_return_reason"][1:]] == [
                ["not_as_pictured", "ces", "1", "100.00"],
                ["not_as_pictured", "csat", "1", "100.00"],
            ]
            assert shown["transit_by_destination"][1][:2] == ["GR", "2"]  # BOX NOW and ACS

        # Enough texts: she answers "Στοπ" on her Greek keyboard. Twilio knows only its
        # English keywords, so the portal stops the texts and says so, in Greek.
        stopped = await twilio_inbound(customer, "Στοπ", sender="+306971234567")
        assert stopped.status_code == 200, stopped.text
        assert "Κατάστημα Ελένη: δεν θα λαμβάνετε πλέον SMS" in stopped.text
        maria = await Customer.get(email=EMAIL)
        assert maria.sms_opt_in is False
