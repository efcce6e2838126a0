"""A Ukrainian WooCommerce shop that never loaded the demo, walked through end to end.

*Крамниця Оксани* (Lviv, prices in UAH) is made with ``portal merchant create --locale uk
--country UA``, ``portal user create`` and ``portal apikey create``; its Nova Poshta and
Ukrposhta accounts, settings, return policy and Ukrainian return reasons go through
``/api/v1``; its WooCommerce store is connected with ``portal connect woocommerce`` (the
command's own function, in this process, so the store can be faked at HTTP) and imported
by the worker's ``sync-stores`` job. The store names its carriers in Ukrainian ("Нова
Пошта", "Укрпошта"), as the Shipment Tracking extension's custom provider.

Olena's parcel waits in a Nova Poshta Poshtomat, Iryna's at a Nova Poshta branch, Sofia's
(who reads Russian) at a Ukrposhta post office. Messages go through a real SMTP server
(aiosmtpd) and, once Olena agrees to texts on the preferences page, through the twilio
library to Twilio's Messages API (respx). Olena returns a scarf for a refund, which goes
back to the store; she answers the survey; the owner sees it all in the workspace. Iryna's
low score after her delivery reaches the shop in Ukrainian; Sofia chooses Russian for her
messages on the preferences page, and only then gets them in Russian.

What is faked, and where its shapes come from:

- WooCommerce's REST API v3, as :class:`tests.platforms.fakes.FakeWoo` (orders, webhooks,
  notes and refunds shaped as https://woocommerce.github.io/woocommerce-rest-api-docs/
  shows them; the order's ``_wc_shipment_tracking_items`` meta is the Shipment Tracking
  extension's, https://woocommerce.com/document/shipment-tracking/).
- Nova Poshta's API 2.0 (``POST https://api.novaposhta.ua/v2.0/json/``,
  ``TrackingDocument.getStatusDocuments`` and ``AddressGeneral.getWarehouses``,
  https://developers.novaposhta.ua/), answering with tests/fixtures/nova_poshta (see
  SOURCE.md there) as tests/carriers/test_nova_poshta.py does.
- Ukrposhta's Status tracking API (``POST .../status-tracking/0.0.1/statuses/with-not-found``,
  https://dev.ukrposhta.ua/documentation), answering with tests/fixtures/ukrposhta.
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
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from babel.numbers import format_currency
from starlette.applications import Starlette

from carriers.nova_poshta import clear_warehouse_cache
from portal import i18n
from portal.cli import connect_store
from portal.models import Merchant, Order, OutboxMessage, ReturnRequest, Shipment
from portal.notifications.sms import sms_segments
from portal.platforms.backfill import sync_job
from portal.platforms.writeback import push_once
from portal.surveys.scheduling import schedule_due_surveys
from tests.api.conftest import api_client
from tests.carriers.helpers import load_fixture
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.platforms.fakes import WOO, WOO_KEY, WOO_SECRET, FakeWoo, woo_order, woo_time
from tests.real_shop.helpers import (
    MESSAGES_URL,
    TEXTS_AROUND_THE_CLOCK,
    FakeTwilio,
    add_tested_carrier,
    configure_shop,
    csrf_in,
    drain_outbox,
    mails_to,
    opt_in_on_preferences_page,
    parcel_behind,
    plain_text,
    poll_when_due,
    preferences_path_in,
    receive_inspect_resolve,
    sign_in_as,
    sign_up,
    tracking_link_in,
    worker_pass,
)
from tests.returns_page.helpers import draft_of, resolve_and_confirm
from tests.survey_page.helpers import tap

pytestmark = pytest.mark.slow  # three `portal` processes and a walk of tens of seconds

NOVA_POSHTA = "https://api.novaposhta.ua/v2.0/json/"
NP_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
UKRPOSHTA = "https://www.ukrposhta.ua/status-tracking/0.0.1/statuses/with-not-found"
UP_TOKEN = "c22bfca9-83cf-45b6-a598-74c02d86a2ca"
POSHTOMAT_TTN = "59000876543210"  # tests/fixtures/nova_poshta/poshtomat.json
BRANCH_TTN = "20450912345678"  # at_branch.json
BARCODE = "0500100031143"  # Ukrposhta's documentation's example barcode
OLENA = "olena.kovalenko@example.test"
IRYNA = "iryna@example.test"
SOFIA = "sofia@example.test"
#: What a browser set to Russian asks for.
RUSSIAN_BROWSER = "ru-RU,ru;q=0.9,en;q=0.5"
KYIV = ZoneInfo("Europe/Kyiv")


# --- Nova Poshta and Ukrposhta, faked at HTTP ------------------------------------------

#: The date forms the carriers write: Nova Poshta's ``04-12-2026 09:41:12``, ``2026-12-04
#: 09:41:13``, ``05.12.2026 17:22:05`` and ``2026-12-05``; Ukrposhta's
#: ``2026-11-30T16:33:00``. Kyiv time, no offset.
_FORMS = (
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
)


def _parsed(value: Any) -> tuple[datetime, str] | None:
    for form in _FORMS:
        try:
            return datetime.strptime(value, form), form
        except (TypeError, ValueError):
            continue
    return None


def stamp_after(previous: datetime | None = None) -> datetime:
    """The next whole second in Kyiv (naive, as the carriers write it), after ``previous``:
    a history stays strictly ordered even within one second."""
    moment = datetime.now(KYIV).replace(tzinfo=None, microsecond=0) + timedelta(seconds=1)
    return max(moment, previous + timedelta(seconds=1)) if previous else moment


def moved_to(record: dict[str, Any], newest: str, moment: datetime) -> dict[str, Any]:
    """A documented answer with every date moved by the same amount, so that its newest
    scan (``newest``, one of its dates) happens at ``moment``: the portal sends nothing for
    scans older than the parcel's import, as a first sync must not flood customers."""
    newest_parsed = _parsed(newest)
    assert newest_parsed is not None
    shift = moment - newest_parsed[0]
    moved = copy.deepcopy(record)
    for key, value in record.items():
        found = _parsed(value)
        if found is not None:
            moved[key] = (found[0] + shift).strftime(found[1])
    return moved


