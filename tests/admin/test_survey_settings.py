"""Survey settings: saved in the shape the surveys read, validated, one merchant at a time."""

from __future__ import annotations

import httpx
import pytest

from portal import i18n
from portal.admin import surveys
from portal.models import Channel, Merchant, Role
from portal.surveys.wording import question_text, support_contact, survey_config
from tests import factories
from tests.admin.helpers import csrf, sign_in, signed_in_owner


def _form(**changes: str) -> dict[str, str]:
    data = {
        "enabled": "1",
        "channel_email": "1",
        "channel_sms": "1",
        "delay_days": "5",
        "custom_en": "Did the size fit?",
        "custom_pl": "Czy rozmiar pasował?",
        "wording_pl_nps": "Czy polecisz {merchant} znajomym?",
        "wording_en_csat_delivery": "",
        "support_email": "care@acme.test",
        "support_phone": "",
        "support_url": "https://acme.test/care",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_validate_cleans_into_the_stored_shape() -> None:
    clean, errors = surveys.validate(_form(custom_ro="  "))
    assert errors == {}
    assert clean == {
        "enabled": True,
        "channels": ["email", "sms"],
        "delay": 5,
        "custom_question": {"en": "Did the size fit?", "pl": "Czy rozmiar pasował?"},
        "wording": {"pl": {"nps": "Czy polecisz {merchant} znajomym?"}},
        "support": {"email": "care@acme.test", "url": "https://acme.test/care"},
    }


@pytest.mark.parametrize("delay", ["-1", "31", "two", "", "2.5"])
def test_the_delay_must_be_0_to_30_days(delay: str) -> None:
    _clean, errors = surveys.validate(_form(delay_days=delay))
    assert errors == {"delay_days": "Enter a number of days from 0 to 30."}


@pytest.mark.parametrize("delay", ["0", "30"])
def test_the_delay_bounds_are_allowed(delay: str) -> None:
    clean, errors = surveys.validate(_form(delay_days=delay))
    assert errors == {} and clean["delay"] == int(delay)


def test_validate_collects_every_error() -> None:
    data = _form(
        support_email="nope",
        support_url="ftp://acme.test",
        support_phone="call me",
        custom_el="x" * 301,
        wording_ru_nps="y" * 301,
    )
    del data["channel_email"], data["channel_sms"]
    _clean, errors = surveys.validate(data)
    assert set(errors) == {
        "channels",
        "support_email",
        "support_url",
        "support_phone",
        "custom_el",
        "wording_ru_nps",
    }


def test_switched_off_surveys_need_no_channel() -> None:
    data = _form()
    del data["enabled"], data["channel_email"], data["channel_sms"]
    clean, errors = surveys.validate(data)
    assert errors == {} and clean["enabled"] is False


async def test_settings_are_saved_and_read_back(client: httpx.AsyncClient, db: str) -> None:
    shop = await factories.merchant(name="Acme", survey_settings={"future_key": 1})
    _user, token = await signed_in_owner(client, shop)
    response = await client.post("/admin/surveys", data={**_form(), "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/surveys?saved=1"
    saved = await Merchant.get(id=shop.id)
    assert saved.survey_delay_days == 5
    assert saved.survey_settings["future_key"] == 1
    config = survey_config(saved)
    assert config.enabled
    assert config.channels == (Channel.EMAIL, Channel.SMS)
    assert question_text("custom", "pl", config, "Acme") == "Czy rozmiar pasował?"
    assert question_text("nps", "pl", config, "Acme") == "Czy polecisz Acme znajomym?"
    assert support_contact(saved).url == "https://acme.test/care"
    page = await client.get("/admin/surveys?saved=1")
    assert page.status_code == 200
    assert "Saved." in page.text
    values = page.context["values"]  # type: ignore[attr-defined]
    assert values["delay_days"] == 5
    assert values["custom_en"] == "Did the size fit?"
    assert values["wording_pl_nps"] == "Czy polecisz {merchant} znajomym?"
    assert values["support_email"] == "care@acme.test"
    assert 'value="Czy polecisz {merchant} znajomym?"' in page.text


async def test_the_form_shows_the_default_wording_as_placeholders(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client)
    page = await client.get("/admin/surveys")
    assert 'placeholder="How easy was it to get your parcel?"' in page.text
    assert 'placeholder="Jak łatwo było odebrać przesyłkę?"' in page.text
    assert page.context["values"]["delay_days"] == 2  # type: ignore[attr-defined]
    assert page.context["values"]["enabled"] is True  # type: ignore[attr-defined]


async def test_errors_keep_what_was_typed_and_save_nothing(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await factories.merchant()
    _user, token = await signed_in_owner(client, shop)
    response = await client.post(
        "/admin/surveys",
        data={**_form(delay_days="45", custom_el="Ταίριαξε;"), "csrf_token": token},
    )
    assert response.status_code == 400
    assert "Enter a number of days from 0 to 30." in response.text
    assert 'aria-invalid="true" aria-describedby="delay_days-error"' in response.text
    assert 'value="45"' in response.text
    assert 'value="Ταίριαξε;"' in response.text
    assert 'value="care@acme.test"' in response.text
    saved = await Merchant.get(id=shop.id)
    assert (saved.survey_delay_days, saved.survey_settings) == (2, {})


async def test_another_merchants_settings_are_untouched(client: httpx.AsyncClient, db: str) -> None:
    other = await factories.merchant(
        survey_delay_days=7, survey_settings={"custom_question": {"en": "Theirs?"}}
    )
    _user, token = await signed_in_owner(client)
    await client.post("/admin/surveys", data={**_form(), "csrf_token": token})
    untouched = await Merchant.get(id=other.id)
    assert untouched.survey_delay_days == 7
    assert untouched.survey_settings == {"custom_question": {"en": "Theirs?"}}


async def test_staff_may_change_survey_settings(client: httpx.AsyncClient, db: str) -> None:
    shop = await factories.merchant()
    user = await factories.staff_user(shop, role=Role.STAFF)
    await sign_in(client, user)
    token = await csrf(client, "/admin/surveys")
    data = {**_form(), "csrf_token": token}
    del data["enabled"]
    response = await client.post("/admin/surveys", data=data)
    assert response.status_code == 303
    assert not survey_config(await Merchant.get(id=shop.id)).enabled


async def test_signing_in_is_required(client: httpx.AsyncClient, db: str) -> None:
    response = await client.get("/admin/surveys")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


@pytest.mark.parametrize("locale", [loc for loc in i18n.LOCALES if loc != "en"])
async def test_the_settings_page_reads_in_every_language(
    client: httpx.AsyncClient, db: str, locale: str
) -> None:
    await signed_in_owner(client)
    page = await client.get(f"/admin/surveys?lang={locale}")
    assert page.status_code == 200
    assert f'<html lang="{locale}">' in page.text
    assert i18n.translations(locale).ugettext("Save survey settings") in page.text
    assert "Save survey settings" not in page.text
