"""Sentence ends for the SMS fitting rule: a full stop after an abbreviation, or before a
word that cannot begin a sentence, does not end one, so a text is never cut there."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from portal.models import Channel
from portal.notifications import composer
from portal.notifications.sentences import ABBREVIATIONS, is_abbreviation, split_sentences
from portal.notifications.shipments import SHIPMENTS
from portal.notifications.sms import fit_sms_body, sms_segments
from portal.notifications.templates import TemplateSource
from portal.returns.messages import RETURNS
from portal.settings import Settings

LINK = "https://returns.shop.ru/t/qglj.tpovkl.xNiq2Gyavg0dnA"
SETTINGS = Settings(secret_key="sentences-" * 4, public_base_url="https://returns.shop.test")


def test_sentences_end_at_a_full_stop_before_a_capital_and_at_other_marks() -> None:
    assert split_sentences("Zwrot przyjęty. Nadaj paczkę! Dzięki? Tak; koniec… Pa.", "pl") == [
        "Zwrot przyjęty.",
        "Nadaj paczkę!",
        "Dzięki?",
        "Tak;",
        "koniec…",
        "Pa.",
    ]
    assert split_sentences("Shop: delivered.", "en") == ["Shop: delivered."]
    assert split_sentences("", "en") == [""]


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("pl", "Sklep: paczka w drodze (Poczta Polska), dostawa ok. 28 października."),
        ("pl", "Sklep: odbiór ok. Północy."),  # "ok." before a capital: still an abbreviation
        ("pl", "Punkt: Paczkomat KRA01M, ul. Podgórska 34, tel. 22 123 45 67."),
        ("pl", "Zwrot: 12,50 zł i 5 gr. Dziękujemy?"),
        ("pl", "Paczka nr 12 czeka, nr. 3 też."),
        ("ro", "Punct: easybox, str. Lipscani nr. 5, bl. A, ap. 3."),
        ("ru", "Пункт: г. Москва, ул. Тверская, д. 12, тел. 8 800 250-12-34."),
        ("el", "Σημείο: Box Now, οδ. Ερμού 12, τηλ. 210 1234567."),
        ("uk", "Відділення: м. Київ, вул. Хрещатик, буд. 22."),
        ("bg", "Офис: гр. София, ж.к. Младост 1, бул. Малинов 19."),
        ("ru", "Посылка придёт ок. 28 сентября."),
        ("en", "Your parcel is at St. Mary's, no. 5."),
        ("en", "Termin minie za ok. tydzień."),  # a lower-case word never begins a sentence
    ],
)
def test_an_abbreviation_does_not_end_its_sentence(locale: str, text: str) -> None:
    assert split_sentences(text, locale) == [text]


def test_each_language_lists_its_abbreviations_with_their_full_stop() -> None:
    assert set(ABBREVIATIONS) == {"en", "pl", "ro", "ru", "el", "uk", "bg"}
    for words in ABBREVIATIONS.values():
        assert all(word.endswith(".") and word == word.lower() for word in words), words
    assert is_abbreviation("(ok.", "pl") and is_abbreviation("Ul.", "pl-PL")
    assert is_abbreviation("Г.", "ru") and is_abbreviation("Ok.", "pl_PL")
    assert not is_abbreviation("dom.", "pl") and not is_abbreviation("ok", "pl")


def test_a_languages_abbreviations_apply_to_its_own_texts_only() -> None:
    """Polish "ok." (about) goes on; English "ok." ends its sentence, and so does any full
    stop in a language without a list."""
    assert split_sentences("Odbiór ok. Północy.", "pl") == ["Odbiór ok. Północy."]
    assert split_sentences("Your return arrived ok. Thank you!", "en") == [
        "Your return arrived ok.",
        "Thank you!",
    ]
    assert split_sentences("Trimis ok. Mulțumim!", "xx") == ["Trimis ok.", "Mulțumim!"]


def _sms(family: composer.Family[Any], trigger: str, locale: str, body: str) -> tuple[str, str]:
    """(the text the composer sends for a shop's own template ``body``, its link)."""
    shop = SimpleNamespace(id=7, slug="shop", name="Garden & Home Store", branding={})
    context = composer.sample_context(
        family, SETTINGS, shop, trigger=trigger, channel=Channel.SMS, locale=locale
    )
    rendered = composer.render(
        family,
        TemplateSource("", body),
        trigger=trigger,
        channel=Channel.SMS,
        context=context,
        locale=locale,
    )
    return rendered.text, str(context[family.link])


#: A sentence too long for the rest of its text message: it has to go, or be cut.
REFUND = (
    "Your refund of 129.99 EUR goes back to the card you paid with within five business days "
    "of today, as the law of the country you ordered from asks, and you will get an e-mail "
    "from us with the details of the amount, the items and the fee the moment it leaves."
)


def test_an_english_ok_ends_its_sentence_and_the_next_one_can_go() -> None:
    """The composer fits an English shop's text by English rules: "arrived ok." ends a
    sentence, so the long one after it goes whole. It was taken for Polish "ok." (about),
    the two were one sentence, and the text was cut inside the refund's."""
    text, link = _sms(
        RETURNS,
        "return_received",
        "en",
        "{{ merchant.name }}: your return arrived ok. " + REFUND + " {{ return_link }}",
    )
    assert text == f"Garden & Home Store: your return arrived ok. {link}", text


def test_a_polish_ok_keeps_its_date_in_its_sentence() -> None:
    """A Polish shop's text keeps "ok." (about) with what follows, capitalised or not:
    cut within its sentence when it must be, never at "ok." as if the sentence ended
    there ("arrives OK")."""
    body = (
        "{{ merchant.name }}: paczka dotrze ok. Bożego Narodzenia, a jeśli kurier nie zdąży "
        "przed świętami, zadzwoni do Ciebie dzień wcześniej i umówi się na dostawę w "
        "najbliższy dzień roboczy po świętach, pod ten sam adres. {{ tracking_link }}"
    )
    text, link = _sms(SHIPMENTS, "shipped", "pl", body)
    assert text.startswith("Garden & Home Store: paczka dotrze ok. Bożego Narodzenia, "), text
    assert text.endswith(f"… {link}") and sms_segments(text)[1] <= 2, text


def test_a_text_too_long_loses_its_next_sentence_not_the_date_after_ok() -> None:
    """The bug: "dostawa ok." was taken for a sentence end, so the date went and the text
    read "delivery OK"."""
    head = "Sklep Ogród i Dom: paczka w drodze (Poczta Polska), dostawa ok. 28 października."
    fitted = fit_sms_body(f"{head} Dziękujemy za zakupy!", LINK, locale="pl")
    assert fitted == f"{head} {LINK}", fitted
    assert sms_segments(fitted) == ("UCS-2", 2)
    # A first sentence too long even alone is cut at a word, never at "ok." as if whole.
    longer = head.replace("paczka", "zamówienie")
    cut = fit_sms_body(longer, LINK, locale="pl")
    assert cut == f"{longer.removesuffix(' października.')}… {LINK}", cut