@dataclass
class FakeNovaPoshta:
    """The one endpoint, answering by ``calledMethod``: each waybill's document as the
    fixture it has reached (a fixture's document with its number), and the branch and the
    Poshtomat from ``getWarehouses``."""

    documents: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    asked: list[dict[str, Any]] = field(default_factory=list)

    def reach(self, number: str, name: str) -> None:
        """The waybill reaches the state of fixture ``name``, now."""
        previous = self.documents.get(number)
        self.documents[number] = (name, stamp_after(previous[1] if previous else None))

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body["apiKey"] == NP_KEY
        self.asked.append(body)
        if body["calledMethod"] == "getWarehouses":
            return httpx.Response(200, json=self.warehouse(body["methodProperties"]))
        assert (body["modelName"], body["calledMethod"]) == (
            "TrackingDocument",
            "getStatusDocuments",
        )
        data = []
        for document in body["methodProperties"]["Documents"]:
            number = document["DocumentNumber"]
            if number not in self.documents:
                continue
            name, moment = self.documents[number]
            found = load_fixture("nova_poshta", name)["data"][0]
            data.append({**moved_to(found, found["DateScan"], moment), "Number": number})
        answer = copy.deepcopy(load_fixture("nova_poshta", "at_branch.json"))
        answer["data"] = data
        return httpx.Response(200, json=answer)

    @staticmethod
    def warehouse(properties: dict[str, Any]) -> dict[str, Any]:
        answer = copy.deepcopy(load_fixture("nova_poshta", "warehouses.json"))
        if properties["WarehouseId"] == "25610":  # the Poshtomat: open around the clock
            poshtomat = answer["data"][0]
            poshtomat.update(
                Number="25610",
                Ref="3f2a51ad-6b0e-11ec-8513-b88303659df5",
                Description='Поштомат "Нова Пошта" №25610: вул. Шевченка, 5 (під\'їзд 2)',
                ShortAddress="Львів, Шевченка, 5",
                PostalCodeUA="79016",
                Schedule={day: "00:00-23:59" for day in poshtomat["Schedule"]},
            )
        return answer


