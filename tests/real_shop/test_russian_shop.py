"""A Russian PrestaShop shop that never loaded the demo, walked through end to end.

*Тёплый дом* (Moscow, prices in roubles) is signed up with ``portal merchant create
--country RU``: Russia keeps eleven clocks, so the command asks which one rather than
guessing, and the operator gives Moscow's. ``portal user create`` and ``portal apikey
create`` follow. Its CDEK and Russian Post accounts, settings, return policy and Russian
return reasons go through ``/api/v1``; its PrestaShop store is connected with ``portal
connect prestashop`` (the command's own function, in this process, so the store is faked
at HTTP) and imported by the worker's ``sync-stores`` job. The store's carriers are named
as Russian shops name them ("СДЭК", "Почта России"), and its customers type their mobiles
the domestic way, ``8 916 …``, without +7.

Anna's parcel waits at a CDEK pickup point (ПВЗ), Olga's in a CDEK postamat, Pyotr's at
a Russian Post office. Messages go through a real SMTP server (aiosmtpd) and, once Anna
agrees to texts on the preferences page, through the twilio library to Twilio's Messages
API (respx). Anna, whose browser reads Russian, follows her parcel on the tracking page,
returns a sweater for a refund and answers the survey; the owner works the queue and reads
the analytics in Russian.

What is faked, and where its shapes come from:

- PrestaShop's Webservice (JSON output), as :class:`tests.platforms.fakes.FakePresta` with
  the Russian shop's configuration, currency, country and carriers
  (https://devdocs.prestashop-project.org/8/webservice/, resources ``configurations``,
  ``currencies``, ``countries``, ``carriers``, ``orders``, ``customers``, ``addresses``,
  ``order_carriers``; tests/fixtures/prestashop/SOURCE.md).
- CDEK's API v2 (``POST /v2/oauth/token``, ``GET /v2/orders?cdek_number=``, ``GET
  /v2/deliverypoints?code=&lang=``; https://api-docs.cdek.ru/33828849.html,
  https://apidoc.cdek.ru/), answering with tests/fixtures/cdek (SOURCE.md there), each
  status stamped when the walk reaches it.
- Russian Post's tracking service (SOAP 1.2 ``getOperationHistory``,
  https://tracking.pochta.ru/specification), answering with
  tests/fixtures/russian_post/awaiting_pickup.xml, restamped.
- Twilio's Messages API, as :class:`tests.real_shop.helpers.FakeTwilio`.
"""

from __future__ import annotations

import argparse
import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from babel.dates import format_datetime
from starlette.applications import Starlette

from carriers.cdek import clear_office_cache
from portal import i18n
from portal.cli import connect_store
from portal.models import Merchant, Order, ReturnRequest, Shipment, Survey
from portal.notifications.sms import sms_segments
from portal.platforms.backfill import sync_job
from portal.platforms.writeback import push_once
from tests.api.conftest import api_client
from tests.carriers.helpers import FIXTURES, load_fixture
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.platforms.fakes import FakePresta, fixture
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
    portal_run,
    receive_inspect_resolve,
    sign_in_as,
    sign_up,
    tracking_link_in,
    worker_pass,
)
from tests.returns_page.helpers import draft_of, resolve_and_confirm
from tests.survey_page.helpers import tap

pytestmark = pytest.mark.slow  # four `portal` processes and a walk of tens of seconds

STORE = "https://teplyj-dom.test"
STORE_KEY = "R7QJ2M4XK9D1VW8NPL3TZ6YB5HC0FGSA"
CDEK = "https://api.cdek.ru"
CDEK_ID, CDEK_SECRET = "teplyj-dom-cdek", "секретный-пароль-сдэк"
RUSSIAN_POST = "https://tracking.russianpost.ru/rtm34"
RP_LOGIN, RP_PASSWORD = "teplyjdom", "pochta-parol"
PVZ_NUMBER = "1106207236"  # tests/fixtures/cdek/order_at_point.json: the point MSK71
POSTAMAT_NUMBER = "1106207237"  # order_postamat.json: the postamat MSK2304
BARCODE = "11155586001234"  # a domestic ШПИ (tests/fixtures/russian_post/SOURCE.md)
ANNA = "anna.smirnova@example.test"
OLGA = "olga.ivanova@example.test"
PYOTR = "pyotr.nikolaev@example.test"
MOSCOW = ZoneInfo("Europe/Moscow")
RUSSIAN_BROWSER = "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7"
#: The month in a Russian date ("7 декабря"): the genitive, as a Russian reader expects.
GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
            "сентября", "октября", "ноября", "декабря")  # fmt: skip


