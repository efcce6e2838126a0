"""Readable, translated names for the codes analytics group by (reasons, outcomes, ...).

CSV exports keep the codes; pages show these. Module-level strings are marked with
``lazy`` and translated at request time.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from carriers import registry
from carriers.base import Reason
from portal.carrier_display import carrier_name
from portal.i18n import _, current_locale, lazy
from portal.models import Channel, Metric, Outcome, Resolution

REASONS: dict[str, str] = {
    Reason.ADDRESS_ISSUE: lazy("Address issue"),
    Reason.RECIPIENT_UNAVAILABLE: lazy("Recipient unavailable"),
    Reason.REFUSED: lazy("Refused"),
    Reason.DAMAGED: lazy("Damaged"),
    Reason.LOST: lazy("Lost"),
    Reason.CUSTOMS_HOLD: lazy("Customs hold"),
    Reason.WEATHER_DELAY: lazy("Weather delay"),
    Reason.CARRIER_DELAY: lazy("Carrier delay"),
    Reason.HELD_AT_CARRIER: lazy("Held at the carrier"),
    Reason.UNKNOWN: lazy("Reason not given"),
}

PROBLEMS: dict[str, str] = {
    "exception": lazy("Exception"),
    "failed_attempt": lazy("Failed delivery attempt"),
}

OUTCOMES: dict[str, str] = {
    Outcome.SMOOTH: lazy("Smooth delivery"),
    Outcome.LATE: lazy("Late delivery"),
    Outcome.FAILED_ATTEMPT: lazy("Failed delivery attempt"),
    Outcome.EXCEPTION: lazy("Exception"),
    Outcome.LOST_OR_DAMAGED: lazy("Lost or damaged"),
    Outcome.RETURN: lazy("Return"),
    Outcome.EXCHANGE: lazy("Exchange"),
}

RESOLUTIONS: dict[str, str] = {
    Resolution.REFUND: lazy("Refund"),
    Resolution.STORE_CREDIT: lazy("Store credit"),
    Resolution.EXCHANGE: lazy("Exchange"),
    Resolution.KEEP_ITEM: lazy("Keep the item"),
}

#: The one wording of each message channel, for the workspace, its analytics and exports.
CHANNELS: dict[str, str] = {
    Channel.EMAIL: lazy("E-mail"),
    Channel.SMS: lazy("Text message"),
    Channel.WHATSAPP: lazy("WhatsApp"),
    Channel.PUSH: lazy("Browser notifications"),
}

METRICS: dict[str, str] = {
    Metric.CSAT: lazy("CSAT"),
    Metric.NPS: lazy("NPS"),
    Metric.CES: lazy("CES"),
    Metric.CUSTOM: lazy("Own question"),
}


def label(names: dict[str, str], code: str | None, missing: str) -> str:
    """The translated name of ``code``; the code itself when unknown, ``missing`` when empty."""
    if not code:
        return _(missing) if missing else ""
    found = names.get(code)
    return _(found) if found is not None else code


def country(code: str) -> str:
    """A country's name in the reader's language (the code when Babel does not know it)."""
    if not code:
        return _("Unknown")
    try:
        names = Locale.parse(current_locale()).territories
    except (UnknownLocaleError, ValueError):
        return code
    return str(names.get(code.upper(), code))


def return_reason(labels: dict[str, dict[str, str]], code: str | None) -> str:
    """A merchant's own reason label in the reader's language (else English, else the code)."""
    if not code:
        return _("No reason given")
    names = labels.get(code) or {}
    return names.get(current_locale()) or names.get("en") or code


def carrier(key: str | None) -> str:
    """A carrier's name as its customers write it in the reader's language ("СДЭК" in
    Russian, "CDEK" in English); the key when its adapter is not loaded."""
    if not key:
        return _("Unknown")
    try:
        registry.get(key)
    except KeyError:
        return key
    return carrier_name(key, current_locale())
