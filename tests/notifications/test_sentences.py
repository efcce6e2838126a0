"""Sentence ends for the SMS fitting rule: a full stop after an abbreviation, or before a
word that cannot begin a sentence, does not end one, so a text is never cut there."""

from __future__ import annotations

import pytest

from portal.notifications.sentences import ABBREVIATIONS, is_abbreviation, split_sentences
from portal.notifications.sms import fit_sms_body, sms_segments

LINK = "https://returns.shop.ru/t/qglj.tpovkl.xNiq2Gyavg0dnA"


def test_sentences_end_at_a_full_stop_before_a_capital_and_at_other_marks() -> None:
    assert split_sentences("Zwrot przyjęty. Nadaj paczkę! Dzięki? Tak; koniec… Pa.") == [
        "Zwrot przyjęty.",
        "Nadaj paczkę!",
        "Dzięki?",
        "Tak;",
        "koniec…",
        "Pa.",
    ]
    assert split_sentences("Shop: delivered.") == ["Shop: delivered."]
    assert split_sentences("") == [""]


@pytest.mark.parametrize(
    "text",
    [
        "Sklep: paczka w drodze (Poczta Polska), dostawa ok. 28 października.",
        "Sklep: odbiór ok. Północy.",  # "ok." before a capital: still an abbreviation
        "Punkt: Paczkomat KRA01M, ul. Podgórska 34, tel. 22 123 45 67.",
        "Zwrot: 12,50 zł i 5 gr. Dziękujemy?",
        "Paczka nr 12 czeka, nr. 3 też.",
        "Punct: easybox, str. Lipscani nr. 5, bl. A, ap. 3.",
        "Пункт: г. Москва, ул. Тверская, д. 12, тел. 8 800 250-12-34.",
        "Σημείο: Box Now, οδ. Ερμού 12, τηλ. 210 1234567.",
        "Відділення: м. Київ, вул. Хрещатик, буд. 22.",
        "Офис: гр. София, ж.к. Младост 1, бул. Малинов 19.",
        "Посылка придёт ок. 28 сентября.",
        "Your parcel is at St. Mary's, no. 5.",
        "Termin minie za ok. tydzień.",  # a lower-case word never begins a sentence
    ],
)
def test_an_abbreviation_does_not_end_its_sentence(text: str) -> None:
    assert split_sentences(text) == [text]


def test_each_language_lists_its_abbreviations_with_their_full_stop() -> None:
    assert set(ABBREVIATIONS) == {"en", "pl", "ro", "ru", "el", "uk", "bg"}
    for words in ABBREVIATIONS.values():
        assert all(word.endswith(".") and word == word.lower() for word in words), words
    assert is_abbreviation("(ok.") and is_abbreviation("Ul.") and is_abbreviation("Г.")
    assert not is_abbreviation("dom.") and not is_abbreviation("ok")


def test_a_text_too_long_loses_its_next_sentence_not_the_date_after_ok() -> None:
    """The bug: "dostawa ok." was taken for a sentence end, so the date went and the text
    read "delivery OK"."""
    head = "Sklep Ogród i Dom: paczka w drodze (Poczta Polska), dostawa ok. 28 października."
    fitted = fit_sms_body(f"{head} Dziękujemy za zakupy!", LINK)
    assert fitted == f"{head} {LINK}", fitted
    assert sms_segments(fitted) == ("UCS-2", 2)
    # A first sentence too long even alone is cut at a word, never at "ok." as if whole.
    longer = head.replace("paczka", "zamówienie")
    cut = fit_sms_body(longer, LINK)
    assert cut == f"{longer.removesuffix(' października.')}… {LINK}", cut
