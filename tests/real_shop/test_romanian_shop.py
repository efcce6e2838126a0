"""A Romanian shop that never loaded the demo, walked through end to end as its owner
follows README.md and docs/.

*Magazin Ana* (Bucharest, prices in RON) is made with ``portal merchant create --locale ro
--country RO``, ``portal user create`` and ``portal apikey create``; its Sameday account,
settings, return policy and return reasons go through ``/api/v1``; its WooCommerce store
is connected with ``portal connect woocommerce`` (the command's own function, in this
process, so the store can be faked at HTTP) and imported by the worker's ``sync-stores``
job. A customer in Bucharest orders two tees and socks; her parcel goes to an easybox.
Messages go through a real SMTP server (aiosmtpd) and, once she agrees to texts on the
preferences page, through the twilio library to Twilio's Messages API (respx). She reads
the tracking page and the returns pages in Romanian, exchanges a tee for another size and
withdraws from the rest of the contract (Directive 2011/83/EU, 14 days).

What is faked, and where its shapes come from:

- WooCommerce's REST API v3 (``/wp-json/wc/v3``) as :class:`tests.platforms.fakes.FakeWoo`:
  orders, products and variations, webhooks and notes, shaped as
  https://woocommerce.github.io/woocommerce-rest-api-docs/ shows them ("Retrieve an
  order", "Retrieve a product", "List all product variations", "Create a webhook"; the
  order's ``_wc_shipment_tracking_items`` meta is the Shipment Tracking extension's,
  https://woocommerce.com/document/shipment-tracking/). The orders are Magazin Ana's
  (tests/real_shop/magazin_ana.py), from tests/fixtures/woocommerce/order.json.
- Sameday's client API (``POST /api/authenticate``, ``GET /api/client/awb/{awb}/status``),
  shaped as its PHP SDK's documented answers (tests/fixtures/sameday/SOURCE.md:
  https://github.com/sameday-courier/php-sdk, ``tests/Responses/``); the easybox and
  delivered scans are those of tests/fixtures/sameday/easybox.json and delivered.json.
- Twilio's Messages API, as :class:`tests.real_shop.helpers.FakeTwilio`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.cli import connect_store
from portal.models import Order, ReturnRequest, Shipment, Withdrawal
from portal.platforms.backfill import sync_job
from portal.platforms.writeback import push_once
from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.platforms.fakes import WOO_KEY, WOO_SECRET, FakeWoo, fixture
from tests.real_shop.helpers import (
    MESSAGES_URL,
    TEXTS_AROUND_THE_CLOCK,
    FakeTwilio,
    add_tested_carrier,
    configure_shop,
    csrf_in,
    drain_outbox,
    opt_in_on_preferences_page,
    parcel_behind,
    plain_text,
    poll_when_due,
    tracking_link_in,
    worker_pass,
)
from tests.real_shop.magazin_ana import (
    AWB,
    EMAIL,
    STORE,
    ioana_order,
    sign_up_romanian,
    tee_product,
)
from tests.returns_page.helpers import draft_of, resolve_and_confirm, withdraw

pytestmark = pytest.mark.slow  # three `portal` processes and a walk of tens of seconds

SAMEDAY = "https://api.sameday.ro"
SAMEDAY_USER, SAMEDAY_PASSWORD = "magazin_api", "parola-sameday"
SAMEDAY_TOKEN = "0123456789abcdef0123456789abcdef"
HOME_AWB = "1SDY241067423"
EASYBOX = "easybox Mega Image Unirii"
BUCHAREST = timezone(timedelta(hours=2))
#: What a browser set to Romanian asks for (pages follow it when no link names a language).
ROMANIAN_BROWSER = "ro-RO,ro;q=0.9,en-US;q=0.8,en;q=0.7"
#: Ioana's phone is set to English: the pages her Romanian e-mails open stay Romanian,
#: because an e-mail's links ask for the message's language (docs/notifications.md).
ENGLISH_BROWSER = "en-US,en;q=0.9"


# --- the store's orders --------------------------------------------------------------------


def mihai_order(placed: datetime) -> dict[str, Any]:
    """Another order: socks to Cluj, delivered home by a Sameday courier."""
    order = ioana_order(placed)
    order.update(id=1202, number="1202", total="54.99")
    person = {"first_name": "Mihai", "last_name": "Ionescu", "company": "",
              "address_1": "Str. Memorandumului 28", "address_2": "", "city": "Cluj-Napoca",
              "state": "CJ", "postcode": "400114", "country": "RO"}  # fmt: skip
    order["billing"] = {**person, "email": "mihai@example.test", "phone": "0745 987 654"}
    order["shipping"] = dict(person)
    order["meta_data"][0]["value"][0].update(
        tracking_number=HOME_AWB, tracking_id="0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    )
    order["line_items"] = [{**order["line_items"][1], "id": 903}]
    return order


# --- Sameday, faked at HTTP ------------------------------------------------------------


@dataclass
class FakeSameday:
    """``POST /api/authenticate`` and ``GET /api/client/awb/{awb}/status``: the scans
    Sameday knows per AWB, newest first, stamped when the test adds them."""

    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    logins: int = 0

    def scan(self, awb: str, scan: dict[str, Any]) -> None:
        known = self.history.setdefault(awb, [])
        stamp = datetime.now(BUCHAREST).replace(microsecond=0)
        if known:
            newest = datetime.fromisoformat(known[0]["statusDate"])
            stamp = max(stamp, newest + timedelta(seconds=1))
        known.insert(0, {**scan, "statusDate": stamp.isoformat()})

    def authenticate(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Auth-Username"] == SAMEDAY_USER
        assert request.headers["X-Auth-Password"] == SAMEDAY_PASSWORD
        self.logins += 1
        token = {**fixture("sameday", "token.json"), "token": SAMEDAY_TOKEN}
        return httpx.Response(200, json={**token, "expire_at": "2999-12-31 23:59"})

    def status(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["X-AUTH-TOKEN"] == SAMEDAY_TOKEN
        awb = request.url.path.split("/")[-2]
        history = self.history.get(awb)
        if not history:
            return httpx.Response(404, json=fixture("sameday", "not_found.json"))
        newest = history[0]
        delivered = newest["statusId"] == 9
        summary = {
            "deliveredAt": newest["statusDate"] if delivered else "",
            "lastDeliveryAttempt": newest["statusDate"] if delivered else "",
            "delivered": delivered, "canceled": False, "deliveryAttempts": int(delivered),
            "servicePayment": 0.0, "awbWeight": 1.0, "cashOnDelivery": 0.0,
            "awbNumber": awb, "redirectionsAttempts": 0,
        }  # fmt: skip
        return httpx.Response(
            200,
            json={"expeditionSummary": summary, "expeditionStatus": newest,
                  "parcelsStatus": [], "expeditionHistory": history},
        )  # fmt: skip


def sameday_scan(name: str, status_id: int) -> dict[str, Any]:
    """The scan with ``status_id`` from a documented answer (tests/fixtures/sameday)."""
    history = fixture("sameday", name)["expeditionHistory"]
    return next(dict(s) for s in history if s["statusId"] == status_id)


@dataclass
class World:
    store: FakeWoo
    sameday: FakeSameday
    twilio: FakeTwilio


@pytest.fixture
def world() -> Iterator[World]:
    product, variations = tee_product()
    outside = World(
        FakeWoo(products=[product], variations={794: variations}),
        FakeSameday(),
        FakeTwilio(),
    )
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="magazin-ana.test").mock(side_effect=outside.store.answer)
        mock.post(f"{SAMEDAY}/api/authenticate").mock(side_effect=outside.sameday.authenticate)
        mock.get(url__startswith=f"{SAMEDAY}/api/client/awb/").mock(
            side_effect=outside.sameday.status
        )
        mock.post(MESSAGES_URL).mock(side_effect=outside.twilio.answer)
        yield outside


# --- the walk ----------------------------------------------------------------------------


async def test_a_romanian_woocommerce_shop_with_sameday_easybox_returns_and_withdrawal(
    shop_app: Starlette, world: World, smtp_sink: SmtpSink
) -> None:
    settings = shop_app.state.settings
    shop = await sign_up_romanian(shop_app)

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as customer,
        httpx.AsyncClient(timeout=15.0) as http,
    ):
        customer.headers["Accept-Language"] = ENGLISH_BROWSER
        # docs/api.md, "Carrier accounts": the Sameday API user and password.
        carriers = (await api.get("/api/v1/carriers")).json()["data"]
        sameday = next(c for c in carriers if c["key"] == "sameday")
        assert set(sameday["credential_fields"]) == {"username", "password"}
        await add_tested_carrier(
            api, "sameday", "Sameday", {"username": SAMEDAY_USER, "password": SAMEDAY_PASSWORD}
        )

        # docs/api.md, "Settings": support contact, text messages for the easybox and
        # the delivery, no quiet hours. "Return reasons" and "Return policy": reasons in
        # Romanian, exchanges free, returns sent back to the Bucharest warehouse.
        shop_settings, policy = await configure_shop(
            api,
            settings={"support_email": "contact@magazin-ana.test",
                      "support_phone": "+40 21 300 1234", **TEXTS_AROUND_THE_CLOCK},
            reasons={"size": {"en": "Wrong size", "ro": "Mărime greșită"},
                     "changed_mind": {"en": "Changed my mind", "ro": "M-am răzgândit"}},
            policy={"resolutions": ["refund", "exchange"], "return_shipping_fee": "14.99",
                    "fee_waivers": {"exchange": True}, "auto_approve": {"enabled": True},
                    "return_address": {"name": "Magazin Ana - Retururi",
                                       "line1": "Str. Depozitului 3", "city": "Chiajna",
                                       "postal_code": "077040", "country": "RO"}},
        )  # fmt: skip
        assert shop_settings["default_locale"] == "ro"
        assert shop_settings["time_zone"] == "Europe/Bucharest"
        assert policy["eu_consumer_law"] is None  # follows the shop's country: RO

        # docs/platforms.md, "WooCommerce: REST API keys": `portal connect woocommerce`.
        args = argparse.Namespace(platform="woocommerce", merchant="magazin-ana", url=STORE,
                                  key=WOO_KEY, secret=WOO_SECRET, no_webhooks=False)  # fmt: skip
        said = await connect_store(args, settings, http)
        assert said[:2] == [f"Connected woocommerce store {STORE} (0 orders).",
                            "Webhooks registered: 4."], said  # fmt: skip
        connected = (await api.get("/api/v1/stores")).json()["data"]
        assert [(s["platform"], s["shop_url"]) for s in connected] == [("woocommerce", STORE)]
        assert {h["delivery_url"] for h in world.store.hooks} == {
            f"{settings.public_base_url}/webhooks/platforms/{connected[0]['id']}"
        }

        # Ioana and Mihai order; Sync now, and the worker's sync-stores job imports the
        # orders and the product.
        placed = datetime.now(UTC) - timedelta(hours=3)
        world.store.orders += [ioana_order(placed), mihai_order(placed)]
        asked = await api.post(f"/api/v1/stores/{connected[0]['id']}/sync")
        assert asked.status_code == 200, asked.text
        while await sync_job(settings, http):
            pass
        stores = (await api.get("/api/v1/stores")).json()["data"]
        assert stores[0]["last_error"] is None and stores[0]["last_sync_at"], stores
        order = (await api.get("/api/v1/orders/1201")).json()
        assert (order["currency"], order["shipping_total"]) == ("RON", "15.99"), order
        assert order["customer"]["phone"] == "+40722123456", "read with the Romanian address"
        parcel = await Shipment.get(tracking_number=AWB)
        assert parcel.carrier_key == "sameday"
        tee = (await api.get("/api/v1/products/TRICOU")).json()
        assert {v["sku"]: v["available"] for v in tee["variants"]} == {
            "TRICOU-M": 6,
            "TRICOU-L": 4,
        }, tee

        # Sameday: on its way, then in the easybox. E-mail in Romanian.
        world.sameday.scan(AWB, sameday_scan("delivered.json", 4))
        world.sameday.scan(HOME_AWB, sameday_scan("delivered.json", 4))
        world.sameday.scan(HOME_AWB, sameday_scan("delivered.json", 9))
        world.sameday.scan(AWB, sameday_scan("delivered.json", 56))
        await worker_pass(shop_app, http)
        parcel = await Shipment.get(tracking_number=AWB)
        world.sameday.scan(AWB, sameday_scan("easybox.json", 33))
        world.sameday.scan(AWB, sameday_scan("easybox.json", 78))
        await poll_when_due(shop_app, http, parcel.id)
        parcel = await Shipment.get(tracking_number=AWB)
        assert parcel.status == "available_for_pickup", parcel.status
        mails = [m for m in smtp_sink.messages if EMAIL in str(m["To"])]
        assert [m["Subject"] for m in mails] == [
            "Comanda ta de la Magazin Ana este pe drum",
            f"Coletul tău te așteaptă la punctul de ridicare {EASYBOX}",
        ]
        assert all(m["Reply-To"] == "contact@magazin-ana.test" for m in mails)
        assert f"te așteaptă la {EASYBOX} (Sameday)" in plain_text(mails[-1])
        link = tracking_link_in(plain_text(mails[-1]))
        assert parcel_behind(shop_app, link) == parcel.id

        # The tracking page in Romanian, as the e-mail was (her browser asks for English):
        # the easybox. The page remembers the language for her next visits.
        assert f"{link}?lang=ro" in plain_text(mails[-1])
        page = await customer.get(f"{link}?lang=ro")
        assert page.status_code == 200
        assert '<html lang="ro"' in page.text, page.text[:300]
        assert EASYBOX in page.text

        # She agrees to text messages on the preferences page the e-mail links to.
        await opt_in_on_preferences_page(customer, plain_text(mails[-1]), "ro")

        # Delivered: e-mail and a text to her +40 number.
        world.sameday.scan(AWB, sameday_scan("delivered.json", 9))
        await poll_when_due(shop_app, http, parcel.id)
        parcel = await Shipment.get(tracking_number=AWB)
        assert parcel.status == "delivered"
        texts = world.twilio.texts()
        assert [t["To"] for t in texts] == ["+40722123456"], texts
        assert texts[0]["Body"].startswith("Magazin Ana: coletul tău a fost livrat.")
        # The store's order gets a note, in the shop's language (docs/platforms.md).
        await push_once(settings, client=http)
        assert {"order": "1201", "note": f"Coletul {AWB} (Sameday): Livrat.",
                "customer_note": False} in world.store.notes  # fmt: skip
        assert world.store.trackings == [], "a parcel read from the extension is not written back"
        assert parcel_behind(shop_app, texts[0]["Body"]) == parcel.id

        # The returns page in Romanian: exchange one tee for an L.
        start = await customer.get("/returns?shop=magazin-ana")
        assert start.status_code == 200 and '<html lang="ro"' in start.text
        found = await customer.post(
            "/returns?shop=magazin-ana",
            data={"order": "1201", "contact": EMAIL, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        assert order_page.status_code == 200, order_page.text
        text = order_page.text
        assert "Withdraw" not in text
        db_order = await Order.get(number="1201")
        items = {i.sku: i for i in await db_order.items.all()}
        tee_item = items["TRICOU-M"]
        options = await customer.post(
            f"/returns/orders/{db_order.id}/items",
            data={"csrf_token": csrf_in(text), "draft": draft_of(text),
                  f"quantity-{tee_item.id}": "1", f"reason-{tee_item.id}": "size"},
            files={"unused": ("", b"", "application/octet-stream")},
        )  # fmt: skip
        assert options.status_code == 200, options.text
        variant_l = re.search(r'<option value="(\d+)">Mărime: L · același preț</option>',
                              options.text)  # fmt: skip
        assert variant_l, "the other size is offered, at the same price"
        rma = await resolve_and_confirm(
            customer, f"/returns/orders/{db_order.id}", options.text,
            {f"resolution-{tee_item.id}": "exchange", f"variant-{tee_item.id}": variant_l.group(1),
             "method": "drop_off_label"},
        )  # fmt: skip
        booked = await customer.get(f"/returns/{rma}?new=1")
        assert booked.status_code == 200 and '<html lang="ro"' in booked.text
        exchange = await ReturnRequest.get()
        assert exchange.number == rma
        assert (exchange.state, exchange.fees_total) == ("awaiting_shipment", 0), exchange.state
        label = await customer.get(f"/returns/{exchange.number}/label.pdf")
        assert label.status_code == 200, label.text
        after = (await api.get("/api/v1/products/TRICOU")).json()
        assert {v["sku"]: v["available"] for v in after["variants"]} == {
            "TRICOU-M": 6,
            "TRICOU-L": 3,
        }, after

        # The withdrawal from the rest of the contract: the socks, from the link every
        # shipment e-mail carries (docs/returns.md, "The withdrawal function (EU)").
        link_to_withdraw = re.search(r"https?://\S+/withdraw/start/\S+", plain_text(mails[-1]))
        assert link_to_withdraw
        opened = await customer.get(httpx.URL(link_to_withdraw.group(0)).path)
        assert opened.status_code in (200, 303), opened.text
        if opened.status_code == 303:
            opened = await customer.get(opened.headers["location"])
        assert opened.status_code == 200 and '<html lang="ro"' in opened.text, opened.text[:500]
        socks = items["SOSETE"]
        confirmed = await withdraw(customer, db_order.id, opened.text, name="Ioana Popescu",
                                   email=EMAIL, quantities={socks.id: 1})  # fmt: skip
        assert confirmed.status_code in (200, 303), confirmed.text
        withdrawal = await Withdrawal.get()
        assert withdrawal.locale == "ro"
        await drain_outbox(shop_app, http)
        withdrawn = await ReturnRequest.get(kind="withdrawal", order_id=db_order.id)
        assert (withdrawn.refund_total, withdrawn.currency) == (39, "RON"), "part of the order"

        # Mihai withdraws from his whole order: the delivery he paid is refunded too
        # (Directive 2011/83/EU, Art. 13(1)), as WooCommerce's order says it was.
        [delivered] = [m for m in smtp_sink.messages if m["To"] and "mihai@" in m["To"]]
        link_to_withdraw = re.search(r"https?://\S+/withdraw/start/\S+", plain_text(delivered))
        assert link_to_withdraw
        async with client_for(shop_app) as his:
            his.headers["Accept-Language"] = ROMANIAN_BROWSER
            opened = await his.get(httpx.URL(link_to_withdraw.group(0)).path, follow_redirects=True)
            assert opened.status_code == 200 and '<html lang="ro"' in opened.text
            his_order = await Order.get(number="1202")
            his_socks = await his_order.items.all().first()
            assert his_socks is not None
            confirmed = await withdraw(his, his_order.id, opened.text, name="Mihai Ionescu",
                                       email="mihai@example.test",
                                       quantities={his_socks.id: 1})  # fmt: skip
            assert confirmed.status_code in (200, 303), confirmed.text
        whole = await ReturnRequest.get(kind="withdrawal", order_id=his_order.id)
        assert whole.refund_total == Decimal("54.99"), "the socks and the delivery"
        await drain_outbox(shop_app, http)
        receipt = [m for m in smtp_sink.messages if "mihai@" in str(m["To"])][1]
        assert receipt["Subject"] == "Am primit retragerea ta din contract (comanda 1202)"

    # Set up through the API alone: nothing left to do but the optional branding.
    async with api_client(shop_app, shop.api_key) as api:
        setup = (await api.get("/api/v1/setup")).json()
        assert setup["complete"], setup
