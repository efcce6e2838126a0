"""A product variant's options ("size: S, colour: blue") in the customer's language.

Shops store option names as they like (``size``, ``Size``, ``colour``); the common ones are
translated, anything else is shown as the shop wrote it. A store that names only the
variant (Shopify's ``variantTitle``, kept as ``variant``: "Red / M") shows its title alone,
as the store's own pages do.
"""

from __future__ import annotations

from collections.abc import Mapping

from portal.i18n import _, lazy

#: Option names shops use most, lower-cased, with their words for customers.
KNOWN: dict[str, str] = {
    "size": lazy("size"),
    "colour": lazy("colour"),
    "color": lazy("colour"),
    "length": lazy("length"),
    "width": lazy("width"),
    "material": lazy("material"),
}


def option_name(name: str) -> str:
    known = KNOWN.get(name.strip().lower())
    return _(known) if known else name


#: The option name under which a store's whole variant title is kept.
VARIANT_TITLE = "variant"


def options_text(options: Mapping[str, object] | None) -> str:
    """``{"size": "S"}`` → ``size: S`` (``rozmiar: S`` in Polish); ``{"variant": "M"}``
    → ``M``."""
    return ", ".join(
        str(v) if k.strip().lower() == VARIANT_TITLE else f"{option_name(k)}: {v}"
        for k, v in (options or {}).items()
    )
