"""The public policy page: the active policy in plain words, in every shipped language."""

from __future__ import annotations

import httpx
import pytest

from portal import i18n
from portal.models import Merchant, Order, ReturnReason
from tests.returns_page.helpers import Shop

WINDOW = {
    "en": "You can return items within 30 days of delivery.",
    "pl": "30 dni",
    "ro": "30 de zile",
    "ru": "30 дней",
    "el": "30 ημερών",
    "uk": "30 днів",
    "bg": "30 дни",
}


async def test_the_policy_reads_in_plain_words(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await web.get("/returns/policy/acme")
    assert page.status_code == 200
    text = page.text
    for phrase in (
        WINDOW["en"],
        "Final sale, cannot be returned: underwear.",
        "Choose store credit and get 10% extra.",
        "keep them and get a refund",
        "€6.00",
        "Return shipping costs €4.00 per return.",
        "A restocking fee of 10% of the item price applies.",
        "No fees for exchanges.",
        "No fees when the reason is: Arrived damaged.",
        "Drop off with a QR code (no printer needed)",
        "Carrier pickup from your address",
        "A photo is needed for: Arrived damaged.",
        "Too small",
    ):
        assert phrase in text, phrase


async def test_a_reason_for_some_categories_says_which(web: httpx.AsyncClient, shop: Shop) -> None:
    """A reason kept for some kinds of items says so on the policy (docs/returns.md)."""
    damaged = await ReturnReason.get(merchant=shop.merchant, code="damaged")
    damaged.categories = ["mugs", "plates"]
    await damaged.save(update_fields=["categories"])
    fit = await ReturnReason.get(merchant=shop.merchant, code="fit")
    fit.categories = ["shirts"]
    await fit.save(update_fields=["categories"])

    text = (await web.get("/returns/policy/acme")).text
    assert "Arrived damaged <small>(Only for: mugs, plates)</small>" in text
    assert "Doesn’t fit <small>(Only for: shirts)</small>" in text
    assert "Too small</li>" in text  # takes its heading's list, not said twice
    polish = (await web.get("/returns/policy/acme?lang=pl")).text
    assert "Only for" not in polish and "mugs, plates" in polish


@pytest.mark.parametrize("locale", i18n.LOCALES)
async def test_the_policy_page_speaks_every_language(
    web: httpx.AsyncClient, shop: Shop, locale: str
) -> None:
    page = await web.get(f"/returns/policy/acme?lang={locale}")
    assert page.status_code == 200
    assert f'<html lang="{locale}">' in page.text
    assert WINDOW[locale] in page.text
    if locale != "en":
        assert "You can return items within" not in page.text
        assert "Return shipping costs" not in page.text


async def test_an_unknown_shop_has_no_policy_page(web: httpx.AsyncClient, shop: Shop) -> None:
    answer = await web.get("/returns/policy/nope")
    assert answer.status_code == 404
    assert "no online return policy" in answer.text


async def test_before_any_order_fees_are_in_the_shops_countrys_currency(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    """A Bulgarian shop that has sold nothing yet shows its policy in euros (not leva)."""
    await Order.filter(merchant_id=shop.merchant.id).delete()
    await Merchant.filter(id=shop.merchant.id).update(country="BG")
    text = (await web.get("/returns/policy/acme?lang=bg")).text
    assert "4,00\xa0€" in text, text
    assert "лв" not in text
