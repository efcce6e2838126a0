"""A Bulgarian shop that never loaded the demo, walked through end to end as its owner
follows README.md and docs/.

*Магазин Мария* (Plovdiv) is made with ``portal merchant create --locale bg --country BG``,
``portal user create`` and ``portal apikey create``; it prices in euros (Bulgaria adopted
the euro on 1 January 2026). Its Econt and Speedy accounts, settings, return policy and
Bulgarian return reasons go through ``/api/v1``; its WooCommerce store is connected with
``portal connect woocommerce`` (the command's own function, in this process, so the store
is faked at HTTP) and imported by the worker's ``sync-stores`` job. The store names one
parcel's carrier "Econt" and another's "DPD", which in Bulgaria is Speedy. A customer in
Sofia collects her parcel at an Econt office; she agrees to texts on the preferences page,
reads the tracking page, the returns pages and the survey in Bulgarian, returns a tee and
answers the survey; the owner settles the return in the workspace and reads the analytics.

What is faked, and where its shapes come from:

- WooCommerce's REST API v3, as :class:`tests.platforms.fakes.FakeWoo`
  (https://woocommerce.github.io/woocommerce-rest-api-docs/; the Shipment Tracking
  extension's ``_wc_shipment_tracking_items``, https://woocommerce.com/document/shipment-tracking/).
- Econt's JSON services (``ShipmentService.getShipmentStatuses``,
  ``NomenclaturesService.getOffices``; https://ee.econt.com/services/), the office journey
  and office of tests/fixtures/econt/office_pickup.json and offices.json (SOURCE.md there),
  re-stamped to the moment each scan happens.
- Speedy's web API (``POST /v1/track``, ``POST /v1/shipment/info``;
  https://api.speedy.bg/web-api.html), the scans of tests/fixtures/speedy/delivered.json.
- Twilio's Messages API, as :class:`tests.real_shop.helpers.FakeTwilio`; e-mail through a
  real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from pypdf import PdfReader
from starlette.applications import Starlette

from portal import i18n
from portal.cli import connect_store
from portal.core.timezones import last_whole_day
from portal.models import Order, ReturnRequest, Shipment, Survey
from portal.notifications.sms import MAX_SEGMENTS, UCS2, sms_segments
from portal.platforms.backfill import sync_job
from portal.platforms.writeback import push_once
from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.platforms.fakes import WOO_KEY, WOO_SECRET, FakeWoo, fixture, woo_time
from tests.real_shop.helpers import (
    MESSAGES_URL,
    TEXTS_AROUND_THE_CLOCK,
    FakeTwilio,
    SignedUp,
    add_tested_carrier,
    configure_shop,
    csrf_in,
    opt_in_on_preferences_page,
    parcel_behind,
    plain_text,
    poll_when_due,
    portal_command,
    sign_in_as,
    tracking_link_in,
    worker_pass,
)
from tests.returns_page.helpers import draft_of, resolve_and_confirm
from tests.survey_page.helpers import tap

pytestmark = pytest.mark.slow  # three `portal` processes and a walk of tens of seconds

STORE = "https://magazin-maria.test"
ECONT = "https://ee.econt.com/services"
ECONT_STATUSES = f"{ECONT}/Shipments/ShipmentService.getShipmentStatuses.json"
ECONT_OFFICES = f"{ECONT}/Nomenclatures/NomenclaturesService.getOffices.json"
ECONT_USER, ECONT_PASSWORD = "maria_api", "парола-еконт"
SPEEDY = "https://api.speedy.bg/v1"
SPEEDY_USER, SPEEDY_PASSWORD = "998877", "парола-спиди"
ECONT_NUMBER = "1051234567891"
SPEEDY_NUMBER = "61234567890"
EMAIL = "elena.petrova@example.test"
OFFICE = "София Лозенец"
BULGARIAN_BROWSER = "bg-BG,bg;q=0.9,en;q=0.8"


# --- Econt and Speedy, faked at HTTP ------------------------------------------------------


@dataclass
class FakeEcont:
    """``getShipmentStatuses`` and ``getOffices``: each shipment's events as Econt lists
    them, stamped (epoch milliseconds) when the test adds them."""

    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    delivered: dict[str, int] = field(default_factory=dict)

    def scan(self, number: str, event: dict[str, Any]) -> None:
        known = self.events.setdefault(number, [])
        stamp = int(datetime.now(UTC).timestamp()) * 1000
        if known:
            stamp = max(stamp, known[-1]["time"] + 1000)
        known.append({**event, "time": stamp})
        if event["destinationType"] == "client":
            self.delivered[number] = stamp

    def answer(self, request: httpx.Request) -> httpx.Response:
        expected = httpx.BasicAuth(ECONT_USER, ECONT_PASSWORD)._auth_header
        assert request.headers["Authorization"] == expected
        asked = json.loads(request.content)
        if request.url == ECONT_OFFICES:
            assert asked == {"officeCode": "1127"}
            return httpx.Response(200, json=fixture("econt", "offices.json"))
        assert request.url == ECONT_STATUSES, request.url
        return httpx.Response(
            200, json={"shipmentStatuses": [self.status(n) for n in asked["shipmentNumbers"]]}
        )

    def status(self, number: str) -> dict[str, Any]:
        if number not in self.events:
            missing = copy.deepcopy(fixture("econt", "not_found.json")["shipmentStatuses"][0])
            missing["error"]["message"] = f"Не е намерена пратка с номер {number}"
            return missing
        status = copy.deepcopy(fixture("econt", "office_pickup.json")["shipmentStatuses"][0])
        body = status["status"]
        events = self.events[number]
        body.update(shipmentNumber=number, trackingEvents=events,
                    createdTime=events[0]["time"], sendTime=events[0]["time"],
                    expectedDeliveryDate=events[0]["time"] + 86_400_000)  # fmt: skip
        if number in self.delivered:
            body.update(deliveryTime=self.delivered[number], shortDeliveryStatus="Доставена",
                        shortDeliveryStatusEn="Delivered")  # fmt: skip
        return status


def econt_event(index: int) -> dict[str, Any]:
    """The office journey's ``index``-th event (tests/fixtures/econt/office_pickup.json)."""
    return dict(
        fixture("econt", "office_pickup.json")["shipmentStatuses"][0]["status"]["trackingEvents"][
            index
        ]
    )


