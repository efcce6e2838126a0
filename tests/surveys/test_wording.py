"""Question wording per locale, the merchant's own wording and custom question."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.models import Channel
from portal.surveys.outcomes import QUESTIONS
from portal.surveys.wording import (
    MESSAGE_WORDS,
    QUESTION_TEXT,
    SupportContact,
    message_words,
    question_text,
    support_contact,
    survey_config,
)


def shop(**fields: object) -> SimpleNamespace:
    return SimpleNamespace(**{"notification_rules": {}, "survey_settings": {}, **fields})


@pytest.mark.parametrize("locale", sorted(QUESTION_TEXT))
def test_every_locale_words_every_standard_question(locale: str) -> None:
    standard = set(QUESTIONS) - {"custom"}
    assert set(QUESTION_TEXT[locale]) == standard
    assert set(MESSAGE_WORDS[locale]) == set(MESSAGE_WORDS["en"])


def test_the_ces_question_reads_as_the_issue_asks() -> None:
    config = survey_config(shop())
    assert question_text("ces_delivery", "en", config, "Shop") == (
        "How easy was it to get your parcel?"
    )


def test_the_merchants_name_goes_into_nps() -> None:
    text = question_text("nps", "pl-PL", survey_config(shop()), "Sklep Ani")
    assert "Sklep Ani" in text and "{merchant}" not in text


def test_a_merchant_rewords_a_question_in_one_language() -> None:
    config = survey_config(
        shop(survey_settings={"wording": {"pl": {"csat_delivery": "Jak było?"}}})
    )
    assert question_text("csat_delivery", "pl", config, "S") == "Jak było?"
    assert question_text("csat_delivery", "en", config, "S") == QUESTION_TEXT["en"]["csat_delivery"]


def test_the_custom_question_falls_back_to_english() -> None:
    config = survey_config(shop(survey_settings={"custom_question": {"en": "Did it fit?"}}))
    assert config.has_custom_question
    assert question_text("custom", "ro", config, "S") == "Did it fit?"


def test_a_merchant_without_settings_gets_defaults() -> None:
    config = survey_config(SimpleNamespace())
    assert config.channels == (Channel.EMAIL,)
    assert not config.has_custom_question
    assert config.wording == {}


def test_malformed_settings_are_ignored() -> None:
    config = survey_config(
        shop(
            survey_settings={"wording": "nope", "custom_question": {"en": " "}},
            notification_rules={"survey": ["pigeon", "sms"]},
        )
    )
    assert config.wording == {}
    assert not config.has_custom_question
    assert config.channels == (Channel.SMS,)


def test_message_words_fall_back_to_english() -> None:
    assert message_words("de")["cta"] == "Answer the survey"
    assert message_words("ru")["cta"] == "Пройти опрос"


def test_surveys_are_on_unless_switched_off() -> None:
    assert survey_config(shop()).enabled
    assert survey_config(shop(survey_settings={"enabled": "no"})).enabled
    assert not survey_config(shop(survey_settings={"enabled": False})).enabled


def test_channels_in_the_survey_settings_win_over_the_notification_rules() -> None:
    config = survey_config(
        shop(survey_settings={"channels": ["sms", "email"]}, notification_rules={"survey": []})
    )
    assert config.channels == (Channel.SMS, Channel.EMAIL)
    assert survey_config(shop(survey_settings={"channels": []})).channels == ()


def test_the_survey_support_contact_wins_over_the_branding_as_a_whole() -> None:
    branded = {"support_email": "help@shop.test", "support_phone": "+48 1", "support_url": ""}
    own = shop(branding=branded, survey_settings={"support": {"url": " https://s.test/help "}})
    assert support_contact(own) == SupportContact(url="https://s.test/help")
    assert support_contact(shop(branding=branded)) == SupportContact("help@shop.test", "+48 1")
    assert not support_contact(shop(branding={}))
