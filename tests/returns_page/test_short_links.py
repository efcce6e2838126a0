"""A return's text messages carry short links (``/d/<rma>/<mac>``, ``/r/<rma>/<mac>``): the
approval SMS keeps every word within two segments in every language, and the link opens the
drop-off page of that shop's return and of nothing else."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from portal.models import Channel, OutboxMessage, ReturnRequest
from portal.notifications.sms import UCS2, sms_segments
from portal.returns import labels, short_links
from portal.returns.service import Selection, create_return
from portal.settings import Settings
from tests.returns_page.helpers import Shop, make_shop

#: A portal address as a shop would publish it, and shop names of a realistic length
#: (docs/notifications.md gives the room left for the name with a longer address).
BASE_URL = "https://returns.shop.ru"
SHOPS = {
    "ru": ("Тёплый дом Плюс", "по коду:"),
    "uk": ("Теплий дім Плюс", "за кодом:"),
    "bg": ("Топъл дом Плюс", "с кода:"),
    "el": ("Σπίτι & Κήπος", ":"),  # "Παράδοση έως <day>:", checked below
    "en": ("Warm Home Market", "with this code:"),
    "pl": ("Ciepły Dom Plus", "z kodem:"),
    "ro": ("Casa Caldă SRL", "cu codul:"),
}


def _settings(web: httpx.AsyncClient) -> Settings:
    settings: Settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    return replace(settings, public_base_url=BASE_URL)


async def _approved(web: httpx.AsyncClient, shop: Shop, locale: str = "en") -> ReturnRequest:
    """A drop-off return of the shop's order, auto-approved, told by SMS in ``locale``."""
    buyer = await shop.order.customer
    await buyer.update_from_dict(
        {"locale": locale, "phone": "+48601234567", "sms_opt_in": True}
    ).save()
    return await create_return(
        shop.order,
        [Selection(shop.tee.id, 1, "refund", "too_small")],
        method="drop_off_qr",
        settings=_settings(web),
    )


async def _sms(row: ReturnRequest) -> str:
    message = await OutboxMessage.get(
        trigger="return_approved", channel=Channel.SMS, unique_key__startswith=f"return:{row.id}:"
    )
    return str(message.body_text)


@pytest.mark.parametrize("locale", list(SHOPS))
async def test_the_approval_sms_keeps_its_words_in_two_segments_and_opens_the_drop_off(
    web: httpx.AsyncClient, shop: Shop, locale: str
) -> None:
    name, last_words = SHOPS[locale]
    await shop.merchant.update_from_dict({"name": name}).save()
    row = await _approved(web, shop, locale)
    body = await _sms(row)
    link = short_links.DROP_OFF.url(_settings(web), shop.merchant.id, row.number)
    encoding, segments = sms_segments(body)
    assert segments <= 2, body
    assert encoding == UCS2 or locale == "en"  # Cyrillic, Greek, ę, ă: 67 units a segment
    assert body.startswith(f"{name}: ") and row.number in body
    assert body.endswith(f"{last_words} {link}"), body  # every sentence, then the link
    assert locale != "el" or ". Παράδοση έως " in body, body  # the day to drop it off by
    assert "…" not in body and "..." not in body
    assert len(link) == len(BASE_URL) + len("/d/") + len(row.number) + 1 + 14

    page = await web.get(link.removeprefix(BASE_URL))  # no session: the clerk's phone
    assert page.status_code == 200
    assert page.context["row"].id == row.id  # type: ignore[attr-defined]
    assert page.context["shop"] == name and page.context["accept"]  # type: ignore[attr-defined]


async def test_a_forged_short_code_gets_404_and_changes_nothing(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    row = await _approved(web, shop)
    path = short_links.DROP_OFF.url(_settings(web), shop.merchant.id, row.number)
    path = path.removeprefix(BASE_URL)
    code = path.rsplit("/", 1)[1]
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    before = await ReturnRequest.get(id=row.id).values()
    for bad in (
        f"/d/{row.number}/{altered}",
        f"/d/{row.number}/{code[:-1]}",
        f"/d/{row.number}/{'A' * 14}",
        f"/d/R-ZZZZZZ/{code}",
        f"/r/{row.number}/{code}",  # a drop-off code is not a return-page code
    ):
        answer = await web.get(bad)
        assert answer.status_code == 404, bad
        assert "not valid" in answer.context["message"]  # type: ignore[attr-defined]
    assert await ReturnRequest.get(id=row.id).values() == before


async def test_another_shops_return_is_never_opened_by_a_shops_code(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    """RMA numbers are unique per shop only: the mac binds the shop."""
    other = await make_shop(slug="other")
    ours, theirs = await _approved(web, shop), await _approved(web, other)
    settings = _settings(web)
    our_code = short_links.DROP_OFF.url(settings, shop.merchant.id, ours.number).rsplit("/")[-1]
    assert (await web.get(f"/d/{theirs.number}/{our_code}")).status_code == 404
    await ReturnRequest.filter(id=theirs.id).update(number=ours.number)  # the same RMA
    for merchant, row in ((shop.merchant, ours), (other.merchant, theirs)):
        link = short_links.DROP_OFF.url(settings, merchant.id, ours.number)
        page = await web.get(link.removeprefix(BASE_URL))
        assert page.context["row"].id == row.id  # type: ignore[attr-defined]


async def test_the_long_drop_off_link_keeps_working(web: httpx.AsyncClient, shop: Shop) -> None:
    row = await _approved(web, shop)
    settings = _settings(web)
    page = await web.get(
        labels.drop_off_url(settings, shop.merchant.id, row.number).removeprefix(BASE_URL)
    )
    assert page.status_code == 200
    assert page.context["row"].id == row.id  # type: ignore[attr-defined]
    email = await OutboxMessage.get(trigger="return_approved", channel=Channel.EMAIL)
    assert labels.drop_off_url(settings, shop.merchant.id, row.number) in email.body_text


async def test_the_short_return_page_link_opens_the_return(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    row = await _approved(web, shop)
    link = short_links.FOLLOW.url(_settings(web), shop.merchant.id, row.number)
    opened = await web.get(link.removeprefix(BASE_URL))
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/returns/{row.number}"
    assert (await web.get(f"/returns/{row.number}")).status_code == 200
    path = link.removeprefix(BASE_URL)
    forged = path[:-1] + ("A" if path[-1] != "A" else "B")
    assert (await web.get(forged)).status_code == 404
