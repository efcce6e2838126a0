"""Pure return-policy evaluation: which items may come back, how many, how, and for how much.

Nothing here touches the database: callers pass plain facts (:class:`Rules`,
:class:`ItemFacts`, :class:`VariantFacts`) so every rule can be tested as a table of cases.
Money is :class:`~decimal.Decimal` throughout, rounded half-even to the currency's minor
units only where an amount is derived (a percentage), so sums stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision

HUNDRED = Decimal(100)


class Ineligible(StrEnum):
    """Why an item cannot be returned (shown to the customer next to the item)."""

    NOT_DELIVERED = "not_delivered"
    WINDOW_CLOSED = "window_closed"
    FINAL_SALE = "final_sale"
    CATEGORY = "ineligible_category"
    FULLY_RETURNED = "fully_returned"


class Decision(StrEnum):
    APPROVED = "approved"
    NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True, slots=True)
class Rules:
    """The parts of a :class:`~portal.models.ReturnPolicy` that evaluation reads."""

    window_days: int = 30
    no_scan_margin_days: int = 7
    ineligible_categories: frozenset[str] = frozenset()
    final_sale_categories: frozenset[str] = frozenset()
    resolutions: tuple[str, ...] = ("refund", "store_credit", "exchange")
    store_credit_bonus_percent: Decimal = Decimal(0)
    keep_item_threshold: Decimal | None = None
    return_shipping_fee: Decimal = Decimal(0)
    restocking_fee_percent: Decimal = Decimal(0)
    waive_fees_for_exchange: bool = True
    waiving_reasons: frozenset[str] = frozenset()
    auto_approve: dict[str, Any] = field(default_factory=dict)
    #: Returns may start before the carrier's delivery scan ("refuse at the door" shops);
    #: off by default: a parcel still on its way cannot be returned.
    before_delivery: bool = False

    @classmethod
    def of(cls, policy: Any) -> Rules:
        """Rules from a ReturnPolicy row (or anything shaped like one)."""
        waivers = policy.fee_waivers or {}
        threshold = policy.keep_item_threshold
        return cls(
            window_days=policy.window_days,
            no_scan_margin_days=policy.no_scan_margin_days,
            ineligible_categories=frozenset(policy.ineligible_categories or ()),
            final_sale_categories=frozenset(policy.final_sale_categories or ()),
            resolutions=tuple(policy.resolutions or ()),
            store_credit_bonus_percent=Decimal(str(policy.store_credit_bonus_percent or 0)),
            keep_item_threshold=None if threshold is None else Decimal(str(threshold)),
            return_shipping_fee=Decimal(str(policy.return_shipping_fee or 0)),
            restocking_fee_percent=Decimal(str(policy.restocking_fee_percent or 0)),
            waive_fees_for_exchange=bool(waivers.get("exchange", True)),
            waiving_reasons=frozenset(waivers.get("reasons", ())),
            auto_approve=dict(policy.auto_approve_rules or {}),
            before_delivery=bool(getattr(policy, "returns_before_delivery", False)),
        )


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """One order line as evaluation sees it."""

    id: int
    quantity: int
    unit_price: Decimal
    returned_quantity: int = 0
    final_sale: bool = False
    category: str | None = None
    product_ref: str | None = None
    variant_id: int | None = None


@dataclass(frozen=True, slots=True)
class VariantFacts:
    """A variant an exchange could switch to; ``available`` is stock minus reserved."""

    id: int
    product_ref: str
    price: Decimal
    available: int


@dataclass(frozen=True, slots=True)
class Eligibility:
    item_id: int
    eligible: bool
    reason: Ineligible | None
    max_quantity: int
    resolutions: tuple[str, ...]
    #: Variants of the same product with stock (only when ``exchange`` is offered).
    exchange_variants: tuple[VariantFacts, ...] = ()
    window_closes_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """A customer's choice for one item, to be priced by :func:`quote`."""

    item: ItemFacts
    quantity: int
    resolution: str
    reason_code: str | None = None
    #: ReturnReason.waives_fees of the chosen reason.
    reason_waives_fees: bool = False
    exchange_variant: VariantFacts | None = None


