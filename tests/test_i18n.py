"""Every user-visible string is translated in every shipped language; negotiation is right."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal import i18n

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "lazy": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
METHODS = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _source_messages() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map=OPTIONS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


@pytest.mark.parametrize("locale", [code for code in i18n.LOCALES if code != "en"])
def test_every_string_is_translated(locale: str) -> None:
    path = i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    missing = []
    for context, msgid in sorted(_source_messages(), key=lambda m: m[1]):
        entry = catalog.get(msgid, context=context)
        strings = (
            entry.string if entry and isinstance(entry.string, tuple) else (entry and entry.string,)
        )
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(msgid)
    assert not missing, (
        f"{locale}: {len(missing)} untranslated (run `make messages`): {missing[:10]}"
    )


def test_placeholders_survive_translation() -> None:
    for locale in i18n.LOCALES[1:]:
        with (i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po, locale=locale)
        for message in catalog:
            if not message.id or not message.string:
                continue
            source = message.id if isinstance(message.id, str) else message.id[0]
            target = message.string if isinstance(message.string, str) else message.string[0]
            for token in ("%(", "{{", "{"):
                assert source.count(token) == target.count(token), (locale, source, target)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pl-PL,pl;q=0.9", "pl"),
        ("de-DE,de;q=0.9,ru;q=0.4", "ru"),
        ("en-GB;q=0.2, el;q=0.9", "el"),
        ("*", None),
        ("ro;q=abc", None),
        ("", None),
    ],
)
def test_accept_language_picks_the_best_shipped_language(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_the_merchant_default_is_the_last_resort() -> None:
    assert (
        i18n.negotiate(query=None, cookie=None, accept_language="fr", merchant_default="pl") == "pl"
    )
    assert (
        i18n.negotiate(query="ro", cookie="pl", accept_language="ru", merchant_default="el") == "ro"
    )


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, None),
        (None, None, "de-DE, fr;q=0.8", None),  # only languages the portal does not ship
        ("xx", "yy", "", None),
        (None, None, "en", "en"),  # English asked for is a choice, not the default
        (None, "uk", "en", "uk"),
        ("ro", "uk", "en", "ro"),
    ],
)
def test_the_visitors_choice_is_none_unless_the_request_names_a_shipped_language(
    query: str | None, cookie: str | None, header: str | None, expected: str | None
) -> None:
    assert i18n.visitor_choice(query=query, cookie=cookie, accept_language=header) == expected


def test_gettext_follows_the_current_locale() -> None:
    token = i18n.set_locale("el")
    try:
        assert i18n.gettext("Track") == "Παρακολούθηση"
    finally:
        i18n.reset_locale(token)
    assert i18n.gettext("Track") == "Track"