@dataclass
class FakeUkrposhta:
    """``POST /statuses/with-not-found`` with the StatusTracking token: the barcode's events
    as the fixture it has reached, the rest not found."""

    reached: tuple[str, datetime] | None = None

    def reach(self, name: str) -> None:
        self.reached = (name, stamp_after(self.reached[1] if self.reached else None))

    def answer(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Bearer {UP_TOKEN}"
        if BARCODE not in json.loads(request.content) or self.reached is None:
            return httpx.Response(200, json=load_fixture("ukrposhta", "not_found.json"))
        name, moment = self.reached
        answer = load_fixture("ukrposhta", name)
        events = answer["found"][BARCODE]
        newest = max(e["date"] for e in events)
        answer["found"][BARCODE] = [moved_to(e, newest, moment) for e in events]
        return httpx.Response(200, json=answer)


@dataclass
class World:
    store: FakeWoo
    nova_poshta: FakeNovaPoshta
    ukrposhta: FakeUkrposhta
    twilio: FakeTwilio


@pytest.fixture
def world() -> Iterator[World]:
    clear_warehouse_cache()
    outside = World(FakeWoo(), FakeNovaPoshta(), FakeUkrposhta(), FakeTwilio())
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host=httpx.URL(WOO).host).mock(side_effect=outside.store.answer)
        mock.post(NOVA_POSHTA).mock(side_effect=outside.nova_poshta.answer)
        mock.post(url__startswith=UKRPOSHTA).mock(side_effect=outside.ukrposhta.answer)
        mock.post(MESSAGES_URL).mock(side_effect=outside.twilio.answer)
        yield outside
    clear_warehouse_cache()


# --- the store's orders -------------------------------------------------------------------


def ukrainian_order(
    n: int,
    placed: datetime,
    *,
    email: str,
    phone: str,
    name: tuple[str, str],
    city: str,
    provider: str,
    number: str,
) -> dict[str, Any]:
    """Retrieve an order: a scarf and mittens in UAH to a Ukrainian address, the phone as
    customers type it, the parcel from the Shipment Tracking extension under the shop's own
    (Ukrainian) name for the carrier."""
    order = woo_order(n, placed)
    order.update(currency="UAH", shipping_total="0.00", total="1848.00")
    order["date_created_gmt"] = order["date_modified_gmt"] = woo_time(placed)
    person = {"first_name": name[0], "last_name": name[1], "company": "",
              "address_1": "вул. Городоцька, 120", "address_2": "", "city": city,
              "state": "", "postcode": "79000", "country": "UA"}  # fmt: skip
    order["billing"] = {**person, "email": email, "phone": phone}
    order["shipping"] = dict(person)
    order["meta_data"] = [
        {"id": 31000 + n, "key": "_wc_shipment_tracking_items",
         "value": [{"tracking_provider": "", "custom_tracking_provider": provider,
                    "custom_tracking_link": "", "tracking_number": number,
                    "date_shipped": str(int(placed.timestamp())),
                    "tracking_id": f"{n:032x}"}]},
    ]  # fmt: skip
    order["line_items"] = [
        {"id": 100 * n + 1, "name": "Шарф вовняний", "product_id": 501, "variation_id": 0,
         "quantity": 1, "tax_class": "", "subtotal": "1299.00", "subtotal_tax": "0.00",
         "total": "1299.00", "total_tax": "0.00", "taxes": [], "meta_data": [],
         "sku": "SHARF", "price": 1299},
        {"id": 100 * n + 2, "name": "Рукавиці", "product_id": 502, "variation_id": 0,
         "quantity": 1, "tax_class": "", "subtotal": "549.00", "subtotal_tax": "0.00",
         "total": "549.00", "total_tax": "0.00", "taxes": [], "meta_data": [],
         "sku": "RUKAVYTSI", "price": 549},
    ]  # fmt: skip
    return order


# --- the walk -------------------------------------------------------------------------------