@dataclass(frozen=True, slots=True)
class LineQuote:
    line: Line
    gross: Decimal
    restocking_fee: Decimal
    #: What this line pays out: refund money, store credit, or 0 for an exchange.
    amount: Decimal
    #: Exchanges only: positive, the customer pays; negative, the customer is refunded.
    price_difference: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Quote:
    currency: str
    lines: tuple[LineQuote, ...]
    shipping_fee: Decimal
    refund_total: Decimal
    credit_total: Decimal
    fees_total: Decimal

    @property
    def value(self) -> Decimal:
        """Everything the merchant gives back (what auto-approve's max_value limits)."""
        return self.refund_total + self.credit_total


def money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-even to the currency's minor units (JPY 0, USD 2, KWD 3)."""
    exponent = Decimal(1).scaleb(-get_currency_precision(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_EVEN)


def delivery_time(
    delivered_at: datetime | None, shipped_at: datetime | None, margin_days: int
) -> datetime | None:
    """When the window starts: the delivery scan, else the ship date plus the margin."""
    if delivered_at is not None:
        return delivered_at
    if shipped_at is not None:
        return shipped_at + timedelta(days=margin_days)
    return None


def window_start(
    rules: Rules,
    *,
    delivered_at: datetime | None,
    shipped_at: datetime | None,
    placed_at: datetime,
    carrier_quiet: bool,
    now: datetime,
) -> datetime | None:
    """When the return window starts for an order, or None while it cannot start.

    The delivery scan starts it. Without one, the ship date plus the margin starts it
    only once that moment has passed *and* the carrier has gone quiet (no news at all,
    or expired): a parcel the carrier still reports as moving or waiting at a point is
    not delivered. A policy that allows returns before delivery starts the window at
    shipping (or at the order, before that).
    """
    if delivered_at is not None:
        return delivered_at
    if rules.before_delivery:
        return shipped_at or placed_at
    assumed = delivery_time(None, shipped_at, rules.no_scan_margin_days)
    if assumed is None or not carrier_quiet or assumed > now:
        return None
    return assumed


def window_closes_at(delivered: datetime, window_days: int, zone: ZoneInfo) -> datetime:
    """The first instant after the window: local midnight ending day N after delivery.

    Counted in calendar days of the customer's zone, so a DST change inside the window
    neither adds nor removes an hour from the last day.
    """
    last_day = delivered.astimezone(zone).date() + timedelta(days=window_days)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)


def evaluate_item(
    rules: Rules,
    item: ItemFacts,
    *,
    delivered: datetime | None,
    now: datetime,
    zone: ZoneInfo,
    variants: Iterable[VariantFacts] = (),
    delivery_scanned: bool = True,
    override: bool = False,
) -> Eligibility:
    """Whether ``item`` may be returned now, how many, and which resolutions it offers.

    ``override`` is staff overruling the policy (the API's ``override_policy``): final
    sale, category, delivery and window refusals are skipped, but never more than the
    units bought and not already in an active return.

    "Keep the item" refunds without the goods coming back, so it is offered only once
    the carrier scanned the delivery (``delivery_scanned``): never for a parcel that may
    still be refused or lost on its way.
    """
    remaining = max(item.quantity - item.returned_quantity, 0)
    closes = window_closes_at(delivered, rules.window_days, zone) if delivered else None

    def refused(reason: Ineligible) -> Eligibility:
        return Eligibility(item.id, False, reason, 0, (), (), closes)

    if not override and (item.final_sale or (item.category in rules.final_sale_categories)):
        return refused(Ineligible.FINAL_SALE)
    if not override and item.category is not None and item.category in rules.ineligible_categories:
        return refused(Ineligible.CATEGORY)
    if remaining == 0:
        return refused(Ineligible.FULLY_RETURNED)
    if not override and closes is None:
        return refused(Ineligible.NOT_DELIVERED)
    if not override and closes is not None and now >= closes:
        return refused(Ineligible.WINDOW_CLOSED)

    offered: list[str] = [r for r in ("refund", "store_credit") if r in rules.resolutions]
    swaps: tuple[VariantFacts, ...] = ()
    if "exchange" in rules.resolutions and item.product_ref is not None:
        swaps = tuple(
            v
            for v in variants
            if v.product_ref == item.product_ref and v.id != item.variant_id and v.available > 0
        )
        if swaps:
            offered.append("exchange")
    threshold = rules.keep_item_threshold
    if threshold is not None and item.unit_price <= threshold and delivery_scanned:
        offered.append("keep_item")
    return Eligibility(item.id, True, None, remaining, tuple(offered), swaps, closes)