def russian_day(day: date) -> str:
    """``7 декабря``: what a Russian reader expects a date to say (written here by hand,
    not by the library the product uses)."""
    return f"{day.day} {GENITIVE[day.month - 1]}"


# --- CDEK and Russian Post, faked at HTTP -------------------------------------------------

#: CDEK's ``date_time``: ``2026-12-04T09:12:30+0300``.
CDEK_TIME = "%Y-%m-%dT%H:%M:%S%z"


@dataclass
class FakeCdek:
    """OAuth, ``/v2/orders`` and ``/v2/deliverypoints``. Each order shows the statuses of
    the fixture it has reached; a status is stamped the first time it is shown (the newest
    of a step now, the rest before it, their gaps kept), and keeps its stamp after."""

    reached: dict[str, str] = field(default_factory=dict)
    stamps: dict[tuple[str, str], str] = field(default_factory=dict)
    keep_until: dict[str, datetime] = field(default_factory=dict)
    langs: list[str] = field(default_factory=list)

    def reach(self, number: str, name: str, *, show: int | None = None) -> None:
        """Order ``number`` reaches fixture ``name`` (its newest ``show`` statuses dropped
        when ``show`` is negative), now."""
        self.reached[number] = name
        statuses = self._statuses(number, show)
        fresh = [s for s in statuses if (number, s["code"]) not in self.stamps]
        if not fresh:
            return
        newest = max(datetime.strptime(s["date_time"], CDEK_TIME) for s in fresh)
        now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        if self.stamps:
            last = max(datetime.strptime(v, CDEK_TIME) for v in self.stamps.values())
            now = max(now, last + timedelta(seconds=1))
        for status in fresh:
            moment = datetime.strptime(status["date_time"], CDEK_TIME)
            moved = (now + (moment - newest)).astimezone(moment.tzinfo)
            self.stamps[(number, status["code"])] = moved.strftime(CDEK_TIME)
        self._shown[number] = show

    _shown: dict[str, int | None] = field(default_factory=dict)

    def _statuses(self, number: str, show: int | None) -> list[dict[str, Any]]:
        statuses = load_fixture("cdek", self.reached[number])["entity"]["statuses"]
        return statuses[-show:] if show else statuses

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/oauth/token":
            form = dict(httpx.QueryParams(request.content.decode()))
            if (form.get("client_id"), form.get("client_secret")) != (CDEK_ID, CDEK_SECRET):
                return httpx.Response(401, json=load_fixture("cdek", "token_refused.json"))
            return httpx.Response(200, json=load_fixture("cdek", "token.json"))
        token = load_fixture("cdek", "token.json")["access_token"]
        assert request.headers["Authorization"] == f"Bearer {token}"
        if request.url.path == "/v2/deliverypoints":
            code, lang = request.url.params["code"], request.url.params["lang"]
            self.langs.append(lang)
            name = "deliverypoints.json" if code == "MSK71" else "deliverypoints_postamat.json"
            return httpx.Response(200, json=load_fixture("cdek", name))
        assert request.url.path == "/v2/orders", request.url
        number = request.url.params["cdek_number"]
        if number not in self.reached:
            return httpx.Response(404, json=load_fixture("cdek", "not_found.json"))
        order = copy.deepcopy(load_fixture("cdek", self.reached[number]))
        entity = order["entity"]
        entity["cdek_number"] = number
        statuses = self._statuses(number, self._shown.get(number))
        entity["statuses"] = [
            {**s, "date_time": self.stamps[(number, s["code"])]} for s in copy.deepcopy(statuses)
        ]
        tomorrow = datetime.now(MOSCOW).date() + timedelta(days=1)
        entity["planned_delivery_date"] = tomorrow.isoformat()
        if number in self.keep_until:
            entity["keep_free_until"] = self.keep_until[number].strftime("%Y-%m-%dT%H:%M:%SZ")
        return httpx.Response(200, json=order)