async def test_a_ukrainian_woocommerce_shop_with_nova_poshta_ukrposhta_returns_and_survey(
    shop_app: Starlette, world: World, smtp_sink: SmtpSink
) -> None:
    settings = shop_app.state.settings
    uk = i18n.translations("uk")
    shop = await sign_up(shop_app, "kramnytsia-oksany", "Крамниця Оксани", country="UA",
                         locale="uk", time_zone="Europe/Kyiv")  # fmt: skip

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as customer,
        client_for(shop_app) as staff,
        httpx.AsyncClient(timeout=15.0) as http,
    ):
        # docs/api.md, "Carrier accounts": Nova Poshta's API key and Ukrposhta's token,
        # each tried on a number that does not exist.
        for key, name, credentials in [
            ("nova_poshta", "Нова Пошта", {"api_key": NP_KEY}),
            ("ukrposhta", "Укрпошта", {"api_token": UP_TOKEN}),
        ]:
            await add_tested_carrier(api, key, name, credentials)

        # docs/api.md, "Settings": the shop's language, zone and country came from the
        # command; texts for the pickup point and the delivery, no quiet hours. Return
        # reasons in Ukrainian (and Russian, for customers who read it), and the policy:
        # refunds, returns by Nova Poshta to the Lviv warehouse.
        shop_settings, _ = await configure_shop(
            api,
            settings={"support_email": "oksana@kramnytsia.test",
                      "support_phone": "+380 32 123 4567", **TEXTS_AROUND_THE_CLOCK},
            reasons={"size": {"en": "Wrong size", "uk": "Не підійшов розмір",
                              "ru": "Не подошёл размер"},
                     "quality": {"en": "Not as described", "uk": "Не відповідає опису",
                                 "ru": "Не соответствует описанию"}},
            policy={"resolutions": ["refund"], "return_shipping_fee": "0",
                    "auto_approve": {"enabled": True},
                    "return_address": {"name": "Крамниця Оксани — повернення",
                                       "line1": "вул. Личаківська, 10", "city": "Львів",
                                       "postal_code": "79008", "country": "UA"}},
        )  # fmt: skip
        assert (shop_settings["default_locale"], shop_settings["time_zone"]) == (
            "uk",
            "Europe/Kyiv",
        )

        # docs/platforms.md, "WooCommerce": `portal connect woocommerce`, refunds written
        # back.
        args = argparse.Namespace(platform="woocommerce", merchant=shop.slug, url=WOO,
                                  key=WOO_KEY, secret=WOO_SECRET, no_webhooks=False)  # fmt: skip
        said = await connect_store(args, settings, http)
        assert said[0] == f"Connected woocommerce store {WOO} (0 orders).", said
        [store] = (await api.get("/api/v1/stores")).json()["data"]
        turned = await api.patch(f"/api/v1/stores/{store['id']}", json={"write_returns": True})
        assert turned.status_code == 200, turned.text

        # Three orders; Sync now, and the worker's sync-stores job imports them.
        placed = datetime.now(UTC) - timedelta(hours=5)
        world.store.orders += [
            ukrainian_order(1, placed, email=OLENA, phone="050 123 45 67",
                            name=("Олена", "Коваленко"), city="Львів",
                            provider="Нова Пошта", number=POSHTOMAT_TTN),
            ukrainian_order(2, placed, email=IRYNA, phone="+380 67 765 43 21",
                            name=("Ірина", "Бондар"), city="Львів",
                            provider="Нова Пошта", number=BRANCH_TTN),
            ukrainian_order(3, placed, email=SOFIA, phone="063 111 22 33",
                            name=("Софія", "Мельник"), city="Одеса",
                            provider="Укрпошта", number=BARCODE),
        ]  # fmt: skip
        asked = await api.post(f"/api/v1/stores/{store['id']}/sync")
        assert asked.status_code == 200, asked.text
        while await sync_job(settings, http):
            pass
        [store] = (await api.get("/api/v1/stores")).json()["data"]
        assert store["last_error"] is None and store["last_sync_at"], store
        order = (await api.get("/api/v1/orders/10001")).json()
        assert order["currency"] == "UAH", order
        assert [i["unit_price"] for i in order["items"]] == ["1299.00", "549.00"], order
        assert order["customer"]["phone"] == "+380501234567", "read with the Ukrainian address"
        sofia_as_typed = (await api.get("/api/v1/orders/10003")).json()["customer"]["phone"]
        assert sofia_as_typed == "+380631112233", "063 111 22 33 in Odesa"
        carriers = {s.tracking_number: s.carrier_key for s in await Shipment.all()}
        assert carriers == {POSHTOMAT_TTN: "nova_poshta", BRANCH_TTN: "nova_poshta",
                            BARCODE: "ukrposhta"}, "the store's Ukrainian names"  # fmt: skip

        # The parcels reach the Poshtomat, the branch and the post office.
        world.nova_poshta.reach(POSHTOMAT_TTN, "poshtomat.json")
        world.nova_poshta.reach(BRANCH_TTN, "at_branch.json")
        world.ukrposhta.reach("at_office.json")
        await worker_pass(shop_app, http)
        statuses = {s.tracking_number: s.status for s in await Shipment.all()}
        assert set(statuses.values()) == {"available_for_pickup"}, statuses
        tracked = [d for b in world.nova_poshta.asked if b["calledMethod"] == "getStatusDocuments"
                   for d in b["methodProperties"]["Documents"]]  # fmt: skip
        assert {"DocumentNumber": POSHTOMAT_TTN, "Phone": "380501234567"} in tracked

        # Olena's e-mail, in Ukrainian: the Poshtomat, its address.
        [mail] = mails_to(smtp_sink, OLENA)
        poshtomat = 'Поштомат "Нова Пошта" №25610: вул. Шевченка, 5 (під\'їзд 2)'
        assert mail["Subject"] == f"Посилка чекає на вас у пункті видачі {poshtomat}"
        assert mail["Reply-To"] == "oksana@kramnytsia.test"
        text = plain_text(mail)
        assert text.startswith("Вітаємо, Олена Коваленко!"), text
        assert f"чекає на вас у пункті {poshtomat} (Нова Пошта)." in text, "the name she knows"
        lines = text.splitlines()
        assert "/withdraw/" not in text, "no EU withdrawal for a shop in Ukraine"
        assert "Адреса: вул. Шевченка, 5, 79016 Львів" in lines, text
        assert "Години роботи: Пн–Нд 00:00–23:59" in lines, text
        [until] = [line for line in lines if line.startswith("Заберіть її до: ")]
        assert "грудня 2026" in until, until  # Babel's uk date, in Kyiv time
        link = tracking_link_in(text)
        parcel = await Shipment.get(tracking_number=POSHTOMAT_TTN)
        assert parcel_behind(shop_app, link) == parcel.id

        # Her tracking page, in Ukrainian as the e-mail was: the Poshtomat, its address and
        # hours.
        page = await customer.get(f"{link}?lang=uk")
        assert page.status_code == 200 and '<html lang="uk"' in page.text, page.text[:300]
        pickup = page.text[page.text.index('class="pickup pickup-') :]
        assert uk.ugettext("Where to collect it") in pickup
        assert "вул. Шевченка, 5" in pickup and "00:00–23:59" in pickup, pickup[:2000]
        assert ">Нова Пошта<span" in page.text and "Nova Poshta" not in page.text
        assert "Час показано в часовому поясі Київ." in page.text, "the zone by its city"

        # She agrees to text messages on the preferences page the e-mail links to.
        await opt_in_on_preferences_page(customer, text, "uk")

        # Collected: an e-mail and a text to her +380 number, in Ukrainian (UCS-2), the
        # store's order gets a note in the shop's language.
        world.nova_poshta.reach(POSHTOMAT_TTN, "delivered.json")
        await poll_when_due(shop_app, http, parcel.id)
        parcel = await Shipment.get(tracking_number=POSHTOMAT_TTN)
        assert parcel.status == "delivered"
        [sms] = world.twilio.texts()
        assert sms["To"] == "+380501234567", sms
        assert sms["Body"].startswith("Крамниця Оксани: "), sms["Body"]
        assert parcel_behind(shop_app, sms["Body"]) == parcel.id
        assert sms_segments(sms["Body"]) == ("UCS-2", 2), "Cyrillic: UCS-2, 67 a segment"
        await push_once(settings, client=http)
        assert {"order": "10001", "note": f"Посилка {POSHTOMAT_TTN} (Нова Пошта): Доставлено.",
                "customer_note": False} in world.store.notes  # fmt: skip

        # The returns page in Ukrainian: the scarf back for a refund.
        start = await customer.get(f"/returns?shop={shop.slug}&lang=uk")
        assert start.status_code == 200 and '<html lang="uk"' in start.text
        found = await customer.post(
            f"/returns?shop={shop.slug}",
            data={"order": "10001", "contact": OLENA, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        assert order_page.status_code == 200 and '<html lang="uk"' in order_page.text
        assert "Не підійшов розмір" in order_page.text and "Wrong size" not in order_page.text
        assert format_currency(Decimal("1299"), "UAH", locale="uk") == "1\xa0299,00\xa0₴"
        db_order = await Order.get(number="10001")
        items = {i.sku: i for i in await db_order.items.all()}
        scarf = items["SHARF"]
        options = await customer.post(
            f"/returns/orders/{db_order.id}/items",
            data={"csrf_token": csrf_in(order_page.text), "draft": draft_of(order_page.text),
                  f"quantity-{scarf.id}": "1", f"reason-{scarf.id}": "size"},
            files={"unused": ("", b"", "application/octet-stream")},
        )  # fmt: skip
        assert options.status_code == 200, options.text
        method = re.search(r'name="method" value="(\w+)"', options.text)
        assert method, options.text
        rma = await resolve_and_confirm(
            customer, f"/returns/orders/{db_order.id}", options.text,
            {f"resolution-{scarf.id}": "refund", "method": method.group(1)},
        )  # fmt: skip
        booked = await customer.get(f"/returns/{rma}?new=1")
        assert booked.status_code == 200 and '<html lang="uk"' in booked.text
        refund = await ReturnRequest.get()
        assert refund.number == rma
        assert (refund.refund_total, refund.currency) == (Decimal("1299.00"), "UAH")

        # The owner's queue (her browser reads Ukrainian): the return arrives, is inspected
        # and resolved.
        staff.headers["Accept-Language"] = "uk-UA,uk;q=0.9,en;q=0.5"
        token = await sign_in_as(staff, shop.owner_email, shop.owner_password)
        queue = await staff.get("/admin/returns")
        assert refund.number in queue.text
        await receive_inspect_resolve(staff, token, refund)
        await drain_outbox(shop_app, http)
        refund = await ReturnRequest.get()
        assert refund.state == "resolved"
        subjects = [m["Subject"] for m in mails_to(smtp_sink, OLENA)]
        assert f"Ваше повернення {refund.number} завершено" in subjects, subjects
        [resolved] = [m for m in mails_to(smtp_sink, OLENA) if m["Subject"].endswith("завершено")]
        assert "Повернення коштів: 1\xa0299,00\xa0₴." in plain_text(resolved)
        await push_once(settings, client=http)
        assert world.store.refunds == [
            {"order": "10001", "amount": "1299.00",
             "reason": f"Повернення {refund.number} завершено в Doorstep",
             "api_refund": False, "api_restock": True,
             "line_items": [{"id": 101, "quantity": 1, "refund_total": "1299.00"}]},
        ]  # fmt: skip

        # The survey, in Ukrainian: how easy the return was, then the rest.
        [survey_mail] = [m for m in mails_to(smtp_sink, OLENA) if "/s/" in plain_text(m)]
        assert survey_mail["Subject"] == "Як ми впоралися?"
        survey_link = re.search(r"https?://\S+/s/([A-Za-z0-9._~-]+)", plain_text(survey_mail))
        assert survey_link, plain_text(survey_mail)
        survey_token = survey_link.group(1)
        page = await customer.get(f"/s/{survey_token}")
        assert page.status_code == 200 and '<html lang="uk"' in page.text
        asked = re.findall(r'name="question" value="(\w+)"', page.text)
        assert asked[0] == "ces_return", asked  # a return asks how easy it was first
        for question, score in [("ces_return", 5), ("csat_resolution", 4)]:
            answered = await tap(customer, survey_token, question, score,
                                 comment="Усе швидко, дякую!")  # fmt: skip
            assert answered.status_code == 200, answered.text

        # The owner's analytics: the return's reason, in UAH, the survey's answers.
        overview = await staff.get("/admin/analytics/returns")
        assert overview.status_code == 200 and '<html lang="uk"' in overview.text
        assert "Не підійшов розмір" in overview.text and "Wrong size" not in overview.text
        satisfaction = await staff.get("/admin/analytics/satisfaction")
        assert "Не підійшов розмір · CES: 100,0" in satisfaction.text, "Ukrainian numbers"
        queue = await staff.get("/admin/returns")
        assert "1\xa0299,00\xa0₴" in queue.text

        # Iryna's branch: its address and Nova Poshta's opening hours (getWarehouses).
        [iryna_mail] = mails_to(smtp_sink, IRYNA)
        branch_page = await customer.get(tracking_link_in(plain_text(iryna_mail)) + "?lang=uk")
        pickup = branch_page.text[branch_page.text.index('class="pickup pickup-') :]
        assert "вул. Городоцька, 120" in pickup and "08:00–20:00" in pickup, pickup[:3000]

        # She collects it; days later the survey asks how the delivery went, and a low
        # score reaches the shop's support address in the shop's language.
        world.nova_poshta.reach(BRANCH_TTN, "delivered.json")
        branch_parcel = await Shipment.get(tracking_number=BRANCH_TTN)
        await poll_when_due(shop_app, http, branch_parcel.id)
        delay = (await Merchant.get(slug=shop.slug)).survey_delay_days
        later = datetime.now(UTC) + timedelta(days=delay, hours=1)
        while await schedule_due_surveys(settings, now=later):
            pass
        await drain_outbox(shop_app, http, now=later)
        [iryna_survey] = [m for m in mails_to(smtp_sink, IRYNA) if "/s/" in plain_text(m)]
        found_token = re.search(r"/s/([A-Za-z0-9._~-]+)", plain_text(iryna_survey))
        assert found_token, plain_text(iryna_survey)
        survey_page = await customer.get(f"/s/{found_token.group(1)}")
        questions = re.findall(r'name="question" value="(\w+)"', survey_page.text)
        assert questions == ["csat_delivery", "nps"], "a smooth delivery: CSAT and NPS"
        answered = await tap(customer, found_token.group(1), "nps", 3,
                             comment="Посилка їхала тиждень")  # fmt: skip
        assert answered.status_code == 200, answered.text
        await drain_outbox(shop_app, http, now=later + timedelta(hours=1))
        [follow_up] = mails_to(smtp_sink, "oksana@kramnytsia.test")
        assert follow_up["Subject"].endswith("замовлення 10002"), follow_up["Subject"]
        assert "Коментар: Посилка їхала тиждень" in plain_text(follow_up).splitlines()

        # Sofia reads Russian. The shop never asked: her e-mail is in the shop's language,
        # and its link opens the page in it; her browser's Russian is for pages she opens
        # herself, and her own choice of page language is remembered.
        [sofia_mail] = mails_to(smtp_sink, SOFIA)
        assert sofia_mail["Subject"] == "Посилка чекає на вас у пункті видачі ОДЕСА 501"
        async with client_for(shop_app) as sofia:
            sofia.headers["Accept-Language"] = RUSSIAN_BROWSER
            typed = await sofia.get(f"/track/{BARCODE}")
            assert '<html lang="ru"' in typed.text
            link = tracking_link_in(plain_text(sofia_mail))
            assert '<html lang="uk"' in (await sofia.get(f"{link}?lang=uk")).text
            assert '<html lang="ru"' in (await sofia.get(f"{link}?lang=ru")).text
            assert '<html lang="ru"' in (await sofia.get(link)).text
            # Messages stay Ukrainian until she chooses Russian on the preferences page.
            prefs_path = preferences_path_in(plain_text(sofia_mail))
            form = await sofia.get(f"{prefs_path}?lang=ru")
            assert '<option value="uk" lang="uk" selected>' in form.text
            chosen = {"form": "preferences", "email_opt_in": "1", "language": "ru"}
            saved = await sofia.post(prefs_path, data=chosen)
            assert saved.status_code == 200 and '<html lang="ru"' in saved.text
        world.ukrposhta.reach("delivered_en.json")
        sofia_parcel = await Shipment.get(tracking_number=BARCODE)
        await poll_when_due(shop_app, http, sofia_parcel.id)
        delivered = mails_to(smtp_sink, SOFIA)[-1]
        assert delivered["Subject"] == "Посылка доставлена", "in the language she chose"
        sofia_order = await Order.get(number="10003").prefetch_related("customer")
        assert sofia_order.customer.locale == "ru"

        # Cyrillic subjects travel as RFC 2047 encoded words, whole on the way out.
        raw = [envelope.content for envelope, _ in smtp_sink.received]
        assert all(b"Subject: =?utf-8?" in message for message in raw), raw[0][:400]
        sent = await OutboxMessage.filter(channel="email", state="sent")
        received = sorted(str(m["Subject"]) for m in smtp_sink.messages)
        assert sorted(m.subject for m in sent) == received

    # Set up through the API alone: nothing left to do but the optional branding.
    async with api_client(shop_app, shop.api_key) as api:
        setup = (await api.get("/api/v1/setup")).json()
        assert setup["complete"], setup
