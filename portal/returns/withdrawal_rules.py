"""The statutory right of withdrawal as pure rules: who has it, until when, for which items,
and what is refunded.

Directive 2011/83/EU (as amended by Directive (EU) 2023/2673) gives a consumer who bought
at a distance 14 days from taking physical possession of the last item to withdraw without
giving a reason (Art. 9), exceptions for some goods (Art. 16), a refund of every payment
including the standard delivery (Art. 13) and the direct cost of sending the goods back
on the consumer only when the trader said so (Art. 14). None of this is the shop's return
policy: a final-sale item can still be withdrawn, a restocking fee never applies. Nothing
here touches the database, so every rule is a table of cases in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from portal.core.eu import in_eu
from portal.returns.policy import money, window_closes_at

#: The Directive's period; a shop may give longer, never shorter.
STATUTORY_DAYS = 14


class StatutoryException(StrEnum):
    """Goods Art. 16 excludes from withdrawal (a flag on the order line, not "final sale")."""

    #: sealed goods unsuitable for return for health or hygiene reasons, once unsealed (e)
    SEALED_HYGIENE = "sealed_hygiene"
    #: made to the consumer's specifications or clearly personalised (c)
    MADE_TO_SPECIFICATION = "made_to_specification"
    #: liable to deteriorate or expire rapidly (d)
    PERISHABLE = "perishable"


class Refusal(StrEnum):
    """Why a withdrawal (or one item of it) is refused."""

    NOT_APPLICABLE = "not_applicable"
    PERIOD_ENDED = "period_ended"
    EXCEPTED = "excepted"
    NOTHING_LEFT = "nothing_left"


@dataclass(frozen=True, slots=True)
class Terms:
    """Whether the right applies to a shop, for how long, and who pays the way back."""

    applies: bool
    days: int = STATUTORY_DAYS
    customer_pays_return: bool = False
    #: the direct cost of the return the customer bears (only with ``customer_pays_return``)
    return_fee: Decimal = Decimal(0)

    @classmethod
    def of(cls, merchant_country: str | None, policy: Any | None) -> Terms:
        """The terms for a shop: its policy's switch, else on for a shop in the EU."""
        established = in_eu(merchant_country)
        if policy is None:
            return cls(applies=established)
        switch = getattr(policy, "eu_consumer_law", None)
        pays = bool(getattr(policy, "withdrawal_customer_pays_return", False))
        return cls(
            applies=established if switch is None else bool(switch),
            days=max(STATUTORY_DAYS, int(getattr(policy, "withdrawal_days", 0) or 0)),
            customer_pays_return=pays,
            return_fee=Decimal(str(policy.return_shipping_fee or 0)) if pays else Decimal(0),
        )


@dataclass(frozen=True, slots=True)
class Period:
    """The withdrawal period of one order: not started until the last item is delivered."""

    last_delivery: datetime | None
    #: the first instant after the period (local midnight in the customer's zone)
    closes_at: datetime | None

    @property
    def last_day(self) -> date | None:
        """The last calendar day a withdrawal is accepted, in the customer's zone."""
        if self.closes_at is None:
            return None
        return (self.closes_at - timedelta(days=1)).date()

    def open_at(self, now: datetime) -> bool:
        return self.closes_at is None or now < self.closes_at


def period(deliveries: list[datetime | None], days: int, zone: ZoneInfo) -> Period:
    """The period from the outbound parcels' delivery times (None: not delivered yet).

    It runs from the day after the last item arrives (Art. 9(2)(b)), so it cannot start
    while any parcel is still on its way, and a withdrawal before delivery is allowed
    (Art. 9(3)). Days are calendar days of the customer's zone, as for returns.
    """
    if not deliveries or any(d is None for d in deliveries):
        return Period(None, None)
    last = max(d for d in deliveries if d is not None)
    return Period(last, window_closes_at(last, days, zone))


def excepted(statutory_exception: str | None, unsealed: bool) -> StatutoryException | None:
    """The exception that takes an item out of the right, or None when it can be withdrawn.

    A sealed hygiene item is excepted only once unsealed after delivery; the other two
    always. An unknown flag excepts nothing (the right is the rule, exceptions narrow).
    """
    try:
        found = StatutoryException(statutory_exception) if statutory_exception else None
    except ValueError:
        return None
    if found is StatutoryException.SEALED_HYGIENE and not unsealed:
        return None
    return found


@dataclass(frozen=True, slots=True)
class Line:
    """Units of one order line being withdrawn, at the price paid."""

    order_item_id: int
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class Refund:
    lines: tuple[tuple[Line, Decimal], ...]
    delivery: Decimal
    fees: Decimal
    total: Decimal


def refund(
    terms: Terms,
    lines: list[Line],
    *,
    shipping_total: Decimal,
    whole_order: bool,
    currency: str,
) -> Refund:
    """What the shop pays back (Art. 13): the price of the goods, the standard outbound
    delivery once the whole order is withdrawn, minus the direct return cost only when
    the customer bears it (Art. 14(1)). No restocking fee, whatever the shop's policy."""
    priced = tuple((line, money(line.unit_price * line.quantity, currency)) for line in lines)
    goods = sum((amount for _, amount in priced), Decimal(0))
    delivery = money(shipping_total, currency) if whole_order else Decimal(0)
    fees = min(money(terms.return_fee, currency), goods + delivery)
    return Refund(priced, delivery, fees, money(goods + delivery - fees, currency))