@dataclass
class FakeRussianPost:
    """``getOperationHistory`` (SOAP 1.2) for the walk's barcode: the office journey of
    awaiting_pickup.xml, its dates moved so that the notice is sent now."""

    asked: list[str] = field(default_factory=list)
    reached: bool = False
    #: How far the fixture's dates move: fixed the first time it is served, so that each
    #: poll answers the same history.
    shift: timedelta | None = None

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        assert f"<ns2:login>{RP_LOGIN}</ns2:login>" in body, body
        assert f"<ns2:password>{RP_PASSWORD}</ns2:password>" in body, body
        barcode = re.search(r"<ns1:Barcode>([^<]+)</ns1:Barcode>", body)
        assert barcode, body
        self.asked.append(barcode.group(1))
        name = "awaiting_pickup.xml" if self.reached and barcode.group(1) == BARCODE else None
        xml = (FIXTURES / "russian_post" / (name or "not_found.xml")).read_text(encoding="utf-8")
        xml = xml.replace("EA123456785RU", BARCODE)
        dates = re.findall(r"<ns3:OperDate>([^<]+)</ns3:OperDate>", xml)
        if dates:
            parsed = [datetime.fromisoformat(d) for d in dates]
            if self.shift is None:
                self.shift = datetime.now(UTC).replace(microsecond=0) - max(parsed)
            for raw, moment in zip(dates, parsed, strict=True):
                moved = (moment + self.shift).astimezone(moment.tzinfo)
                xml = xml.replace(raw, moved.isoformat(timespec="milliseconds"), 1)
        return httpx.Response(
            200, content=xml.encode(), headers={"Content-Type": "application/soap+xml"}
        )


# --- the store ----------------------------------------------------------------------------


@dataclass
class RussianPresta(FakePresta):
    """The documented Webservice with a Russian shop's configuration: its name, Moscow
    time, roubles, Russia, Russian, and its carriers under the names the shop gave them."""

    def _table(self, resource: str) -> dict[int, dict[str, Any]]:
        own: dict[str, list[dict[str, Any]]] = {
            "configurations": [
                {"id": 256, "value": "Тёплый дом", "name": "PS_SHOP_NAME"},
                {"id": 242, "value": "Europe/Moscow", "name": "PS_TIMEZONE"},
                *fixture("prestashop", "configurations.json")["configurations"][2:],
            ],
            "currencies": [{"id": 1, "iso_code": "RUB"}],
            "countries": [{"id": 177, "iso_code": "RU"}],
            # The shop's one language: its customers order in Russian (``id_lang`` 1).
            "languages": [{"id": 1, "iso_code": "ru"}],
            "carriers": [{"id": 7, "name": "СДЭК"}, {"id": 8, "name": "Почта России"}],
        }
        if resource in own:
            return {r["id"]: r for r in own[resource]}
        return super()._table(resource)


def presta_time(moment: datetime) -> str:
    """A PrestaShop date: the shop's wall time (Moscow), no offset."""
    return moment.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M:%S")


