"""Pieces of the variables a notification template sees, shared by every family.

Every variable is always defined (an empty string when unknown) so that templates can test
``{% if eta %}`` under ``StrictUndefined``; each family lists the names its templates may
use (:attr:`portal.notifications.composer.Family.variables`), starting with
:data:`PARTY_VARIABLES`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from babel.dates import format_date, format_skeleton

from portal.carrier_display import carrier_name as carrier_name
from portal.core.eu import in_eu
from portal.core.links import start_url, withdrawal_url
from portal.i18n import lazy
from portal.logo import url as logo_url
from portal.notifications import phrases
from portal.notifications.base import pick_locale
from portal.settings import Settings

#: The variables every family's templates may use, about the shop and the customer
#: (descriptions translated at use).
PARTY_VARIABLES: dict[str, str] = {
    "greeting": lazy("The opening line, with the customer's name when known"),
    "merchant": lazy(
        "The shop: merchant.name and merchant.branding (logo_url, primary_color, "
        "accent_color, support_email, support_url, support_phone)"
    ),
    "customer_name": lazy("The customer's name (may be empty)"),
    "order_number": lazy("The order number (may be empty)"),
}

BRANDING_KEYS = (
    "logo_url",
    "primary_color",
    "accent_color",
    "support_email",
    "support_url",
    "support_phone",
)
DEFAULT_PRIMARY = "#1d4ed8"
DEFAULT_ACCENT = "#0f172a"
_COLOR = re.compile(r"^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")


def _color(value: Any, default: str) -> str:
    """Only plain hex colours reach the HTML ``style`` attribute."""
    return value if isinstance(value, str) and _COLOR.match(value) else default


def branding(merchant: Any, settings: Settings) -> dict[str, str]:
    """The merchant's branding with every key present and values safe to place in HTML."""
    raw = dict(getattr(merchant, "branding", None) or {})
    logo = logo_url(merchant, settings.public_base_url) or ""
    values = {key: str(raw.get(key) or "") for key in BRANDING_KEYS}
    values.update(
        logo_url=logo,
        primary_color=_color(raw.get("primary_color"), DEFAULT_PRIMARY),
        accent_color=_color(raw.get("accent_color"), DEFAULT_ACCENT),
    )
    return values


def support_email(merchant: Any) -> str:
    """``branding(merchant, settings)["support_email"]`` without building the rest."""
    raw = getattr(merchant, "branding", None) or {}
    return str(raw.get("support_email") or "")


def merchant_context(merchant: Any, settings: Settings) -> dict[str, Any]:
    return {"name": merchant.name, "branding": branding(merchant, settings)}


def format_eta(value: date | None, locale: str, *, short: bool = False) -> str:
    """``2026-11-30`` → "Monday, November 30, 2026" (short: "November 30") in ``locale``."""
    if value is None:
        return ""
    if short:
        return format_skeleton("MMMMd", value, locale=pick_locale(locale))
    return format_date(value, "full", locale=pick_locale(locale))


def greeting(name: str, locale: str) -> str:
    words = phrases.words(locale)
    first = name.strip()
    return words["greeting_named"].format(name=first) if first else words["greeting"]


def return_link(settings: Settings, merchant: Any, order: Any | None) -> str:
    """The signed link to start a return of ``order`` ("" for a parcel without an order)."""
    order_id, merchant_id = getattr(order, "id", None), getattr(merchant, "id", None)
    if order is None or order_id is None or merchant_id is None:
        return ""
    return start_url(settings, merchant_id, order_id)


def withdrawal_link(settings: Settings, merchant: Any, order: Any | None) -> str:
    """The signed link to the order's withdrawal function, for a shop in the EU ("" else,
    and for a parcel without an order)."""
    order_id, merchant_id = getattr(order, "id", None), getattr(merchant, "id", None)
    country = getattr(merchant, "country", None)
    if order is None or order_id is None or merchant_id is None or not in_eu(country):
        return ""
    return withdrawal_url(settings, merchant_id, order_id)
