"""Every locale words every status, reason and fixed phrase."""

from __future__ import annotations

import pytest

from carriers.base import Reason, Status
from portal.notifications import phrases
from portal.notifications.base import LOCALES, pick_locale


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_every_phrase(locale: str) -> None:
    assert set(phrases.STATUS_WORDS[locale]) == {s.value for s in Status}
    reasons = {r.value for r in Reason}
    assert set(phrases.REASON_WORDS[locale]) == set(phrases.SMS_REASON_WORDS[locale]) == reasons
    for short in phrases.SMS_REASON_WORDS[locale].values():  # a text's: short, whole sentences
        assert len(short) <= phrases.SMS_REASON_MAX_LENGTH and short.endswith("."), short
    assert set(phrases.WORDS[locale]) == set(phrases.WORDS["en"])
    assert all(text.strip() for text in phrases.WORDS[locale].values())


def test_reasons_are_sentences_and_statuses_are_words() -> None:
    assert phrases.reason_words("customs_hold", "en") == "The parcel is held at customs."
    assert phrases.reason_words("something_new", "pl") == phrases.REASON_WORDS["pl"]["unknown"]
    assert phrases.reason_words(None, "en") == ""
    assert (
        phrases.reason_words("customs_hold", "ru", short=True)
        == (phrases.SMS_REASON_WORDS["ru"]["customs_hold"])
    )
    assert (
        phrases.reason_words("new", "pl", short=True) == phrases.SMS_REASON_WORDS["pl"]["unknown"]
    )
    assert phrases.reason_words(None, "en", short=True) == ""
    assert phrases.status_words("out_for_delivery", "el") == "Σε διανομή"
    assert phrases.status_words("", "en") == ""


def test_locales_are_matched_by_language() -> None:
    assert pick_locale("pl_PL") == "pl"
    assert pick_locale("ro-RO") == "ro"
    assert pick_locale(None, "de", "RU") == "ru"
    assert pick_locale("de", None) == "en"
