"""The variables a notification template sees, built from the rows behind one message.

Every variable is always defined (an empty string when unknown) so that templates can test
``{% if eta %}`` under ``StrictUndefined``; :data:`VARIABLES` is the complete list the
template validator accepts and the admin editor documents.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from babel.dates import format_date, format_skeleton

from carriers import registry
from portal.notifications import phrases
from portal.notifications.base import pick_locale
from portal.notifications.links import make_tracking_link
from portal.settings import Settings

VARIABLES: dict[str, str] = {
    "greeting": "The opening line, with the customer's name when known",
    "merchant": "The shop: merchant.name and merchant.branding (logo_url, primary_color, "
    "accent_color, support_email, support_url, support_phone)",
    "customer_name": "The customer's name (may be empty)",
    "order_number": "The order number (may be empty)",
    "tracking_number": "The carrier's tracking number",
    "carrier_name": "The carrier's name, e.g. DHL",
    "status": "The parcel's status in plain words",
    "reason": "Why, in a plain sentence, for problems and failed attempts (may be empty)",
    "eta": "The expected delivery date, written out (may be empty)",
    "tracking_link": "The signed link to the tracking page",
    "return_link": "The signed link that starts a return of the order (empty without an order)",
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
    logo = str(raw.get("logo_url") or raw.get("logo_path") or "")
    if logo and not logo.startswith(("https://", "http://")):
        logo = f"{settings.public_base_url}/{logo.lstrip('/')}"
    values = {key: str(raw.get(key) or "") for key in BRANDING_KEYS}
    values.update(
        logo_url=logo,
        primary_color=_color(raw.get("primary_color"), DEFAULT_PRIMARY),
        accent_color=_color(raw.get("accent_color"), DEFAULT_ACCENT),
    )
    return values


def merchant_context(merchant: Any, settings: Settings) -> dict[str, Any]:
    return {"name": merchant.name, "branding": branding(merchant, settings)}


def carrier_name(carrier_key: str) -> str:
    try:
        return registry.get(carrier_key).display_name
    except KeyError:
        return carrier_key.upper()


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
    # Imported here: the returns pages import the admin package, which imports this module.
    from portal.returns_page.access import start_url

    return start_url(settings, merchant_id, order_id)


def message_context(
    settings: Settings,
    *,
    merchant: Any,
    customer: Any | None,
    order: Any | None,
    shipment: Any,
    locale: str,
    status: str | None,
    reason: str | None,
    channel: str = "email",
) -> dict[str, Any]:
    """Everything a template may use for one shipment's message (SMS gets a shorter ETA)."""
    name = (getattr(customer, "name", "") or "") if customer is not None else ""
    return {
        "greeting": greeting(name, locale),
        "merchant": merchant_context(merchant, settings),
        "customer_name": name,
        "order_number": (order.number if order is not None else "") or "",
        "tracking_number": shipment.tracking_number,
        "carrier_name": carrier_name(shipment.carrier_key),
        "status": phrases.status_words(status or shipment.status, locale),
        "reason": phrases.reason_words(reason, locale),
        "eta": format_eta(shipment.estimated_delivery, locale, short=channel == "sms"),
        "tracking_link": make_tracking_link(settings, shipment),
        "return_link": return_link(settings, merchant, order),
    }


class _SampleShipment:
    id = 0
    tracking_number = "1ZCIETST0111111114"
    carrier_key = "ups"
    status = "out_for_delivery"
    estimated_delivery = date(2026, 11, 30)


class _SampleOrder:
    id = 0
    number = "#1042"


class _SampleCustomer:
    name = "Anna Nowak"


def sample_context(
    settings: Settings, merchant: Any, locale: str, channel: str = "email"
) -> dict[str, Any]:
    """A realistic context for previews and for checking a template before it is saved."""
    return message_context(
        settings,
        merchant=merchant,
        customer=_SampleCustomer(),
        order=_SampleOrder(),
        shipment=_SampleShipment(),
        locale=locale,
        status="exception",
        reason="address_issue",
        channel=channel,
    )