#: Collected at the office: the receiver's ``client`` event (tests/fixtures/econt/delivered.json).
COLLECTED = {
    **fixture("econt", "delivered.json")["shipmentStatuses"][0]["status"]["trackingEvents"][-2],
    "destinationDetails": "Получена от получателя в офис София Лозенец",
    "destinationDetailsEn": "Received by the receiver in office Sofia Lozenets",
}


@dataclass
class FakeSpeedy:
    """``/track`` (and ``/shipment/info``): the first scans of
    tests/fixtures/speedy/delivered.json, stamped now."""

    tracked: list[str] = field(default_factory=list)

    def answer(self, request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)
        assert (asked["userName"], asked["password"]) == (SPEEDY_USER, SPEEDY_PASSWORD)
        if request.url.path.endswith("/shipment/info"):
            return httpx.Response(200, json={"shipments": []})
        parcels = []
        for parcel in asked["parcels"]:
            self.tracked.append(parcel["id"])
            if parcel["id"] != SPEEDY_NUMBER:
                parcels.append(fixture("speedy", "not_found.json")["parcels"][0])
                continue
            scans = copy.deepcopy(fixture("speedy", "delivered.json")["parcels"][0]["operations"])
            now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
            for minute, scan in enumerate(scans[:3]):
                scan["dateTime"] = (now + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S%z")
            parcels.append({"parcelId": SPEEDY_NUMBER, "operations": scans[:3]})
        return httpx.Response(200, json={"parcels": parcels})


# --- the store's orders -----------------------------------------------------------------


def tee_product() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A variable product and its sizes, in euros."""
    product = {
        "id": 501, "name": "Памучна тениска", "slug": "pamuchna-teniska", "type": "variable",
        "status": "publish", "sku": "TENISKA", "price": "24.90", "regular_price": "",
        "date_modified_gmt": woo_time(datetime.now(UTC) - timedelta(days=30)),
        "manage_stock": False, "stock_quantity": None,
        "attributes": [{"id": 0, "name": "Размер", "position": 0, "visible": True,
                        "variation": True, "options": ["M", "L"]}],
        "variations": [502, 503], "meta_data": [],
    }  # fmt: skip
    variations = [
        {"id": 502 + i, "sku": f"TENISKA-{size}", "price": "24.90", "regular_price": "24.90",
         "manage_stock": True, "stock_quantity": 5, "stock_status": "instock",
         "attributes": [{"id": 0, "name": "Размер", "option": size}]}
        for i, size in enumerate(("M", "L"))
    ]  # fmt: skip
    return product, variations


def woo_order(number: int, placed: datetime, provider: str, tracking: str) -> dict[str, Any]:
    """Retrieve an order (tests/fixtures/woocommerce/order.json): two tees to Sofia in EUR,
    a Bulgarian mobile as customers type it, the parcel from the Shipment Tracking
    extension under the store's name for its carrier."""
    order = copy.deepcopy(fixture("woocommerce", "order.json"))
    order.update(id=number, number=str(number), currency="EUR", shipping_total="3.50",
                 total="53.30")  # fmt: skip
    order["date_created_gmt"] = order["date_modified_gmt"] = woo_time(placed)
    person = {"first_name": "Елена", "last_name": "Петрова", "company": "",
              "address_1": "ул. Златовръх 20", "address_2": "", "city": "София",
              "state": "BG-22", "postcode": "1164", "country": "BG"}  # fmt: skip
    order["billing"] = {**person, "email": EMAIL, "phone": "0888 123 456"}
    order["shipping"] = dict(person)
    order["meta_data"] = [
        {"id": 31000 + number, "key": "_wc_shipment_tracking_items",
         "value": [{"tracking_provider": provider, "custom_tracking_provider": "",
                    "custom_tracking_link": "", "tracking_number": tracking,
                    "date_shipped": str(int(placed.timestamp())),
                    "tracking_id": f"{number:032x}"}]},
    ]  # fmt: skip
    order["line_items"] = [
        {"id": 10 * number, "name": "Памучна тениска - M", "product_id": 501,
         "variation_id": 502, "quantity": 2, "tax_class": "", "subtotal": "49.80",
         "subtotal_tax": "0.00", "total": "49.80", "total_tax": "0.00", "taxes": [],
         "meta_data": [{"id": 4000 + number, "key": "pa_razmer", "value": "m",
                        "display_key": "Размер", "display_value": "M"}],
         "sku": "TENISKA-M", "price": 24.9},
    ]  # fmt: skip
    return order


@dataclass
class World:
    store: FakeWoo
    econt: FakeEcont
    speedy: FakeSpeedy
    twilio: FakeTwilio


@pytest.fixture
def world() -> Iterator[World]:
    product, variations = tee_product()
    outside = World(
        FakeWoo(products=[product], variations={501: variations}),
        FakeEcont(),
        FakeSpeedy(),
        FakeTwilio(),
    )
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="magazin-maria.test").mock(side_effect=outside.store.answer)
        mock.post(url__startswith=ECONT).mock(side_effect=outside.econt.answer)
        mock.post(url__startswith=SPEEDY).mock(side_effect=outside.speedy.answer)
        mock.post(MESSAGES_URL).mock(side_effect=outside.twilio.answer)
        yield outside