def add_order(
    store: RussianPresta,
    n: int,
    placed: datetime,
    *,
    email: str,
    phone: str,
    name: tuple[str, str],
    carrier: int,
    number: str,
) -> None:
    """Order ``n`` as the Webservice returns it (tests/fixtures/prestashop/orders.json):
    a wool sweater and a hat in roubles to a Moscow address, the mobile as the customer
    typed it, the parcel on the order's carrier row."""
    customer = copy.deepcopy(fixture("prestashop", "customers.json")["customers"][0])
    customer.update(id=100 + n, email=email, firstname=name[0], lastname=name[1], newsletter="0")
    address = copy.deepcopy(fixture("prestashop", "addresses.json")["addresses"][0])
    address.update(id=500 + n, id_customer=str(100 + n), id_country="177", firstname=name[0],
                   lastname=name[1], company="", address1="ул. Большая Дмитровка, 7",
                   address2="кв. 12", postcode="125009", city="Москва", phone="",
                   phone_mobile=phone)  # fmt: skip
    order = copy.deepcopy(fixture("prestashop", "orders.json")["orders"][0])
    stamp = presta_time(placed)
    order.update(id=1000 + n, reference=f"TD{n:07d}", id_customer=str(100 + n),
                 id_address_delivery=str(500 + n), id_address_invoice=str(500 + n),
                 id_carrier=str(carrier), current_state="4", date_add=stamp, date_upd=stamp,
                 total_paid="1880.000000", total_paid_tax_incl="1880.000000",
                 total_products_wt="1880.000000", total_shipping="0.000000",
                 total_shipping_tax_incl="0.000000", payment="Оплата картой")  # fmt: skip
    rows = order["associations"]["order_rows"]
    rows[0].update(id=str(10 * n + 1), product_name="Свитер шерстяной (Размер: M)",
                   product_reference="SVITER-M", unit_price_tax_incl="1290.000000",
                   product_price="1075.000000")  # fmt: skip
    rows[1].update(id=str(10 * n + 2), product_name="Шапка вязаная",
                   product_reference="SHAPKA", unit_price_tax_incl="590.000000",
                   product_price="491.670000")  # fmt: skip
    carrier_row = copy.deepcopy(fixture("prestashop", "order_carriers.json")["order_carriers"][0])
    carrier_row.update(id=2000 + n, id_order=str(1000 + n), id_carrier=str(carrier),
                       tracking_number=number, date_add=stamp)  # fmt: skip
    store.customers[100 + n] = customer
    store.addresses[500 + n] = address
    store.orders[1000 + n] = order
    store.order_carriers[2000 + n] = carrier_row


@dataclass
class World:
    store: RussianPresta
    cdek: FakeCdek
    russian_post: FakeRussianPost
    twilio: FakeTwilio


@pytest.fixture
def world() -> Iterator[World]:
    clear_office_cache()
    outside = World(RussianPresta(key=STORE_KEY), FakeCdek(), FakeRussianPost(), FakeTwilio())
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="teplyj-dom.test").mock(side_effect=outside.store.answer)
        mock.route(url__startswith=CDEK).mock(side_effect=outside.cdek.answer)
        mock.post(RUSSIAN_POST).mock(side_effect=outside.russian_post.answer)
        mock.post(MESSAGES_URL).mock(side_effect=outside.twilio.answer)
        yield outside
    clear_office_cache()


# --- the walk -------------------------------------------------------------------------------


