"""Languages: catalogues read from ``portal/locale/*/LC_MESSAGES/messages.po``, the current
locale kept per request in a context variable, and negotiation.

Catalogues are compiled in memory at start-up, so a checkout needs no build step and no
compiled ``.mo`` file is ever committed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextvars import ContextVar, Token
from functools import lru_cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.languages import get_official_languages
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "en"
#: Languages shipped with the portal, in the order the language menu shows them.
LOCALES: tuple[str, ...] = ("en", "pl", "ro", "ru", "el", "uk", "bg")
COOKIE = "lang"

_current: ContextVar[str] = ContextVar("portal_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue for ``locale`` (English text for ``en`` or a missing file)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> Token[str]:
    """Make ``locale`` current for this task; returns a token for :func:`reset_locale`."""
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def reset_locale(token: Token[str]) -> None:
    _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ungettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current.get()).upgettext(context, message)


_ = gettext


def lazy(message: str) -> str:
    """Mark a module-level string for extraction; translate it with :func:`gettext` at use."""
    return message


def supported(locale: str | None) -> str | None:
    """``locale`` reduced to a shipped language (``pl_PL`` → ``pl``), or None."""
    if not locale:
        return None
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in LOCALES else None


def from_accept_language(header: str | None) -> str | None:
    """The best shipped language for an ``Accept-Language`` header, honouring q-values."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip()))
    preferred = [tag.replace("-", "_") for q, _i, tag in sorted(ranked) if q < 0]
    found = negotiate_locale(preferred, list(LOCALES), sep="_")
    if found:
        return found
    for tag in preferred:
        if language := supported(tag):
            return language
    return None


def negotiate(
    *,
    query: str | None,
    cookie: str | None,
    accept_language: str | None,
    merchant_default: str | None = None,
) -> str:
    """Query parameter, then cookie, then Accept-Language, then the merchant's default."""
    chosen = visitor_choice(query=query, cookie=cookie, accept_language=accept_language)
    return chosen or supported(merchant_default) or DEFAULT_LOCALE


def visitor_choice(
    *, query: str | None, cookie: str | None, accept_language: str | None
) -> str | None:
    """The shipped language the visitor's request names (query parameter, then cookie, then
    Accept-Language), or None when it names none: then a page tied to one shop speaks the
    shop's language (``portal.web.shop_language``)."""
    for candidate in (supported(query), supported(cookie), from_accept_language(accept_language)):
        if candidate:
            return candidate
    return None


def language_for_country(country: str | None) -> str:
    """The language a shop in ``country`` speaks to its customers unless told otherwise:
    the country's main official language (CLDR, through Babel: ``PL`` → ``pl``, ``UA`` →
    ``uk``) when the portal ships it, else :data:`DEFAULT_LOCALE`."""
    if not country:
        return DEFAULT_LOCALE
    try:
        official = get_official_languages(country.upper(), de_facto=True)
    except (KeyError, ValueError):
        official = ()
    return (supported(official[0]) if official else None) or DEFAULT_LOCALE


def language_name(locale: str) -> str:
    """The language's own name for itself (``polski``), for the language menu."""
    return Locale.parse(locale).get_display_name(locale) or locale


def language_menu() -> Iterable[tuple[str, str]]:
    return [(code, language_name(code)) for code in LOCALES]