async def sign_up_bulgarian(app: Starlette) -> SignedUp:
    """README, "The `portal` command": the shop, its owner and the checkout's API key."""
    settings = app.state.settings
    url, var_dir = settings.database_url, Path(settings.var_dir)
    await portal_command(
        url,
        var_dir,
        "merchant",
        "create",
        "--slug",
        "magazin-maria",
        "--name",
        "Магазин Мария",
        "--locale",
        "bg",
        "--country",
        "BG",
    )  # fmt: skip (the country's clock: Europe/Sofia)
    email, password = "maria@magazin-maria.test", "достатъчно дълга парола"
    await portal_command(url, var_dir, "user", "create", "--merchant", "magazin-maria",
                         "--email", email, "--password", password, "--role", "owner")  # fmt: skip
    printed = await portal_command(url, var_dir, "apikey", "create", "--merchant",
                                   "magazin-maria", "--name", "magazin")  # fmt: skip
    return SignedUp("magazin-maria", email, password, printed.strip().splitlines()[-1])


def subject(message: Any) -> str:
    """The subject as a mail client shows it (RFC 2047 words decoded)."""
    return str(make_header(decode_header(message["Subject"])))


# --- the walk ----------------------------------------------------------------------------


async def test_a_bulgarian_woocommerce_shop_with_econt_office_speedy_returns_and_survey(
    shop_app: Starlette, world: World, smtp_sink: SmtpSink
) -> None:
    settings = shop_app.state.settings
    shop = await sign_up_bulgarian(shop_app)

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as customer,
        client_for(shop_app) as staff,
        httpx.AsyncClient(timeout=15.0) as http,
    ):
        customer.headers["Accept-Language"] = BULGARIAN_BROWSER
        staff.headers["Accept-Language"] = BULGARIAN_BROWSER
        # docs/api.md, "Carrier accounts": Econt's and Speedy's API users.
        carriers = {c["key"]: c for c in (await api.get("/api/v1/carriers")).json()["data"]}
        assert set(carriers["econt"]["credential_fields"]) >= {"username", "password"}
        assert set(carriers["speedy"]["credential_fields"]) >= {"username", "password"}
        accounts = [("econt", "Еконт", ECONT_USER, ECONT_PASSWORD),
                    ("speedy", "Спиди", SPEEDY_USER, SPEEDY_PASSWORD)]  # fmt: skip
        for key, name, user, password in accounts:
            await add_tested_carrier(api, key, name, {"username": user, "password": password})

        # docs/api.md, "Settings": support contact, texts for the office and the delivery.
        # "Return reasons" and "Return policy": reasons in Bulgarian, refunds, returns sent
        # back to the Plovdiv warehouse.
        shop_settings, _ = await configure_shop(
            api,
            settings={"support_email": "kontakt@magazin-maria.test",
                      "support_phone": "+359 32 600 100", **TEXTS_AROUND_THE_CLOCK},
            reasons={"size": {"en": "Wrong size", "bg": "Неподходящ размер"},
                     "changed_mind": {"en": "Changed my mind", "bg": "Размислих"}},
            policy={"resolutions": ["refund"], "return_shipping_fee": "3.00",
                    "auto_approve": {"enabled": True},
                    "return_address": {"name": "Магазин Мария - Връщания",
                                       "line1": "бул. Марица 12", "city": "Пловдив",
                                       "postal_code": "4000", "country": "BG"}},
        )  # fmt: skip
        assert (shop_settings["default_locale"], shop_settings["time_zone"]) == (
            "bg", "Europe/Sofia",
        )  # fmt: skip

        # docs/platforms.md, "WooCommerce: REST API keys": `portal connect woocommerce`.
        args = argparse.Namespace(platform="woocommerce", merchant="magazin-maria", url=STORE,
                                  key=WOO_KEY, secret=WOO_SECRET, no_webhooks=False)  # fmt: skip
        said = await connect_store(args, settings, http)
        assert said[0] == f"Connected woocommerce store {STORE} (0 orders).", said
        connected = (await api.get("/api/v1/stores")).json()["data"]

        # Two orders: one to an Econt office, one the store says goes by "DPD".
        placed = datetime.now(UTC) - timedelta(hours=3)
        world.store.orders += [woo_order(2001, placed, "Econt", ECONT_NUMBER),
                               woo_order(2002, placed, "DPD", SPEEDY_NUMBER)]  # fmt: skip
        asked = await api.post(f"/api/v1/stores/{connected[0]['id']}/sync")
        assert asked.status_code == 200, asked.text
        while await sync_job(settings, http):
            pass
        order = (await api.get("/api/v1/orders/2001")).json()
        assert (order["currency"], order["shipping_total"]) == ("EUR", "3.50"), order
        assert order["customer"]["phone"] == "+359888123456", "read with the Bulgarian address"
        carried = {s.tracking_number: s.carrier_key for s in await Shipment.all()}
        assert carried == {ECONT_NUMBER: "econt", SPEEDY_NUMBER: "speedy"}, "DPD is Speedy"

        # Econt: accepted in Plovdiv, on its way, then at the Sofia office. Speedy: moving.
        world.econt.scan(ECONT_NUMBER, econt_event(0))
        world.econt.scan(ECONT_NUMBER, econt_event(1))
        await worker_pass(shop_app, http)
        assert SPEEDY_NUMBER in world.speedy.tracked, "polled at Speedy"
        assert (await Shipment.get(tracking_number=SPEEDY_NUMBER)).status == "in_transit"
        parcel = await Shipment.get(tracking_number=ECONT_NUMBER)
        world.econt.scan(ECONT_NUMBER, econt_event(2))
        await poll_when_due(shop_app, http, parcel.id)
        parcel = await Shipment.get(tracking_number=ECONT_NUMBER)
        assert parcel.status == "available_for_pickup", parcel.status
        mails = [m for m in smtp_sink.messages if EMAIL in str(m["To"])]
        assert [subject(m) for m in mails] == [
            "Поръчката ви от Магазин Мария е на път",
            f"Пратката ви чака в пункта за получаване {OFFICE}",
        ]
        assert all(m["Reply-To"] == "kontakt@magazin-maria.test" for m in mails)
        # Cyrillic names in the headers, encoded (RFC 2047) and read back whole.
        assert {(m["From"].addresses[0].display_name, m["To"].addresses[0].display_name)
                for m in mails} == {("Магазин Мария", "Елена Петрова")}  # fmt: skip
        ready = plain_text(mails[-1])
        # The office's address and hours, each on its line, the days in Bulgarian.
        office_lines = [
            line for line in ready.splitlines() if line.startswith(("Адрес", "Работно"))
        ]
        assert office_lines == [
            "Адрес: София Лозенец ул. Златовръх 12, 1164 София",
            "Работно време: пн–пт 09:00–19:00, сб 10:00–14:00",
        ]
        link = tracking_link_in(ready)
        assert parcel_behind(shop_app, link) == parcel.id

        # The tracking page in Bulgarian: the office, its address and hours.
        page = await customer.get(link)
        assert page.status_code == 200
        assert '<html lang="bg"' in page.text, page.text[:300]
        shown_as = (
            "Офис на куриера",
            OFFICE,
            "ул. Златовръх 12",
            "1164 София",
            "пн–пт 09:00–19:00",
        )
        for shown in shown_as:
            assert shown in page.text, shown

        # She agrees to text messages on the preferences page the e-mail links to.
        await opt_in_on_preferences_page(customer, ready, "bg")

        # Collected at the office: e-mail and a text (Cyrillic: UCS-2) to her +359 number.
        world.econt.scan(ECONT_NUMBER, COLLECTED)
        await poll_when_due(shop_app, http, parcel.id)
        parcel = await Shipment.get(tracking_number=ECONT_NUMBER)
        assert parcel.status == "delivered", parcel.status
        texts = world.twilio.texts()
        assert [t["To"] for t in texts] == ["+359888123456"], texts
        assert texts[0]["Body"].startswith("Магазин Мария: вашата пратка е доставена."), texts
        encoding, segments = sms_segments(texts[0]["Body"])
        assert (encoding, segments <= MAX_SEGMENTS) == (UCS2, True), texts[0]["Body"]
        assert parcel_behind(shop_app, texts[0]["Body"]) == parcel.id
        # The store's order gets a note in Bulgarian (docs/platforms.md).
        await push_once(settings, client=http)
        assert {"order": "2001", "note": f"Пратка {ECONT_NUMBER} (Еконт): Доставена.",
                "customer_note": False} in world.store.notes  # fmt: skip
        assert {"order": "2002", "note": f"Пратка {SPEEDY_NUMBER} (Спиди): В транзит.",
                "customer_note": False} in world.store.notes  # fmt: skip
        assert world.store.trackings == [], "a parcel read from the extension is not written back"

        # The returns page in Bulgarian: one tee back for a refund.
        start = await customer.get("/returns?shop=magazin-maria")
        assert start.status_code == 200 and '<html lang="bg"' in start.text
        found = await customer.post(
            "/returns?shop=magazin-maria",
            data={"order": "2001", "contact": EMAIL, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        assert order_page.status_code == 200 and "Неподходящ размер" in order_page.text
        db_order = await Order.get(number="2001")
        tee = await db_order.items.all().first()
        assert tee is not None
        options = await customer.post(
            f"/returns/orders/{db_order.id}/items",
            data={"csrf_token": csrf_in(order_page.text), "draft": draft_of(order_page.text),
                  f"quantity-{tee.id}": "1", f"reason-{tee.id}": "size"},
            files={"unused": ("", b"", "application/octet-stream")},
        )  # fmt: skip
        assert options.status_code == 200, options.text

        def in_euros(review: str) -> None:
            assert "€" in review and "$" not in review, "euro amounts"

        rma = await resolve_and_confirm(
            customer, f"/returns/orders/{db_order.id}", options.text,
            {f"resolution-{tee.id}": "refund", "method": "drop_off_label"}, check_review=in_euros,
        )  # fmt: skip
        booked = await customer.get(f"/returns/{rma}?new=1")
        assert booked.status_code == 200 and '<html lang="bg"' in booked.text
        request = await ReturnRequest.get()
        assert request.number == rma
        assert request.currency == "EUR"
        assert request.refund_total == Decimal("21.90"), "24.90 less the 3.00 return fee"
        # The label says the day the page says, and the shop's address in Cyrillic.
        label = await customer.get(f"/returns/{request.number}/label.pdf")
        assert label.status_code == 200, label.text
        assert request.label_expires_at is not None
        last_day = last_whole_day(request.label_expires_at, ZoneInfo("Europe/Sofia"))
        assert f"Drop off by: {last_day:%Y-%m-%d}".encode() in label.content
        printed = PdfReader(io.BytesIO(label.content)).pages[0].extract_text()
        assert "Магазин Мария - Връщания\nбул. Марица 12\n4000 Пловдив" in printed, printed
        # The approval e-mail names the day the page names, in euros, one full stop.
        send_by = re.search(r"Предайте пратката до ([^<]+?)\.\s*<", booked.text)
        assert send_by, booked.text
        await worker_pass(shop_app, http)
        approval = f"Връщането ви {request.number} е одобрено"
        approved = plain_text(next(m for m in smtp_sink.messages if subject(m) == approval))
        assert f"до {send_by.group(1)}. Покажете" in approved, approved
        assert "Възстановена сума след получаване на продуктите: 21,90\xa0€." in approved, approved

        # The owner finds it in the workspace's queue, receives, inspects and refunds.
        token = await sign_in_as(staff, shop.owner_email, shop.owner_password)
        queue = await staff.get("/admin/returns")
        (return_path,) = set(re.findall(r'href="(/admin/returns/\d+)"', queue.text))
        assert '<html lang="bg"' in queue.text and "Неподходящ размер" in queue.text
        assert "21,90\xa0€" in queue.text, "the queue's amounts in euros, as Bulgarian writes them"
        received = await staff.post(f"{return_path}/receive", data={"csrf_token": token})
        assert received.status_code == 303, received.text
        detail = await staff.get(return_path)
        (item,) = re.findall(r'name="condition_(\d+)"', detail.text)
        inspected = await staff.post(
            f"{return_path}/inspect", data={"csrf_token": token, f"condition_{item}": "as_new"}
        )
        assert inspected.status_code == 303, inspected.text
        resolved = await staff.post(f"{return_path}/resolve", data={"csrf_token": token})
        assert resolved.status_code == 303, resolved.text
        await worker_pass(shop_app, http)

        # The survey, in Bulgarian, after the return settled; she answers it.
        invitation = next(m for m in reversed(smtp_sink.messages) if "/s/" in plain_text(m))
        assert re.search("[а-я]", subject(invitation)), subject(invitation)
        survey_link = re.search(r"https?://\S+/s/([A-Za-z0-9_-]+)", plain_text(invitation))
        assert survey_link, plain_text(invitation)
        survey = await Survey.get()
        assert survey.locale == "bg"
        opened = await customer.get(f"/s/{survey_link.group(1)}")
        assert opened.status_code == 200 and '<html lang="bg"' in opened.text
        for question in survey.questions:
            answered = await tap(customer, survey_link.group(1), question,
                                 9 if question == "nps" else 4)  # fmt: skip
            assert answered.status_code == 200, answered.text

        # Analytics: the answers by return reason, and the return among the items sold.
        today = datetime.now(UTC).date()
        period = {"from": (today - timedelta(days=1)).isoformat(),
                  "to": (today + timedelta(days=1)).isoformat()}  # fmt: skip
        shown: dict[str, Any] = {}
        for section in ("/admin/analytics", "/admin/analytics/satisfaction"):
            page = await staff.get(section, params=period)
            assert page.status_code == 200, page.text
            context = page.context  # type: ignore[attr-defined]
            shown.update({t.key: t.export() for t in context["tables"]})
            shown.update({f.label: (f.value, f.detail) for f in context["figures"]})
        by_reason = {tuple(row[:3]) for row in shown["satisfaction_by_return_reason"][1:]}
        assert ("size", "ces", "1") in by_reason, shown["satisfaction_by_return_reason"]
        return_rate = shown[i18n.translations("bg").ugettext("Return rate")]
        assert return_rate[0].startswith("25"), return_rate  # one tee of four

    # Set up through the API alone: nothing left to do but the optional branding.
    async with api_client(shop_app, shop.api_key) as api:
        setup = (await api.get("/api/v1/setup")).json()
        assert setup["complete"], setup
