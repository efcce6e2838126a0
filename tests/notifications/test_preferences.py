"""The preferences page: shown from a signed link, saved by the form, one-click unsubscribe."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.templating import Jinja2Templates

from portal.core.links import make_preferences_token
from portal.models import Customer
from portal.notifications import preferences
from portal.notifications.templates import TEMPLATES_ROOT
from portal.settings import Settings
from tests.notifications.helpers import parcel

#: Stands in for the lead's base layout, which only has to provide a ``content`` block.
BASE = (
    "<!doctype html><title>{% block title %}{% endblock %}</title>{% block content %}{% endblock %}"
)


@pytest.fixture
async def client(db: str, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    env = Environment(
        loader=ChoiceLoader([DictLoader({"base.html": BASE}), FileSystemLoader(TEMPLATES_ROOT)]),
        autoescape=select_autoescape(),
    )
    app = Starlette(routes=preferences.routes)
    app.state.settings = settings
    app.state.templates = Jinja2Templates(env=env)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://portal.test") as http:
        yield http


def url(settings: Settings, customer_id: int) -> str:
    return f"/unsubscribe/{make_preferences_token(settings, customer_id)}"


async def test_the_page_shows_the_customers_choices_in_their_language(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    p = await parcel(
        merchant={"name": "Zielony Sklep"},
        customer={"locale": "pl", "phone": "+48601234567", "sms_opt_in": False},
    )

    response = await client.get(url(settings, p.customer.id))

    assert response.status_code == 200
    assert "Ustawienia powiadomień" in response.text
    assert "Zielony Sklep" in response.text
    assert 'name="email_opt_in" value="1" checked' in response.text
    assert 'name="sms_opt_in" value="1">' in response.text


async def test_a_bad_link_shows_no_customer(client: httpx.AsyncClient) -> None:
    response = await client.get("/unsubscribe/forged.token")
    assert response.status_code == 404
    assert "This link is not valid" in response.text
    greek = await client.get("/unsubscribe/forged", headers={"accept-language": "de;q=0.9, el-GR"})
    assert "Αυτός ο σύνδεσμος δεν είναι έγκυρος" in greek.text


async def test_one_click_unsubscribe_answers_with_an_empty_200(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    p = await parcel()

    response = await client.post(
        url(settings, p.customer.id), data={"List-Unsubscribe": "One-Click"}
    )

    assert (response.status_code, response.content) == (200, b"")
    customer = await Customer.get(id=p.customer.id)
    assert customer.email_opt_in is False


async def test_one_click_also_accepts_multipart_bodies(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    p = await parcel()
    response = await client.post(
        url(settings, p.customer.id), files={"List-Unsubscribe": (None, "One-Click")}
    )
    assert response.status_code == 200
    assert (await Customer.get(id=p.customer.id)).email_opt_in is False


async def test_a_forged_one_click_changes_nothing(client: httpx.AsyncClient) -> None:
    p = await parcel()
    response = await client.post("/unsubscribe/forged", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404
    assert (await Customer.get(id=p.customer.id)).email_opt_in is True


async def test_the_form_saves_both_channels(client: httpx.AsyncClient, settings: Settings) -> None:
    p = await parcel(customer={"phone": "+48601234567", "sms_opt_in": False})

    response = await client.post(
        url(settings, p.customer.id), data={"form": "preferences", "sms_opt_in": "1"}
    )

    assert response.status_code == 200
    assert "Your preferences have been saved." in response.text
    assert "no longer receive delivery emails" in response.text
    customer = await Customer.get(id=p.customer.id)
    assert (customer.email_opt_in, customer.sms_opt_in) == (False, True)


async def test_sms_cannot_be_switched_on_without_a_phone(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    p = await parcel()
    await client.post(
        url(settings, p.customer.id),
        data={"form": "preferences", "email_opt_in": "1", "sms_opt_in": "1"},
    )
    customer = await Customer.get(id=p.customer.id)
    assert (customer.email_opt_in, customer.sms_opt_in) == (True, False)


async def test_an_unrecognised_post_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    p = await parcel()
    response = await client.post(url(settings, p.customer.id), data={"something": "else"})
    assert response.status_code == 400
    assert (await Customer.get(id=p.customer.id)).email_opt_in is True


async def test_the_messages_language_is_the_shops_until_the_customer_chooses_hers(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    p = await parcel(merchant={"default_locale": "uk"}, customer={"locale": None})
    page = url(settings, p.customer.id)

    # Reading the page in Russian changes nothing about the messages.
    shown = await client.get(f"{page}?lang=ru")
    assert "Язык сообщений" in shown.text
    assert '<option value="uk" lang="uk" selected>українська</option>' in shown.text
    kept = await client.post(page, data={"form": "preferences", "email_opt_in": "1",
                                         "language": "uk"})  # fmt: skip
    assert kept.status_code == 200
    assert (await Customer.get(id=p.customer.id)).locale is None, "still the shop's"

    # She chooses Russian: her messages follow.
    chose = await client.post(page, data={"form": "preferences", "email_opt_in": "1",
                                          "language": "ru"})  # fmt: skip
    assert chose.status_code == 200
    assert (await Customer.get(id=p.customer.id)).locale == "ru"
    assert "Настройки сохранены." in chose.text, "the notice in her language"
    assert '<option value="ru" lang="ru" selected>русский</option>' in chose.text


async def test_a_language_not_shipped_is_ignored(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    p = await parcel(customer={"locale": "pl"})
    await client.post(url(settings, p.customer.id),
                      data={"form": "preferences", "language": "xx"})  # fmt: skip
    assert (await Customer.get(id=p.customer.id)).locale == "pl"
