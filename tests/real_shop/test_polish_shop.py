"""A Polish shop that never loaded the demo, walked through end to end.

*Sklep u Kasi* (Kraków, prices in złoty) is made with ``portal merchant create --country PL``
alone (no time zone, no language: both are the country's), ``portal user create`` and
``portal apikey create``. Its InPost, DPD Polska and Poczta Polska accounts, settings,
return reasons and policy go through ``/api/v1``; its orders live in BaseLinker, connected
with ``portal connect baselinker`` (the command's own function, in this process, so
BaseLinker is faked at HTTP) and imported by the worker's ``sync-stores`` job. BaseLinker
names each package's courier by its own courier code (``paczkomaty``, ``dpd``,
``pocztapolska``).

Kasia's parcel waits in a Paczkomat; Marek's comes by DPD courier; Zofia's waits at the post
office after a Poczta Polska *awizo*. Customers typed their phones without +48. Kasia reads
the tracking page in Polish, agrees to texts, collects the parcel, sends a jumper back
through a Paczkomat and answers the survey; Marek withdraws from his contract (odstąpienie od
umowy, 14 days); the owner works the returns queue and reads the analytics.

What is faked, and where its shapes come from:

- BaseLinker's API (``POST https://api.baselinker.com/connector.php``, ``X-BLToken``;
  ``getOrderStatusList``, ``getOrders``, ``getOrderPackages``, ``getJournalList``;
  https://api.baselinker.com/), as :class:`tests.platforms.fake_baselinker.FakeBaseLinker`
  with its documented order (tests/fixtures/baselinker/get_orders.json, SOURCE.md there)
  moved to these customers; a Paczkomat order carries the ``delivery_point_*`` fields of
  ``getOrders``' output table.
- InPost ShipX tracking (``GET /v1/tracking/{number}``,
  https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/28639244), answering with
  tests/fixtures/inpost (SOURCE.md there), re-stamped to the moment each scan happens.
- DPD Polska's DPD Info Services (``getEventsForWaybillV1``, SOAP) and Poczta Polska's
  tracking web service (``sprawdzPrzesylkePl``, SOAP), answering with tests/fixtures/dpd_pl
  and tests/fixtures/poczta_polska (README files there), re-stamped.
- Twilio's Messages API, as :class:`tests.real_shop.helpers.FakeTwilio`; e-mail through a
  real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import argparse
import copy
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
from babel.dates import format_date
from starlette.applications import Starlette

from portal.cli import connect_store
from portal.models import Order, ReturnRequest, Shipment, Survey, Withdrawal
from portal.platforms.backfill import sync_job
from tests.api.conftest import api_client
from tests.carriers.helpers import FIXTURES, load_fixture
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.platforms import fake_baselinker
from tests.platforms.fake_baselinker import BASELINKER_TOKEN, FakeBaseLinker, stamp
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
    receive_inspect_resolve,
    sign_in_as,
    sign_up,
    tracking_link_in,
    worker_pass,
)
from tests.returns_page.helpers import draft_of, resolve_and_confirm, withdraw
from tests.survey_page.helpers import tap

pytestmark = pytest.mark.slow  # three `portal` processes and a walk of tens of seconds

SLUG = "sklep-u-kasi"
WARSAW = ZoneInfo("Europe/Warsaw")
POLISH_BROWSER = "pl-PL,pl;q=0.9,en-US;q=0.6,en;q=0.5"
SHIPX = "https://api-shipx-pl.easypack24.net/v1/tracking/"
SHIPX_TOKEN = "shipx-organisation-token"
DPD = "https://dpdinfoservices.dpd.com.pl/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents"
DPD_LOGIN, DPD_PASSWORD = "10203", "hasło-dpd"
POCZTA = "https://tt.poczta-polska.pl/Sledzenie/services/Sledzenie"
LOCKER_NUMBER = "602677439331630337653846"  # tests/fixtures/inpost: the docs' example
RETURN_NUMBER = "620000014433330021832564"  # Kasia's return, posted in a Paczkomat
DPD_NUMBER = "1000123456789U"  # tests/fixtures/dpd_pl/delivered.xml
POCZTA_NUMBER = "00459007731185404992"  # tests/fixtures/poczta_polska/awaiting_pickup.xml
KASIA = "katarzyna.nowak@example.test"
MAREK = "marek.wisniewski@example.test"
ZOFIA = "zofia.kowalczyk@example.test"
SUPPORT = "sklep@sklep-u-kasi.test"


# --- the carriers, faked at HTTP -----------------------------------------------------------

_POCZTA_TIME = re.compile(r"(?<=<ax21:czas>)\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?=</ax21:czas>)")
_DPD_TIME = re.compile(r"(?<=<eventTime>)[^<]+(?=</eventTime>)")


def _dpd_moved(text: str, moment: datetime) -> str:
    """Every ``eventTime`` (Polish wall time, no offset) moved by one amount so the newest
    happens at the whole second after ``moment``: the portal sends nothing for scans older
    than the parcel's import, as a first sync must not flood customers."""
    found = [datetime.fromisoformat(t) for t in _DPD_TIME.findall(text)]
    wall = moment.astimezone(WARSAW).replace(tzinfo=None, microsecond=0) + timedelta(seconds=1)
    shift = wall - max(found)

    def moved(match: re.Match[str]) -> str:
        return (datetime.fromisoformat(match.group(0)) + shift).isoformat(timespec="milliseconds")

    return _DPD_TIME.sub(moved, text)


