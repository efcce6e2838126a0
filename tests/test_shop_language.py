"""A customer page tied to one shop speaks the shop's language when the visitor names none.

The language is the visitor's ``?lang=``, then the ``lang`` cookie, then Accept-Language;
a page about one shop's parcel, order or return (found by number, a signed link, a token)
then falls back to the shop's ``default_locale`` before English. The survey and the
preferences page speak the language of the customer's messages (itself the customer's,
else the shop's) unless the visitor picks one from the menu. A page listing several
shops' parcels keeps English. ``Content-Language`` always names the page's language.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from carriers.base import Status
from portal import i18n
from portal.core import links
from portal.core.links import make_preferences_token, make_tracking_link
from portal.models import Customer, ReturnPolicy
from portal.notifications.base import pick_locale
from portal.returns.service import Selection, create_return
from portal.settings import Settings
from portal.tracking_page.wording import status_label
from tests import factories
from tests.conftest import client_for
from tests.returns_page.helpers import DELIVERED, reasons
from tests.survey_page.helpers import survey
from tests.tracking.helpers import counting_queries
from tests.tracking_page.conftest import (  # noqa: F401  (the tracking pages' app and shop)
    Shop,
    cache_clock,
    fake_refresh,
    page_config,
    shop,
    tracking_app,
)

_STATUS_URL = re.compile(r'hx-get="([^"]+)"')
_HTML_LANG = re.compile(r'<html lang="(\w+)"')


@dataclass
class PolishShop:
    """The pages of one Polish shop's customer, by what they are."""

    slug: str
    number: str
    pages: dict[str, str]


@pytest.fixture
def shop_fields() -> dict[str, Any]:
    """The tracking pages' shop, as ``sklep``, speaking Polish."""
    return {"slug": "sklep", "default_locale": "pl"}


@pytest.fixture
async def polish(tracking_app: Starlette, shop: Shop) -> PolishShop:  # noqa: F811
    """The tracking pages' shop (tests/tracking_page/conftest.py) in Polish, from an empty
    database: its parcel in transit, a return of its order (whose first parcel came),
    a survey and a customer's preferences."""
    settings: Settings = tracking_app.state.settings
    merchant, order, shipment = shop.merchant, shop.order, shop.shipment
    await ReturnPolicy.create(
        merchant=merchant,
        methods=["drop_off_qr", "carrier_pickup"],
        return_address={"name": "Acme Returns", "line1": "ul. Zwrotna 1", "city": "Kraków",
                        "postal_code": "30-001", "country": "PL"},
    )  # fmt: skip
    await reasons(merchant)
    # A first parcel of the order came three days ago: its socks can go back.
    await factories.shipment(merchant, order=order, delivered_at=DELIVERED)
    [socks] = await order.items.all()
    booked = await create_return(
        order,
        [Selection(socks.id, 1, "refund", "too_small")],
        method="drop_off_qr",
        settings=settings,
    )
    customer = await factories.customer(merchant)  # no language of her own
    _, survey_token = await survey(merchant, locale=pick_locale(customer.locale, "pl"))
    signed = urlsplit(make_tracking_link(settings, shipment)).path
    start = urlsplit(links.start_url(settings, merchant.id, order.id)).path
    pages = {
        "tracking page": f"/track/{shipment.tracking_number}",
        "signed link": signed,
        "signed link's status": f"{signed}/status",
        "returns lookup of the shop": "/returns?shop=sklep",
        "return policy": "/returns/policy/sklep",
        "returns start link": start,
        "return's follow link": urlsplit(
            links.follow_url(settings, merchant.id, booked.number)
        ).path,
        "withdrawal link": urlsplit(links.withdrawal_url(settings, merchant.id, order.id)).path,
        "survey": f"/s/{survey_token}",
        "preferences": f"/unsubscribe/{make_preferences_token(settings, customer.id)}",
    }
    return PolishShop("sklep", shipment.tracking_number, pages)


