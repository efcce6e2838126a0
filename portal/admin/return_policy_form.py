"""The return-policy form: its values from a policy or a post, and one pure validation.

Values are what the form shows (strings and lists, as typed); :func:`validate` turns them
into ReturnPolicy field values in exactly the shapes :meth:`portal.returns.policy.Rules.of`,
:func:`portal.returns.policy.decide` and the label read. Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.i18n import _
from portal.models import ReturnPolicy
from portal.models.returns import Resolution, ReturnMethod
from portal.returns.label_font import printable
from portal.returns.withdrawal_rules import STATUTORY_DAYS

#: Resolutions a merchant ticks; keep-item is offered through its price threshold instead.
OFFERED_RESOLUTIONS = (Resolution.REFUND, Resolution.STORE_CREDIT, Resolution.EXCHANGE)
METHODS = tuple(m.value for m in ReturnMethod)
#: Methods after which a parcel travels to the return address.
SHIPPED_METHODS = frozenset(METHODS) - {ReturnMethod.IN_STORE.value}
RESERVE_AT = ("approval", "receipt")
#: Whether EU consumer law's right of withdrawal applies: as the shop's country says, or
#: set either way (``ReturnPolicy.eu_consumer_law`` None, True, False).
EU_LAW = {"country": None, "on": True, "off": False}
ADDRESS_KEYS = ("name", "line1", "line2", "city", "region", "postal_code", "country")
#: Address parts a parcel cannot arrive without.
ADDRESS_REQUIRED = ("line1", "city", "country")
#: Keys of the JSON fields this form owns; any other key found there is kept on save.
WAIVER_KEYS = frozenset({"exchange", "reasons"})
AUTO_KEYS = frozenset(
    {"enabled", "reasons", "max_value", "max_returns_per_customer", "history_days"}
)
DAY_RANGES = {
    "window_days": (1, 365),
    "no_scan_margin_days": (0, 60),
    "label_expiry_days": (1, 90),
    "auto_history_days": (1, 365),
    # Never under the Directive's 14 days; a year at most, as for the return window.
    "withdrawal_days": (STATUTORY_DAYS, 365),
}
MAX_RETURNS = 1000
CATEGORY_MAX = 100
ADDRESS_MAX = 200
#: Below 10^10 with two decimals: what DecimalField(max_digits=12, decimal_places=2) holds.
MONEY_LIMIT = Decimal("10000000000")
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_COUNTRY = re.compile(r"[A-Za-z]{2}")

TEXT_FIELDS = (
    "window_days", "no_scan_margin_days", "final_sale_categories", "ineligible_categories",
    "store_credit_bonus_percent", "keep_item_threshold", "return_shipping_fee",
    "restocking_fee_percent", "auto_mode", "auto_reasons_mode", "auto_max_value",
    "auto_max_returns", "auto_history_days", "label_expiry_days", "reserve_stock_at",
    "eu_consumer_law", "withdrawal_days", *(f"address_{key}" for key in ADDRESS_KEYS),
)  # fmt: skip
LIST_FIELDS = ("resolutions", "waiving_reasons", "auto_reasons", "methods")


def plain(value: Decimal | float | int | str | None) -> str:
    """A stored number as a merchant would type it: ``10`` rather than ``10.00``."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    return str(int(number)) if number == number.to_integral_value() else f"{number.normalize():f}"


def values_of(policy: ReturnPolicy) -> dict[str, Any]:
    """What the form shows for a saved (or a new, unsaved) policy."""
    waivers = policy.fee_waivers or {}
    auto = policy.auto_approve_rules or {}
    address = policy.return_address or {}
    reviewing = not auto or auto.get("enabled") is False
    values: dict[str, Any] = {
        "window_days": str(policy.window_days),
        "no_scan_margin_days": str(policy.no_scan_margin_days),
        "final_sale_categories": ", ".join(policy.final_sale_categories or ()),
        "ineligible_categories": ", ".join(policy.ineligible_categories or ()),
        "resolutions": list(policy.resolutions or ()),
        "store_credit_bonus_percent": plain(policy.store_credit_bonus_percent),
        "keep_item_threshold": plain(policy.keep_item_threshold),
        "return_shipping_fee": plain(policy.return_shipping_fee),
        "restocking_fee_percent": plain(policy.restocking_fee_percent),
        "waive_exchange": bool(waivers.get("exchange", True)),
        "returns_before_delivery": bool(policy.returns_before_delivery),
        "waiving_reasons": list(waivers.get("reasons", ())),
        "auto_mode": "review" if reviewing else "auto",
        "auto_reasons_mode": "any" if auto.get("reasons") is None else "listed",
        "auto_reasons": list(auto.get("reasons") or ()),
        "auto_max_value": plain(auto.get("max_value")),
        "auto_max_returns": plain(auto.get("max_returns_per_customer")),
        "auto_history_days": str(auto.get("history_days", 90)),
        "methods": list(policy.methods or ()),
        "label_expiry_days": str(policy.label_expiry_days),
        "reserve_stock_at": policy.reserve_stock_at,
        "eu_consumer_law": next(k for k, v in EU_LAW.items() if v is policy.eu_consumer_law),
        "withdrawal_days": str(policy.withdrawal_days),
        "withdrawal_customer_pays_return": bool(policy.withdrawal_customer_pays_return),
    }
    for key in ADDRESS_KEYS:
        values[f"address_{key}"] = str(address.get(key) or "")
    return values


