"""A variant's options in the customer's language (portal/web/option_words.py)."""

from __future__ import annotations

from portal import i18n
from portal.web.option_words import options_text


def test_known_option_names_are_translated_and_others_kept() -> None:
    token = i18n.set_locale("pl")
    try:
        assert options_text({"size": "M", "Fit": "slim"}) == "rozmiar: M, Fit: slim"
    finally:
        i18n.reset_locale(token)


def test_a_stores_variant_title_is_shown_alone_in_every_language() -> None:
    """Shopify names a line's variant only by its title (``variantTitle``, kept as
    ``variant``): "(variant: M)" was English on a Greek page."""
    for locale in ("en", "el"):
        token = i18n.set_locale(locale)
        try:
            assert options_text({"variant": "Κόκκινο / M"}) == "Κόκκινο / M"
        finally:
            i18n.reset_locale(token)
    assert options_text(None) == ""