@pytest.fixture
async def visitor(tracking_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    async with client_for(tracking_app) as client:
        yield client


def _with_lang(path: str, lang: str | None) -> str:
    if lang is None:
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def _in_language(locale: str, words: str) -> str:
    token = i18n.set_locale(locale)
    try:
        return i18n.gettext(words)
    finally:
        i18n.reset_locale(token)


def _spoken(response: httpx.Response, page: str) -> tuple[int, str, str, str]:
    """(status, Content-Language, Vary, the language the body is in) of a page."""
    if "status" in page:  # a fragment: no <html>, its status label in the language
        words = {
            code
            for code in i18n.LOCALES
            if _in_language(code, status_label(Status.IN_TRANSIT)) in response.text
        }
        body = ",".join(sorted(words))
    else:
        body = ",".join(_HTML_LANG.findall(response.text))
    vary = "Accept-Language" if "Accept-Language" in response.headers["vary"] else "-"
    return response.status_code, response.headers["content-language"], vary, body


def _speaks(response: httpx.Response, locale: str, page: str) -> None:
    assert _spoken(response, page) == (200, locale, "Accept-Language", locale), page


#: What each visitor sends, and the language each page answers in.
VISITORS = {
    "no Accept-Language": ({}, None, "pl", "pl"),
    "only unsupported languages": ({"Accept-Language": "de-DE, fr;q=0.8"}, None, "pl", "pl"),
    "Accept-Language en": ({"Accept-Language": "en-GB, en;q=0.9"}, None, "en", "pl"),
    "?lang=ro": ({}, "ro", "ro", "ro"),
    "?lang=ro over Accept-Language en": ({"Accept-Language": "en"}, "ro", "ro", "ro"),
}


@pytest.mark.parametrize("who", list(VISITORS))
async def test_each_page_of_one_shop_speaks_the_visitors_language_else_the_shops(
    visitor: httpx.AsyncClient, polish: PolishShop, who: str
) -> None:
    headers, lang, expected, messages_language = VISITORS[who]
    visitor.headers.update(headers)
    answers, wanted = {}, {}
    for page, path in polish.pages.items():
        response = await visitor.get(_with_lang(path, lang), follow_redirects=True)
        answers[page] = _spoken(response, page)
        locale = messages_language if page in ("survey", "preferences") else expected
        wanted[page] = (200, locale, "Accept-Language", locale)
    assert answers == wanted


@pytest.mark.parametrize("who", list(VISITORS))
async def test_the_tracking_page_and_its_live_fragment_stay_in_one_language(
    visitor: httpx.AsyncClient, polish: PolishShop, who: str
) -> None:
    headers, lang, expected, _ = VISITORS[who]
    visitor.headers.update(headers)
    for path in (f"/track/{polish.number}", f"/track/{polish.number}?shop={polish.slug}"):
        page = await visitor.get(_with_lang(path, lang))
        _speaks(page, expected, "tracking page")
        [fragment_url] = _STATUS_URL.findall(page.text)  # as htmx asks for it
        fragment = await visitor.get(fragment_url.replace("&amp;", "&"))
        _speaks(fragment, expected, "status fragment")


async def test_the_language_menu_of_a_polish_page_leads_to_its_languages(
    visitor: httpx.AsyncClient, polish: PolishShop
) -> None:
    page = await visitor.get(f"/track/{polish.number}")
    _speaks(page, "pl", "tracking page")
    menu = dict(re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', page.text))
    english = next(href for href, code in menu.items() if code == "en")
    _speaks(await visitor.get(english.replace("&amp;", "&")), "en", "tracking page")
    # The choice is the visitor's now (its cookie): the shop's language no longer applies.
    _speaks(await visitor.get(f"/track/{polish.number}"), "en", "tracking page")


async def test_the_returns_pages_after_the_start_link_speak_the_shops_language(
    visitor: httpx.AsyncClient, polish: PolishShop
) -> None:
    items = await visitor.get(polish.pages["returns start link"])
    assert items.status_code == 303
    order_page = items.headers["location"]
    _speaks(await visitor.get(order_page), "pl", "returns items")
    visitor.headers["Accept-Language"] = "ru"
    _speaks(await visitor.get(order_page), "ru", "returns items")


async def test_a_list_of_several_shops_parcels_keeps_english(
    visitor: httpx.AsyncClient, polish: PolishShop
) -> None:
    other = await factories.shipment(await factories.merchant(default_locale="uk"))
    listed = await visitor.get(f"/track?number={polish.number},{other.tracking_number}")
    assert listed.status_code == 200
    assert listed.headers["content-language"] == "en"
    assert _HTML_LANG.findall(listed.text) == ["en"]


async def test_a_shop_language_the_portal_does_not_ship_falls_back_to_english(
    visitor: httpx.AsyncClient,
) -> None:
    shipment = await factories.shipment(await factories.merchant(default_locale="de"))
    page = await visitor.get(f"/track/{shipment.tracking_number}")
    assert page.headers["content-language"] == "en"
    assert _HTML_LANG.findall(page.text) == ["en"]


async def test_her_signed_link_and_its_fragment_read_her_language_with_the_shipment(
    visitor: httpx.AsyncClient,
    tracking_app: Starlette,  # noqa: F811
    shop: Shop,  # noqa: F811
) -> None:
    """Her signed link's page and its live fragment (polled by htmx every few seconds)
    speak her language, read with the shipment: no query of its own for it, and rendering
    them reads neither her, her order nor the shop again (her zone, the withdrawal offer)."""
    customer = await Customer.get(id=shop.order.customer_id)
    customer.locale = "ru"
    await customer.save(update_fields=["locale"])
    signed = urlsplit(make_tracking_link(tracking_app.state.settings, shop.shipment)).path
    for page, path in (("signed link", signed), ("signed link's status", f"{signed}/status")):
        with counting_queries() as queries:
            response = await visitor.get(path)
        _speaks(response, "ru", page)
        # Her one column alone (``values_list``) is a query of its own for the language.
        own = [
            q for q in queries.statements if re.match(r'SELECT "locale"[^,]* FROM "customer"', q)
        ]
        assert own == [], f"{page} reads her language with the shipment"
        joined = 'LEFT OUTER JOIN "customer" "shipment__order__customer"'
        assert joined in queries.statements[0], "the signed link's one lookup"
        again = [
            q
            for q in queries.statements[1:]
            if re.search(r'(FROM|JOIN) "(customer|order|merchant)"', q)
        ]
        assert again == [], f"{page} reads her, her order or her shop again after its lookup"