async def test_a_russian_prestashop_shop_with_cdek_russian_post_returns_and_survey(
    shop_app: Starlette, world: World, smtp_sink: SmtpSink
) -> None:
    settings = shop_app.state.settings
    ru = i18n.translations("ru")

    # Sign-up. Russia keeps eleven clocks: without --time-zone the command says so and
    # names them, rather than putting a Moscow shop on UTC.
    unzoned = await portal_run(settings.database_url, Path(settings.var_dir), "merchant",
                               "create", "--slug", "teplyj-dom", "--name", "Тёплый дом",
                               "--country", "RU", "--locale", "ru")  # fmt: skip
    assert unzoned.returncode != 0, unzoned.stdout
    assert "--time-zone" in unzoned.stderr and "Europe/Moscow" in unzoned.stderr, unzoned.stderr
    assert "Asia/Vladivostok" in unzoned.stderr, unzoned.stderr
    assert await Merchant.filter(slug="teplyj-dom").count() == 0
    shop = await sign_up(shop_app, "teplyj-dom", "Тёплый дом", country="RU", locale="ru",
                         time_zone="Europe/Moscow")  # fmt: skip

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as customer,
        client_for(shop_app) as staff,
        httpx.AsyncClient(timeout=15.0) as http,
    ):
        customer.headers["Accept-Language"] = RUSSIAN_BROWSER
        staff.headers["Accept-Language"] = RUSSIAN_BROWSER

        # docs/api.md, "Carrier accounts": CDEK's account and secure password, Russian
        # Post's tracking login; each tried on a number that does not exist.
        carriers = {c["key"]: c for c in (await api.get("/api/v1/carriers")).json()["data"]}
        assert set(carriers["cdek"]["credential_fields"]) == {"client_id", "client_secret"}
        assert set(carriers["russian_post"]["credential_fields"]) == {
            "login", "password", "otpravka_token", "otpravka_key",
        }  # fmt: skip
        await add_tested_carrier(
            api, "cdek", "СДЭК", {"client_id": CDEK_ID, "client_secret": CDEK_SECRET}
        )
        await add_tested_carrier(
            api, "russian_post", "Почта России", {"login": RP_LOGIN, "password": RP_PASSWORD}
        )

        # docs/api.md, "Settings": support contact, texts for the point and the delivery,
        # no quiet hours. Return reasons in Russian; refunds, returns by CDEK to the Moscow
        # warehouse.
        shop_settings, _ = await configure_shop(
            api,
            settings={"support_email": "help@teplyj-dom.test",
                      "support_phone": "+7 495 123-45-67", **TEXTS_AROUND_THE_CLOCK},
            reasons={"size": {"en": "Wrong size", "ru": "Не подошёл размер"},
                     "quality": {"en": "Not as described", "ru": "Не соответствует описанию"}},
            policy={"resolutions": ["refund"], "return_shipping_fee": "0", "window_days": 21,
                    "auto_approve": {"enabled": True},
                    "return_address": {"name": "Тёплый дом — возвраты",
                                       "line1": "ул. Складочная, 1, стр. 4", "city": "Москва",
                                       "postal_code": "127018", "country": "RU"}},
        )  # fmt: skip
        assert (shop_settings["default_locale"], shop_settings["time_zone"]) == (
            "ru", "Europe/Moscow",
        )  # fmt: skip

        # docs/platforms.md, "PrestaShop": `portal connect prestashop`.
        args = argparse.Namespace(platform="prestashop", merchant=shop.slug, url=STORE,
                                  key=STORE_KEY, no_webhooks=False)  # fmt: skip
        said = await connect_store(args, settings, http)
        assert said[0] == f"Connected prestashop store {STORE} (Тёплый дом).", said

        # Three orders, their mobiles in the domestic trunk form; the worker imports them.
        placed = datetime.now(UTC) - timedelta(hours=5)
        add_order(world.store, 1, placed, email=ANNA, phone="8 916 123-45-67",
                  name=("Анна", "Смирнова"), carrier=7, number=PVZ_NUMBER)  # fmt: skip
        add_order(world.store, 2, placed, email=OLGA, phone="89031112233",
                  name=("Ольга", "Иванова"), carrier=7, number=POSTAMAT_NUMBER)  # fmt: skip
        add_order(world.store, 3, placed, email=PYOTR, phone="8 (913) 765-43-21",
                  name=("Пётр", "Николаев"), carrier=8, number=BARCODE)  # fmt: skip
        [store] = (await api.get("/api/v1/stores")).json()["data"]
        turned = await api.patch(f"/api/v1/stores/{store['id']}", json={"write_tracking": True})
        assert turned.status_code == 200, turned.text
        asked = await api.post(f"/api/v1/stores/{store['id']}/sync")
        assert asked.status_code == 200, asked.text
        while await sync_job(settings, http):
            pass
        [store] = (await api.get("/api/v1/stores")).json()["data"]
        assert store["last_error"] is None and store["last_sync_at"], store
        order = (await api.get("/api/v1/orders/TD0000001")).json()
        assert order["currency"] == "RUB", order
        assert [i["unit_price"] for i in order["items"]] == ["1290.00", "590.00"], order
        assert order["customer"]["phone"] == "+79161234567", "8 916 … is +7 916 …"
        phones = {(await api.get(f"/api/v1/orders/TD000000{n}")).json()["customer"]["phone"]
                  for n in (2, 3)}  # fmt: skip
        assert phones == {"+79031112233", "+79137654321"}, phones
        carried = {s.tracking_number: s.carrier_key for s in await Shipment.all()}
        assert carried == {PVZ_NUMBER: "cdek", POSTAMAT_NUMBER: "cdek", BARCODE: "russian_post"}

        # On their way: CDEK has them in Moscow.
        world.cdek.reach(PVZ_NUMBER, "order_at_point.json", show=7)
        world.cdek.reach(POSTAMAT_NUMBER, "order_postamat.json", show=7)
        await worker_pass(shop_app, http)
        statuses = {s.tracking_number: s.status for s in await Shipment.all()}
        assert statuses[PVZ_NUMBER] == statuses[POSTAMAT_NUMBER] == "in_transit", statuses

        # At the pickup point and in the postamat; the post office has Pyotr's. Free
        # storage at the point ends in five days, at midnight Moscow time.
        today = datetime.now(MOSCOW).date()
        last_day = today + timedelta(days=5)
        keep = datetime.combine(last_day, datetime.max.time(), MOSCOW).replace(microsecond=0)
        world.cdek.keep_until[PVZ_NUMBER] = keep.astimezone(UTC)
        world.cdek.keep_until[POSTAMAT_NUMBER] = keep.astimezone(UTC) - timedelta(days=3)
        world.cdek.reach(PVZ_NUMBER, "order_at_point.json")
        world.cdek.reach(POSTAMAT_NUMBER, "order_postamat.json")
        world.russian_post.reached = True
        for number in (PVZ_NUMBER, POSTAMAT_NUMBER, BARCODE):
            parcel = await Shipment.get(tracking_number=number)
            await poll_when_due(shop_app, http, parcel.id)
        statuses = {s.tracking_number: s.status for s in await Shipment.all()}
        assert set(statuses.values()) == {"available_for_pickup"}, statuses
        assert set(world.cdek.langs) == {"rus"}, "the points asked in Russian"

        # Anna's e-mail, in Russian: the point, its address, hours and last day.
        subjects = [m["Subject"] for m in mails_to(smtp_sink, ANNA)]
        assert subjects == ["Ваш заказ в магазине Тёплый дом уже в пути",
                            "Посылка ждёт вас в пункте выдачи На Тверской"], subjects  # fmt: skip
        mail = mails_to(smtp_sink, ANNA)[-1]
        assert mail["Reply-To"] == "help@teplyj-dom.test"
        text = plain_text(mail)
        assert text.startswith("Здравствуйте, Анна Смирнова!"), text
        assert "ждёт вас в пункте На Тверской (СДЭК)." in text, text
        lines = text.splitlines()
        assert "Адрес: ул. Тверская, 12, стр. 2, 125009 Москва" in lines, text
        assert "Часы работы: пн–пт 10:00–21:00, сб–вс 10:00–18:00" in lines, text
        [until] = [line for line in lines if line.startswith("Заберите её до: ")]
        assert russian_day(last_day) in until, (until, russian_day(last_day))
        assert until.endswith(", 23:59."), "free storage ends at midnight, Moscow time"
        assert "/withdraw/" not in text, "no EU withdrawal for a shop in Russia"
        link = tracking_link_in(text)
        parcel = await Shipment.get(tracking_number=PVZ_NUMBER)
        assert parcel_behind(shop_app, link) == parcel.id

        # Olga's postamat: a postamat, around the clock.
        olga_mail = mails_to(smtp_sink, OLGA)[-1]
        assert "Постамат СДЭК на Арбате" in olga_mail["Subject"], olga_mail["Subject"]
        olga_lines = plain_text(olga_mail).splitlines()
        assert "Часы работы: пн–вс 00:00–23:59" in olga_lines, olga_lines
        assert "Адрес: ул. Арбат, 24, 119002 Москва" in olga_lines, olga_lines
        # Pyotr's post office, by Russian Post's name for it.
        pyotr_mail = mails_to(smtp_sink, PYOTR)[-1]
        assert "(Почта России)" in plain_text(pyotr_mail), plain_text(pyotr_mail)
        pyotr = await Shipment.get(tracking_number=BARCODE)
        codes = [e.carrier_code for e in await pyotr.events.all().order_by("occurred_at")]
        assert codes == ["1.1", "8.1", "8.3", "8.4", "8.2", "8.24"], "each operation once"

        # Her tracking page in Russian: the point with its address, hours and last day,
        # CDEK's own words, Moscow time.
        page = await customer.get(link)
        assert page.status_code == 200 and '<html lang="ru"' in page.text, page.text[:300]
        pickup = page.text[page.text.index('class="pickup pickup-') :]
        assert ru.ugettext("Where to collect it") in pickup
        assert "На Тверской" in pickup and "ул. Тверская, 12, стр. 2" in pickup, pickup[:2000]
        assert "10:00–21:00" in pickup, pickup[:2000]
        assert russian_day(last_day) in pickup, pickup[:2000]
        assert ">СДЭК<" in page.text and "CDEK" not in page.text.replace("cdek", "")
        assert "Принят на склад до востребования" in page.text, "CDEK's own status words"
        assert "Время указано в часовом поясе Москва." in page.text

        # She agrees to text messages on the preferences page the e-mail links to.
        await opt_in_on_preferences_page(customer, text, "ru")

        # Collected: an e-mail and a text to her +7 number, in Russian (UCS-2).
        world.cdek.reach(PVZ_NUMBER, "journey.json")
        await poll_when_due(shop_app, http, parcel.id)
        parcel = await Shipment.get(tracking_number=PVZ_NUMBER)
        assert parcel.status == "delivered", parcel.status
        [sms] = world.twilio.texts()
        assert sms["To"] == "+79161234567", sms
        assert sms["Body"].startswith("Тёплый дом: ваша посылка доставлена."), sms["Body"]
        assert parcel_behind(shop_app, sms["Body"]) == parcel.id
        assert sms_segments(sms["Body"])[0] == "UCS-2"
        # The store's order moves to its "Delivered" state (PS_OS_DELIVERED, docs/platforms.md).
        await push_once(settings, client=http)
        delivered_state = (
            "POST",
            "/api/order_histories",
            {"id_order": "1001", "id_order_state": "5"},
        )
        assert delivered_state in world.store.writes, world.store.writes

        # The returns page in Russian: the sweater back for a refund, in roubles.
        start = await customer.get(f"/returns?shop={shop.slug}")
        assert start.status_code == 200 and '<html lang="ru"' in start.text
        found = await customer.post(
            f"/returns?shop={shop.slug}",
            data={"order": "TD0000001", "contact": ANNA, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        assert order_page.status_code == 200 and '<html lang="ru"' in order_page.text
        assert "Не подошёл размер" in order_page.text and "Wrong size" not in order_page.text
        policy_link = f"/returns/policy/{shop.slug}"
        assert policy_link in start.text, "the start page links the policy"
        policy_page = await customer.get(policy_link)
        assert "в течение 21 дня после доставки" in policy_page.text, "21: дня"
        assert "1\xa0290,00\xa0₽" in order_page.text, "roubles as Russian writes them"
        db_order = await Order.get(number="TD0000001")
        items = {i.sku: i for i in await db_order.items.all()}
        sweater = items["SVITER-M"]
        options = await customer.post(
            f"/returns/orders/{db_order.id}/items",
            data={"csrf_token": csrf_in(order_page.text), "draft": draft_of(order_page.text),
                  f"quantity-{sweater.id}": "1", f"reason-{sweater.id}": "size"},
            files={"unused": ("", b"", "application/octet-stream")},
        )  # fmt: skip
        assert options.status_code == 200, options.text
        method = re.search(r'name="method" value="(\w+)"', options.text)
        assert method, options.text

        def in_roubles(review: str) -> None:
            assert "1\xa0290,00\xa0₽" in review and "RUB" not in review

        number = await resolve_and_confirm(
            customer, f"/returns/orders/{db_order.id}", options.text,
            {f"resolution-{sweater.id}": "refund", "method": method.group(1)},
            check_review=in_roubles,
        )  # fmt: skip
        booked = await customer.get(f"/returns/{number}?new=1")
        assert booked.status_code == 200 and '<html lang="ru"' in booked.text
        refund = await ReturnRequest.get()
        assert (refund.refund_total, refund.currency) == (Decimal("1290.00"), "RUB")
        # Sending it herself: the carriers by the names she knows.
        offered = dict(re.findall(r'<option value="(\w+)">([^<]+)</option>', booked.text))
        assert (offered["cdek"], offered["russian_post"]) == ("СДЭК", "Почта России"), offered

        # The owner's queue in Russian: the return arrives, is inspected and resolved.
        token = await sign_in_as(staff, shop.owner_email, shop.owner_password)
        queue = await staff.get("/admin/returns")
        assert '<html lang="ru"' in queue.text and refund.number in queue.text
        assert "Не подошёл размер" in queue.text and "1\xa0290,00\xa0₽" in queue.text
        path = await receive_inspect_resolve(staff, token, refund)
        await drain_outbox(shop_app, http)
        refund = await ReturnRequest.get()
        assert refund.state == "resolved"
        history = (await staff.get(path)).text
        assert "одобрен по правилам возврата" in history and "auto-approved" not in history
        # The workspace keeps the shop's clock: Moscow time, as the customer's page.
        # In Russian, as the workspace writes a moment: "8 дек. 2026 г., 02:30" (CLDR puts
        # a narrow no-break space before the "г.").
        requested = format_datetime(
            refund.created_at, "d MMM y\u202f'г'., HH:mm", tzinfo=MOSCOW, locale="ru"
        )
        assert f">{requested}</time>" in history, "the request's time in Moscow"
        subjects = [m["Subject"] for m in mails_to(smtp_sink, ANNA)]
        resolved_subject = f"Ваш возврат {refund.number} завершён"
        assert resolved_subject in subjects, subjects
        [resolved] = [m for m in mails_to(smtp_sink, ANNA) if m["Subject"] == resolved_subject]
        assert "1\xa0290,00\xa0₽" in plain_text(resolved), plain_text(resolved)

        # The survey, in Russian: how easy the return was first.
        [invitation] = [m for m in mails_to(smtp_sink, ANNA) if "/s/" in plain_text(m)]
        assert re.search("[а-я]", invitation["Subject"]), invitation["Subject"]
        survey_link = re.search(r"https?://\S+/s/([A-Za-z0-9._~-]+)", plain_text(invitation))
        assert survey_link, plain_text(invitation)
        survey = await Survey.get()
        assert survey.locale == "ru"
        opened = await customer.get(f"/s/{survey_link.group(1)}")
        assert opened.status_code == 200 and '<html lang="ru"' in opened.text
        asked_first = re.findall(r'name="question" value="(\w+)"', opened.text)
        assert asked_first[0] == "ces_return", asked_first
        for question in survey.questions:
            answered = await tap(customer, survey_link.group(1), question,
                                 9 if question == "nps" else 4,
                                 comment="Всё быстро, спасибо!")  # fmt: skip
            assert answered.status_code == 200, answered.text

        # Analytics in Russian: the return's reason, the answers by reason.
        overview = await staff.get("/admin/analytics/returns")
        assert overview.status_code == 200 and '<html lang="ru"' in overview.text
        assert "Не подошёл размер" in overview.text and "Wrong size" not in overview.text
        assert '<option value="cdek">СДЭК</option>' in overview.text, "the filter's carriers"
        assert '<option value="russian_post">Почта России</option>' in overview.text
        satisfaction = await staff.get("/admin/analytics/satisfaction")
        assert satisfaction.status_code == 200
        assert "Не подошёл размер · CES: 100,0" in satisfaction.text, "Russian numbers"

    # Set up through the API alone: nothing left to do but the optional branding.
    async with api_client(shop_app, shop.api_key) as api:
        setup = (await api.get("/api/v1/setup")).json()
        assert setup["complete"], setup