def values_from(form: Any) -> dict[str, Any]:
    """What was posted, as typed (a starlette FormData or any mapping with ``getlist``)."""
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        raw = form.get(name, "")
        values[name] = raw.strip() if isinstance(raw, str) else ""
    for name in LIST_FIELDS:
        values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    values["waive_exchange"] = bool(form.get("waive_exchange"))
    values["returns_before_delivery"] = bool(form.get("returns_before_delivery"))
    values["withdrawal_customer_pays_return"] = bool(form.get("withdrawal_customer_pays_return"))
    return values


def categories(text: str) -> list[str]:
    """A comma-separated list, trimmed, without blanks or repeats, in the merchant's order."""
    found: list[str] = []
    for part in text.split(","):
        name = part.strip()
        if name and name not in found:
            found.append(name)
    return found


def decimal(text: str, *, places: int = 2) -> Decimal | None:
    """``text`` as a non-negative Decimal (``4.95`` or ``4,95``), else None."""
    if not _NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return None
    return number


class _Checker:
    """Collects cleaned values and one message per field."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.errors: dict[str, str] = {}

    def days(self, name: str) -> int:
        low, high = DAY_RANGES[name]
        text = self.values[name]
        if text.isdigit() and low <= int(text) <= high:
            return int(text)
        self.errors[name] = _("Enter a number of days from %(low)d to %(high)d.") % {
            "low": low,
            "high": high,
        }
        return low

    def percent(self, name: str) -> Decimal:
        number = decimal(self.values[name] or "0")
        if number is not None and number <= 100:
            return number
        self.errors[name] = _(
            "Enter a percentage from 0 to 100 with at most two decimals, for example 10 or 12.5."
        )
        return Decimal(0)

    def money(self, name: str, *, optional: bool) -> Decimal | None:
        text = self.values[name]
        if optional and not text:
            return None
        number = decimal(text or "0")
        if number is not None and number < MONEY_LIMIT:
            return number
        if optional:
            self.errors[name] = _(
                "Enter an amount of 0 or more with at most two decimals, for example 8.50, "
                "or leave it blank."
            )
        else:
            self.errors[name] = _(
                "Enter an amount of 0 or more with at most two decimals, for example 4.95."
            )
        return None

    def categories(self, name: str) -> list[str]:
        found = categories(self.values[name])
        if any(len(c) > CATEGORY_MAX for c in found):
            self.errors[name] = _("Each category can be at most %(max)d characters long.") % {
                "max": CATEGORY_MAX
            }
        return found

    def choices(self, name: str, allowed: Iterable[str], *, required: str | None) -> list[str]:
        """The ticked options in ``allowed`` order; ``required`` is the message for none."""
        allowed = list(allowed)
        chosen = self.values[name]
        if any(c not in allowed for c in chosen):
            self.errors[name] = _("Choose from the listed options.")
        picked = [a for a in allowed if a in chosen]
        if required and not picked:
            self.errors[name] = required
        return picked


def _auto_rules(check: _Checker, reason_codes: list[str]) -> dict[str, Any]:
    values = check.values
    if values["auto_mode"] not in ("auto", "review"):
        check.errors["auto_mode"] = _("Choose from the listed options.")
    if values["auto_mode"] != "auto":
        return {"enabled": False}
    rules: dict[str, Any] = {"enabled": True}
    if values["auto_reasons_mode"] == "listed":
        rules["reasons"] = check.choices(
            "auto_reasons",
            reason_codes,
            required=_("Tick at least one reason, or approve returns for any reason."),
        )
    elif values["auto_reasons_mode"] != "any":
        check.errors["auto_reasons_mode"] = _("Choose from the listed options.")
    max_value = check.money("auto_max_value", optional=True)
    if max_value is not None:
        rules["max_value"] = f"{max_value:.2f}"
    text = values["auto_max_returns"]
    if text:
        if text.isdigit() and 1 <= int(text) <= MAX_RETURNS:
            rules["max_returns_per_customer"] = int(text)
        else:
            check.errors["auto_max_returns"] = _(
                "Enter a whole number from 1 to %(max)d, or leave it blank."
            ) % {"max": MAX_RETURNS}
    rules["history_days"] = check.days("auto_history_days")
    return rules


def _address(check: _Checker, methods: list[str]) -> dict[str, str]:
    address = {key: check.values[f"address_{key}"] for key in ADDRESS_KEYS}
    address["country"] = address["country"].upper()
    for key, text in address.items():
        if len(text) > ADDRESS_MAX:
            check.errors[f"address_{key}"] = _("Use at most %(max)d characters.") % {
                "max": ADDRESS_MAX
            }
    if address["country"] and not _COUNTRY.fullmatch(address["country"]):
        check.errors["address_country"] = _(
            "Enter the country as a two-letter code, for example PL."
        )
    if SHIPPED_METHODS.intersection(methods):
        for key in ADDRESS_REQUIRED:
            if not address[key]:
                check.errors.setdefault(
                    f"address_{key}",
                    _("Parcels are sent back to this address: fill it in."),
                )
    return address


def label_spelling(values: dict[str, Any]) -> str | None:
    """How the address will read on a return label when that differs from what was typed:
    only when it has a character the label's font lacks, which is transliterated
    (:func:`portal.returns.label_font.printable`); Greek or Cyrillic print as typed."""
    parts = [str(values.get(f"address_{key}") or "").strip() for key in ADDRESS_KEYS]
    typed = unicodedata.normalize("NFC", ", ".join(p for p in parts if p))
    printed = printable(typed)
    return printed if printed != typed else None


def validate(
    values: dict[str, Any], reason_codes: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """ReturnPolicy field values and the errors by field, from the form's values.

    ``reason_codes`` are the merchant's reasons: the only codes waivers and auto-approve
    may name. With any error the cleaned values must not be saved.
    """
    check = _Checker(values)
    methods = check.choices(
        "methods", METHODS, required=_("Offer at least one way to send items back.")
    )
    clean: dict[str, Any] = {
        "window_days": check.days("window_days"),
        "no_scan_margin_days": check.days("no_scan_margin_days"),
        "returns_before_delivery": bool(values.get("returns_before_delivery")),
        "final_sale_categories": check.categories("final_sale_categories"),
        "ineligible_categories": check.categories("ineligible_categories"),
        "resolutions": check.choices(
            "resolutions",
            [r.value for r in OFFERED_RESOLUTIONS],
            required=_("Offer at least one resolution."),
        ),
        "store_credit_bonus_percent": check.percent("store_credit_bonus_percent"),
        "keep_item_threshold": check.money("keep_item_threshold", optional=True),
        "return_shipping_fee": check.money("return_shipping_fee", optional=False),
        "restocking_fee_percent": check.percent("restocking_fee_percent"),
        "fee_waivers": {
            "exchange": bool(values["waive_exchange"]),
            "reasons": check.choices("waiving_reasons", reason_codes, required=None),
        },
        "auto_approve_rules": _auto_rules(check, reason_codes),
        "methods": methods,
        "label_expiry_days": check.days("label_expiry_days"),
        "return_address": _address(check, methods),
        "reserve_stock_at": values["reserve_stock_at"],
        "eu_consumer_law": EU_LAW.get(values["eu_consumer_law"]),
        "withdrawal_days": check.days("withdrawal_days"),
        "withdrawal_customer_pays_return": bool(values["withdrawal_customer_pays_return"]),
    }
    for name, allowed in (("reserve_stock_at", RESERVE_AT), ("eu_consumer_law", EU_LAW)):
        if values[name] not in allowed:
            check.errors[name] = _("Choose from the listed options.")
    return clean, check.errors


def merged(
    old: dict[str, Any] | None, new: dict[str, Any], owned: frozenset[str]
) -> dict[str, Any]:
    """``new`` over ``old``, keeping the keys of ``old`` this form does not own."""
    kept = {k: v for k, v in (old or {}).items() if k not in owned}
    return {**kept, **new}