def _fees_waived(rules: Rules, line: Line) -> bool:
    if line.resolution == "exchange" and rules.waive_fees_for_exchange:
        return True
    if line.resolution == "keep_item":  # nothing comes back, nothing to restock or ship
        return True
    return line.reason_waives_fees or (line.reason_code in rules.waiving_reasons)


def quote(rules: Rules, lines: Sequence[Line], currency: str) -> Quote:
    """Price a selection: per-line amounts, one shipping fee per request, and totals.

    Restocking is a percentage of each line's value; the return shipping fee is charged
    once, unless every line is waived (exchange, keep-item or a fee-waiving reason). It is
    taken from the refund first, then from store credit, never below zero.
    """
    priced: list[LineQuote] = []
    refund = credit = restocking_total = Decimal(0)
    for line in lines:
        gross = line.item.unit_price * line.quantity
        waived = _fees_waived(rules, line)
        rate = Decimal(0) if waived else rules.restocking_fee_percent
        restocking = money(gross * rate / HUNDRED, currency)
        base = gross - restocking
        difference = Decimal(0)
        if line.resolution == "exchange":
            amount = Decimal(0)
            if line.exchange_variant is not None:
                difference = money(line.exchange_variant.price * line.quantity - gross, currency)
        elif line.resolution == "store_credit":
            bonus = money(base * rules.store_credit_bonus_percent / HUNDRED, currency)
            amount = money(base + bonus, currency)
            credit += amount
        else:  # refund, keep_item
            amount = money(base, currency)
            refund += amount
        restocking_total += restocking
        priced.append(LineQuote(line, money(gross, currency), restocking, amount, difference))

    charge_shipping = any(not _fees_waived(rules, line) for line in lines)
    shipping = money(rules.return_shipping_fee, currency) if charge_shipping else Decimal(0)
    from_refund = min(shipping, refund)
    from_credit = min(shipping - from_refund, credit)
    charged = from_refund + from_credit
    return Quote(
        currency=currency,
        lines=tuple(priced),
        shipping_fee=charged,
        refund_total=money(refund - from_refund, currency),
        credit_total=money(credit - from_credit, currency),
        fees_total=money(restocking_total + charged, currency),
    )


def decide(
    rules: Rules, quoted: Quote, reason_codes: Iterable[str | None], recent_returns: int
) -> tuple[Decision, list[str]]:
    """Auto-approve or send to review, with the rules that sent it to review.

    ``auto_approve`` keys: ``reasons`` (every line's reason must be listed), ``max_value``
    (refund + credit at most this), ``max_returns_per_customer`` (fewer earlier returns
    than this within ``history_days``, default 90). No rules configured: review everything.
    """
    auto = rules.auto_approve
    if not auto or auto.get("enabled") is False:
        return Decision.NEEDS_REVIEW, ["no_auto_approve"]
    failed: list[str] = []
    allowed = auto.get("reasons")
    if allowed is not None and any(code not in allowed for code in reason_codes):
        failed.append("reason")
    max_value = auto.get("max_value")
    if max_value is not None and quoted.value > Decimal(str(max_value)):
        failed.append("max_value")
    max_returns = auto.get("max_returns_per_customer")
    if max_returns is not None and recent_returns >= int(max_returns):
        failed.append("customer_history")
    return (Decision.NEEDS_REVIEW, failed) if failed else (Decision.APPROVED, [])


def history_days(rules: Rules) -> int:
    return int(rules.auto_approve.get("history_days", 90))