@dataclass
class FakeShipX:
    """``GET /v1/tracking/{number}``: each number's Tracking resource as the fixture it has
    reached (optionally cut to its oldest scans). The scans it already showed keep their
    times; the new ones happen now, a second apart, in their order."""

    reached: dict[str, dict[str, Any]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def reach(self, number: str, name: str, *, oldest: int | None = None) -> None:
        doc = copy.deepcopy(load_fixture("inpost", name))
        if oldest is not None:  # the parcel as it was: its oldest ``oldest`` scans
            doc["tracking_details"] = doc["tracking_details"][-oldest:]
            doc["status"] = doc["tracking_details"][0]["status"]
        doc["tracking_number"] = number
        known = {
            d["status"]: d["datetime"]
            for d in self.reached.get(number, {}).get("tracking_details", [])
        }
        moment = datetime.now(WARSAW).replace(microsecond=0)
        latest = max((datetime.fromisoformat(t) for t in known.values()), default=moment)
        for detail in reversed(doc["tracking_details"]):  # oldest first
            if detail["status"] in known:
                detail["datetime"] = known[detail["status"]]
                continue
            moment = max(moment, latest) + timedelta(seconds=1)
            latest = moment
            detail["datetime"] = moment.isoformat(timespec="milliseconds")
        newest = doc["tracking_details"][0]["datetime"]
        doc["created_at"] = doc["tracking_details"][-1]["datetime"]
        doc["updated_at"] = newest
        self.reached[number] = doc

    def answer(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Bearer {SHIPX_TOKEN}"
        number = request.url.path.rsplit("/", 1)[-1]
        self.asked.append(number)
        if number not in self.reached:
            return httpx.Response(404, json=load_fixture("inpost", "not_found.json"))
        return httpx.Response(200, json=self.reached[number])


XML = {"Content-Type": "text/xml;charset=utf-8"}


def _xml(carrier: str, name: str) -> str:
    return (FIXTURES / carrier / name).read_text(encoding="utf-8")


@dataclass
class FakeDpd:
    """``getEventsForWaybillV1``: the waybill's events as delivered.xml has them, cut to the
    scans reached so far (newest first), re-stamped; any other waybill has none."""

    scans: int = 0
    bodies: list[str] = field(default_factory=list)

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        self.bodies.append(body)
        assert f"<login>{DPD_LOGIN}</login>" in body or DPD_LOGIN in body, body
        if DPD_NUMBER not in body or not self.scans:
            return httpx.Response(200, content=_xml("dpd_pl", "empty.xml"), headers=XML)
        text = _xml("dpd_pl", "delivered.xml")
        events = re.findall(r"<eventsList>.*?</eventsList>", text, flags=re.S)
        for newer in events[: max(0, len(events) - self.scans)]:  # not happened yet
            text = text.replace(newer, "", 1)
        return httpx.Response(200, content=_dpd_moved(text, datetime.now(UTC)), headers=XML)


@dataclass
class FakePoczta:
    """``sprawdzPrzesylkePl``: Zofia's parcel as awaiting_pickup.xml (the post office
    named), its oldest ``scans`` events shown: those seen before keep their times, the first
    ones are moved so the newest happens now and later ones happen when they appear. Any
    other number is not found."""

    scans: int = 0
    stamps: dict[str, str] = field(default_factory=dict)

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        if POCZTA_NUMBER not in body or not self.scans:
            return httpx.Response(200, content=_xml("poczta_polska", "not_found.xml"), headers=XML)
        text = _xml("poczta_polska", "awaiting_pickup.xml")
        events = re.findall(r"<ax21:zdarzenie .*?</ax21:zdarzenie>", text, flags=re.S)
        for later in events[self.scans :]:  # not happened yet
            text = text.replace(later, "", 1)
        form = "%Y-%m-%d %H:%M"
        times = _POCZTA_TIME.findall(text)
        now = datetime.now(WARSAW).replace(tzinfo=None, second=0, microsecond=0)
        if not self.stamps:  # the first answer: its newest scan happens now
            shift = now + timedelta(minutes=1) - datetime.strptime(times[-1], form)
            self.stamps = {t: (datetime.strptime(t, form) + shift).strftime(form) for t in times}
        for t in times:
            if t not in self.stamps:
                newest = max(datetime.strptime(v, form) for v in self.stamps.values())
                self.stamps[t] = (max(now, newest) + timedelta(minutes=1)).strftime(form)
        text = _POCZTA_TIME.sub(lambda m: self.stamps[m.group(0)], text)
        return httpx.Response(200, content=text, headers=XML)


# --- BaseLinker's orders ---------------------------------------------------------------------


def baselinker_order(
    order_id: int,
    placed: datetime,
    *,
    email: str,
    phone: str,
    name: str,
    address: tuple[str, str, str],
    products: list[tuple[str, str, int, str]],
    delivery_price: str,
    point: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``getOrders``' documented order (tests/fixtures/baselinker/get_orders.json) as this
    customer's: złoty, a Polish address, the phone as typed at checkout, and for a
    Paczkomat order the ``delivery_point_*`` fields naming the locker."""
    order = copy.deepcopy(fake_baselinker.fixture("baselinker", "get_orders.json")["orders"][0])
    street, postcode, city = address
    order.update(
        order_id=order_id, shop_order_id=order_id - 7_000_000, external_order_id=str(order_id),
        date_add=stamp(placed) - 60, date_confirmed=stamp(placed), date_in_status=stamp(placed),
        email=email, phone=phone, currency="PLN", delivery_price=float(delivery_price),
        delivery_method="Paczkomat InPost" if point else "Kurier",
        delivery_fullname=name, delivery_company="", delivery_address=street,
        delivery_city=city, delivery_postcode=postcode, invoice_fullname=name,
        invoice_company="", invoice_nip="", invoice_address=street, invoice_city=city,
        invoice_postcode=postcode, user_login=email.split("@")[0], user_comments="",
        admin_comments="",
    )  # fmt: skip
    if point:
        order.update(point)
    order["products"] = [
        {**order["products"][0], "order_product_id": order_id * 10 + i, "product_id": str(500 + i),
         "variant_id": 0, "name": title, "attributes": "", "sku": sku, "ean": "",
         "price_brutto": float(price), "quantity": quantity}
        for i, (sku, title, quantity, price) in enumerate(products)
    ]  # fmt: skip
    return order


@dataclass
class World:
    store: FakeBaseLinker
    shipx: FakeShipX
    dpd: FakeDpd
    poczta: FakePoczta
    twilio: FakeTwilio


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from portal.platforms import baselinker

    monkeypatch.setattr(baselinker, "WINDOW", fake_baselinker.FAST_MINUTE)
    outside = World(FakeBaseLinker(), FakeShipX(), FakeDpd(), FakePoczta(), FakeTwilio())
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host=fake_baselinker.BASELINKER_HOST).mock(side_effect=outside.store.answer)
        mock.get(url__startswith=SHIPX).mock(side_effect=outside.shipx.answer)
        mock.post(DPD).mock(side_effect=outside.dpd.answer)
        mock.post(POCZTA).mock(side_effect=outside.poczta.answer)
        mock.post(MESSAGES_URL).mock(side_effect=outside.twilio.answer)
        yield outside


# --- the walk ---------------------------------------------------------------------------------


async def test_a_polish_baselinker_shop_with_a_paczkomat_dpd_poczta_polska_returns_and_survey(
    shop_app: Starlette, world: World, smtp_sink: SmtpSink
) -> None:
    settings = shop_app.state.settings
    # README, "The `portal` command": the shop with its country alone (no time zone, no
    # language), its owner and the checkout's API key.
    shop = await sign_up(shop_app, SLUG, "Sklep u Kasi", country="PL", time_zone="",
                         password="wystarczająco długie hasło")  # fmt: skip
    assert "time zone Europe/Warsaw" in shop.merchant_said, shop.merchant_said

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as customer,
        client_for(shop_app) as staff,
        httpx.AsyncClient(timeout=15.0) as http,
    ):
        customer.headers["Accept-Language"] = POLISH_BROWSER
        staff.headers["Accept-Language"] = POLISH_BROWSER
        # docs/api.md, "Carrier accounts": InPost's ShipX token, DPD Polska's Info Services
        # login and Poczta Polska's public tracking account, each tried on a number that
        # does not exist.
        await add_tested_carrier(api, "inpost", "InPost", {"api_token": SHIPX_TOKEN})
        await add_tested_carrier(
            api, "dpd_pl", "DPD Polska", {"login": DPD_LOGIN, "password": DPD_PASSWORD}
        )
        await add_tested_carrier(api, "poczta_polska", "Poczta Polska", {})

        # docs/api.md, "Settings": the command gave the country's zone and language. Return
        # reasons in Polish; the policy: refunds, free returns to the Kraków warehouse, by
        # QR code in a Paczkomat or with a printed label.
        shop_settings, policy = await configure_shop(
            api,
            settings={"support_email": SUPPORT, "support_phone": "+48 12 345 67 89",
                      **TEXTS_AROUND_THE_CLOCK},
            reasons={"size": {"en": "Wrong size", "pl": "Zły rozmiar"},
                     "quality": {"en": "Not as described", "pl": "Niezgodny z opisem"}},
            policy={"resolutions": ["refund"], "return_shipping_fee": "0",
                    "methods": ["drop_off_qr", "drop_off_label"],
                    "auto_approve": {"enabled": True},
                    "return_address": {"name": "Sklep u Kasi — zwroty",
                                       "line1": "ul. Wielicka 28", "city": "Kraków",
                                       "postal_code": "30-552", "country": "PL"}},
        )  # fmt: skip
        assert (shop_settings["time_zone"], shop_settings["default_locale"]) == (
            "Europe/Warsaw",
            "pl",
        ), "a Polish shop speaks Polish to its customers without being told"
        assert policy["eu_consumer_law"] is None  # follows the shop's country: PL

        # docs/platforms.md, "BaseLinker": `portal connect baselinker` with the API token.
        args = argparse.Namespace(platform="baselinker", merchant=SLUG, token=BASELINKER_TOKEN,
                                  token_file=None)  # fmt: skip
        said = await connect_store(args, settings, http)
        assert said[:2] == fake_baselinker.CONNECTED_SAYS, said
        [store] = (await api.get("/api/v1/stores")).json()["data"]

        # Three orders confirmed in BaseLinker, phones as typed (no +48); the shop packs
        # them: a Paczkomat parcel, a DPD courier parcel, a Poczta Polska parcel.
        placed = datetime.now(UTC) - timedelta(hours=4)
        kasia = baselinker_order(
            7_100_001, placed, email=KASIA, phone="601 234 567", name="Katarzyna Nowak",
            address=("ul. Karmelicka 12/4", "31-128", "Kraków"),
            products=[("SWETER-M", "Sweter wełniany, rozmiar M", 1, "129.00"),
                      ("SKARPETY", "Skarpety bawełniane", 2, "19.99")],
            delivery_price="13.99",
            point={"delivery_point_id": "KRA01M", "delivery_point_name": "Paczkomat KRA01M",
                   "delivery_point_address": "Karmelicka 44", "delivery_point_postcode": "31-128",
                   "delivery_point_city": "Kraków"},
        )  # fmt: skip
        marek = baselinker_order(
            7_100_002, placed, email=MAREK, phone="512-345-678", name="Marek Wiśniewski",
            address=("ul. Piotrkowska 100", "90-004", "Łódź"),
            products=[("KURTKA-L", "Kurtka przeciwdeszczowa, rozmiar L", 1, "349.00")],
            delivery_price="16.99",
        )  # fmt: skip
        zofia = baselinker_order(
            7_100_003, placed, email=ZOFIA, phone="0048 698 765 432", name="Zofia Kowalczyk",
            address=("ul. Długa 5", "31-147", "Kraków"),
            products=[("CZAPKA", "Czapka zimowa", 1, "59.90")], delivery_price="12.00",
        )  # fmt: skip
        for order in (kasia, marek, zofia):
            world.store.orders[order["order_id"]] = order
        world.store.ship(kasia["order_id"], LOCKER_NUMBER, "paczkomaty", placed)
        world.store.ship(marek["order_id"], DPD_NUMBER, "dpd", placed)
        world.store.ship(zofia["order_id"], POCZTA_NUMBER, "pocztapolska", placed)
        asked = await api.post(f"/api/v1/stores/{store['id']}/sync")
        assert asked.status_code == 200, asked.text
        while await sync_job(settings, http):
            pass
        [store] = (await api.get("/api/v1/stores")).json()["data"]
        assert store["last_error"] is None and store["last_sync_at"], store
        order = (await api.get(f"/api/v1/orders/{kasia['order_id']}")).json()
        assert (order["currency"], order["shipping_total"]) == ("PLN", "13.99"), order
        phones = {
            n: (await api.get(f"/api/v1/orders/{n}")).json()["customer"]["phone"]
            for n in (kasia["order_id"], marek["order_id"], zofia["order_id"])
        }
        assert phones == {kasia["order_id"]: "+48601234567", marek["order_id"]: "+48512345678",
                          zofia["order_id"]: "+48698765432"}, "Polish numbers as typed"  # fmt: skip
        carriers = {s.tracking_number: s.carrier_key for s in await Shipment.all()}
        assert carriers == {LOCKER_NUMBER: "inpost", DPD_NUMBER: "dpd_pl",
                            POCZTA_NUMBER: "poczta_polska"}, "BaseLinker's couriers"  # fmt: skip

        # On their way: InPost sorts the parcel, DPD picks Marek's up, Poczta Polska
        # leaves an awizo for Zofia.
        world.shipx.reach(LOCKER_NUMBER, "ready_to_pickup.json", oldest=5)
        world.dpd.scans = 2
        world.poczta.scans = 3
        await worker_pass(shop_app, http)
        statuses = {s.tracking_number: s.status for s in await Shipment.all()}
        assert set(statuses.values()) == {"in_transit"}, statuses

        # The Paczkomat: Kasia's e-mail, in Polish.
        locker = await Shipment.get(tracking_number=LOCKER_NUMBER)
        world.shipx.reach(LOCKER_NUMBER, "ready_to_pickup.json")
        await poll_when_due(shop_app, http, locker.id)
        locker = await Shipment.get(tracking_number=LOCKER_NUMBER)
        assert locker.status == "available_for_pickup", locker.status
        mails = mails_to(smtp_sink, KASIA)
        locker_name = "Paczkomat KRA01M"  # the code Poles know, not "Przy sklepie Biedronka"
        assert [m["Subject"] for m in mails] == [
            "Twoje zamówienie ze sklepu Sklep u Kasi jest w drodze",
            f"Twoja przesyłka czeka na odbiór: {locker_name}",
        ]
        ready = plain_text(mails[-1])
        assert "Skrytkę otworzysz kodem odbioru, który przysłał Ci przewoźnik." in ready, ready
        assert f"{locker_name} (InPost)" in ready, ready
        assert mails[-1]["Reply-To"] == SUPPORT
        link = tracking_link_in(ready)
        assert parcel_behind(shop_app, link) == locker.id

        # The tracking page in Polish: the locker by its name, where it stands, open 24/7.
        page = await customer.get(link)
        assert page.status_code == 200 and '<html lang="pl"' in page.text, page.text[:300]
        pickup = page.text[page.text.index('class="pickup pickup-') :]
        for shown in ("Automat paczkowy", "Paczkomat KRA01M", "Karmelicka 44", "31-128 Kraków"):
            assert shown in pickup, (shown, pickup[:2000])
        assert "Godziny podano w strefie czasowej Warszawa." in page.text, "the zone's city"
        today = format_date(datetime.now(WARSAW).date(), "EEEE, d MMMM y", locale="pl")
        assert today in page.text, f"days as Poles write them: {today}"  # …, 7 grudnia 2026
        # InPost's own words under the page's, never ShipX's status names.
        assert "Przyjęta w Sortowni." in page.text
        assert "Umieszczona w automacie Paczkomat (odbiorczym)." in page.text
        assert "ready_to_pickup" not in page.text and "sent_from_sorting_center" not in page.text

        # She agrees to texts on the preferences page the e-mail links to.
        await opt_in_on_preferences_page(customer, ready, "pl")

        # Collected: an e-mail and a text to her +48 number.
        world.shipx.reach(LOCKER_NUMBER, "delivered.json")
        await poll_when_due(shop_app, http, locker.id)
        locker = await Shipment.get(tracking_number=LOCKER_NUMBER)
        assert locker.status == "delivered"
        [sms] = world.twilio.texts()
        assert sms["To"] == "+48601234567", sms
        assert sms["Body"].startswith("Sklep u Kasi: Twoja przesyłka została doręczona."), sms
        assert parcel_behind(shop_app, sms["Body"]) == locker.id

        # Her return: the jumper, by QR code in a Paczkomat.
        start = await customer.get(f"/returns?shop={SLUG}")
        assert start.status_code == 200 and '<html lang="pl"' in start.text
        found = await customer.post(
            f"/returns?shop={SLUG}",
            data={"order": str(kasia["order_id"]), "contact": KASIA,
                  "csrf_token": csrf_in(start.text)},
        )  # fmt: skip
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        assert order_page.status_code == 200 and '<html lang="pl"' in order_page.text
        assert "Zły rozmiar" in order_page.text and "Wrong size" not in order_page.text
        assert "Odstąp od umowy tutaj" in order_page.text, "the EU withdrawal function"
        assert "129,00\xa0zł" in order_page.text, "złoty as Poles write them"
        rules = await customer.get(f"/returns/policy/{SLUG}")
        assert rules.status_code == 200 and '<html lang="pl"' in rules.text
        assert "Możesz zwrócić produkty w ciągu 30 dni od doręczenia." in rules.text
        db_order = await Order.get(number=str(kasia["order_id"]))
        items = {i.sku: i for i in await db_order.items.all()}
        jumper = items["SWETER-M"]
        options = await customer.post(
            f"/returns/orders/{db_order.id}/items",
            data={"csrf_token": csrf_in(order_page.text), "draft": draft_of(order_page.text),
                  f"quantity-{jumper.id}": "1", f"reason-{jumper.id}": "size"},
            files={"unused": ("", b"", "application/octet-stream")},
        )  # fmt: skip
        assert options.status_code == 200, options.text

        def in_zloty(review: str) -> None:
            assert "129,00\xa0zł" in review and "PLN" not in review

        number = await resolve_and_confirm(
            customer, f"/returns/orders/{db_order.id}", options.text,
            {f"resolution-{jumper.id}": "refund", "method": "drop_off_qr"},
            check_review=in_zloty,
        )  # fmt: skip
        booked = await customer.get(f"/returns/{number}?new=1")
        assert booked.status_code == 200 and '<html lang="pl"' in booked.text
        refund = await ReturnRequest.get()
        assert (refund.refund_total, refund.currency) == (Decimal("129.00"), "PLN")
        await drain_outbox(shop_app, http)
        approval = f"Twój zwrot {refund.number} został zaakceptowany"
        assert approval in [m["Subject"] for m in mails_to(smtp_sink, KASIA)]

        # She posts it in a Paczkomat and adds the number InPost gave her; InPost's scans
        # move the return.
        world.shipx.reach(RETURN_NUMBER, "ready_to_pickup.json", oldest=3)
        added = await customer.post(
            f"/returns/{refund.number}/parcel",
            data={"tracking_number": RETURN_NUMBER, "csrf_token": csrf_in(booked.text)},
        )
        assert added.status_code in (200, 303), added.text
        back = await Shipment.get(tracking_number=RETURN_NUMBER)
        assert back.carrier_key == "inpost"
        await poll_when_due(shop_app, http, back.id)
        refund = await ReturnRequest.get()
        assert refund.state == "in_transit", refund.state

        # The owner's queue, in Polish: the return arrives, is inspected and refunded.
        token = await sign_in_as(staff, shop.owner_email, shop.owner_password)
        queue = await staff.get("/admin/returns")
        assert '<html lang="pl"' in queue.text and refund.number in queue.text
        assert "129,00\xa0zł" in queue.text and "Zły rozmiar" in queue.text
        await receive_inspect_resolve(staff, token, refund)
        await drain_outbox(shop_app, http)
        refund = await ReturnRequest.get()
        assert refund.state == "resolved"
        [resolved] = [m for m in mails_to(smtp_sink, KASIA) if refund.number in m["Subject"]][-1:]
        assert "129,00\xa0zł" in plain_text(resolved), plain_text(resolved)

        # The survey, in Polish: how easy the return was first.
        [invitation] = [m for m in mails_to(smtp_sink, KASIA) if "/s/" in plain_text(m)]
        survey_link = re.search(r"https?://\S+/s/([A-Za-z0-9._~-]+)", plain_text(invitation))
        assert survey_link, plain_text(invitation)
        survey = await Survey.get()
        assert survey.locale == "pl"
        opened = await customer.get(f"/s/{survey_link.group(1)}")
        assert opened.status_code == 200 and '<html lang="pl"' in opened.text
        asked_questions = re.findall(r'name="question" value="(\w+)"', opened.text)
        assert asked_questions[0] == "ces_return", asked_questions
        for question in asked_questions:
            answered = await tap(customer, survey_link.group(1), question,
                                 9 if question == "nps" else 5,
                                 comment="Zwrot przez Paczkomat, szybko i wygodnie")  # fmt: skip
            assert answered.status_code == 200, answered.text

        # Marek: DPD brings his jacket; he withdraws from the contract (odstąpienie od
        # umowy) from the link in his delivery e-mail.
        dpd = await Shipment.get(tracking_number=DPD_NUMBER)
        world.dpd.scans = 99  # all of them: delivered
        await poll_when_due(shop_app, http, dpd.id)
        dpd = await Shipment.get(tracking_number=DPD_NUMBER)
        assert dpd.status == "delivered", dpd.status
        [delivered] = mails_to(smtp_sink, MAREK)[-1:]
        text = plain_text(delivered)
        assert "DPD" in text, text
        withdraw_link = re.search(r"https?://\S+/withdraw/start/\S+", text)
        assert withdraw_link, text
        async with client_for(shop_app) as his:
            his.headers["Accept-Language"] = POLISH_BROWSER
            opened = await his.get(httpx.URL(withdraw_link.group(0)).path, follow_redirects=True)
            assert opened.status_code == 200 and '<html lang="pl"' in opened.text
            assert "14 dni" in opened.text or "grudnia" in opened.text, opened.text[:3000]
            his_order = await Order.get(number=str(marek["order_id"]))
            jacket = await his_order.items.all().first()
            assert jacket is not None
            confirmed = await withdraw(his, his_order.id, opened.text, name="Marek Wiśniewski",
                                       email=MAREK, quantities={jacket.id: 1})  # fmt: skip
            assert confirmed.status_code in (200, 303), confirmed.text
        withdrawal = await Withdrawal.get()
        assert withdrawal.locale == "pl"
        whole = await ReturnRequest.get(kind="withdrawal", order_id=his_order.id)
        assert whole.refund_total == Decimal("365.99"), "the jacket and the delivery"
        await drain_outbox(shop_app, http)
        receipt = mails_to(smtp_sink, MAREK)[-1]
        statement = "Otrzymaliśmy Twoje oświadczenie o odstąpieniu od umowy"
        assert receipt["Subject"] == f"{statement} (zamówienie {marek['order_id']})", (
            "the acknowledgement, and no 'return approved' after it"
        )
        acknowledged = plain_text(receipt)
        assert "Zwrócimy 365,99\xa0zł w ciągu 14 dni" in acknowledged, acknowledged
        assert "grudnia 2026" in acknowledged and "UTC" not in acknowledged, "Warsaw time"

        queue = await staff.get("/admin/returns")
        row = queue.text.split(whole.number, 1)[1].split("</td>", 1)[0]
        assert "Odstąpienie od umowy" in row, "the owner sees it is a statutory withdrawal"

        # Zofia is out when the postman comes: an awizo, the parcel at the post office.
        poczta = await Shipment.get(tracking_number=POCZTA_NUMBER)
        world.poczta.scans = 5
        await poll_when_due(shop_app, http, poczta.id)
        poczta = await Shipment.get(tracking_number=POCZTA_NUMBER)
        assert poczta.status == "available_for_pickup", poczta.status
        [awizo] = [m for m in mails_to(smtp_sink, ZOFIA) if "odbiór" in m["Subject"]]
        assert awizo["Subject"] == "Twoja przesyłka czeka na odbiór: UP Kraków 1"
        told = plain_text(awizo)
        assert "Adres: Westerplatte 20, 31-045 Kraków" in told.splitlines(), told
        hours = "Godziny otwarcia: pon.–pt. 08:00-20:00; sob. 09:00-14:00; niedz. i święta"
        assert f"{hours} (nieczynne)" in told.splitlines(), "no English left in the hours"
        page = await customer.get(tracking_link_in(told))
        assert page.status_code == 200 and '<html lang="pl"' in page.text
        assert "Placówka pocztowa" in page.text and "UP Kraków 1" in page.text
        assert "Awizo - przesyłka do odbioru w placówce" in page.text, "Poczta Polska's words"
        assert "holidays" not in page.text

        # Analytics: the return by reason, in złoty, the survey's answers.
        overview = await staff.get("/admin/analytics/returns")
        assert overview.status_code == 200 and '<html lang="pl"' in overview.text
        assert "Zły rozmiar" in overview.text and "Wrong size" not in overview.text
        satisfaction = await staff.get("/admin/analytics/satisfaction")
        assert satisfaction.status_code == 200 and "Zły rozmiar" in satisfaction.text

    # Set up through the API alone: nothing left to do but the optional branding.
    async with api_client(shop_app, shop.api_key) as api:
        setup = (await api.get("/api/v1/setup")).json()
        assert setup["complete"], setup
