"""Registering a parcel a person typed in: which carrier, and the shipment row.

The workspace's forms (an order's shipment, a return's parcel) and the customer's return
page share these rules with the API: a carrier chosen is taken (if this portal offers it),
otherwise the number's format must point at exactly one offered carrier; a number the shop
already tracks with that carrier is refused rather than tracked twice.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from tortoise.exceptions import IntegrityError

from carriers.detection import detect, is_plausible, normalise
from portal.models import CarrierAccount, Merchant, Shipment
from portal.models.tracking import Direction
from portal.platforms.carrier_names import home_carriers


class Refused(ValueError):
    """The number cannot be registered; ``code`` says why (pages and the API word it):
    ``bad_number``, ``unknown_carrier``, ``carrier_needed``, ``carrier_ambiguous``,
    ``in_use``."""

    def __init__(self, code: str, candidates: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.candidates = candidates or []


def clean_number(text: str) -> str:
    """The number as carriers know it, or :class:`Refused` ``bad_number``."""
    if not is_plausible(text):
        raise Refused("bad_number")
    return normalise(text)


def carrier_for(
    number: str,
    given: str | None,
    offered: list[str],
    *,
    accounts: Collection[str] = (),
    home: Collection[str] = (),
) -> str:
    """The carrier to track ``number`` with: the one given, or the only detected one.

    Of several detected, the only one the shop has an account for (``accounts``: carrier
    keys) is taken, else the only one of the shop's country (``home``, see
    :func:`portal.platforms.carrier_names.home_carriers`): a 14-digit DPD number goes to
    the shop's DPD, not to every DPD.
    """
    if given:
        if given not in offered:
            raise Refused("unknown_carrier")
        return given
    candidates = [key for key, _confidence in detect(number) if key in offered]
    if not candidates:
        raise Refused("carrier_needed")
    if len(candidates) > 1:
        for preferred in (accounts, home):
            chosen = [key for key in candidates if key in preferred]
            if len(chosen) == 1:
                return chosen[0]
        raise Refused("carrier_ambiguous", candidates)
    return candidates[0]


async def shop_carriers(merchant_id: int) -> tuple[str | None, frozenset[str]]:
    """A shop's country and the carriers it has accounts for (carrier keys): what reads a
    store's carrier name or an ambiguous number for that shop."""
    merchant = await Merchant.get(id=merchant_id).only("id", "country")
    held = CarrierAccount.filter(merchant_id=merchant_id).only("id", "carrier_key")
    return merchant.country, frozenset(account.carrier_key for account in await held)


async def preferences(merchant_id: int) -> dict[str, frozenset[str]]:
    """:func:`carrier_for`'s ``accounts`` and ``home`` for a shop: the carriers it has
    accounts for, and those of its country."""
    country, accounts = await shop_carriers(merchant_id)
    return {"accounts": accounts, "home": home_carriers(country)}


async def register(
    merchant_id: int,
    order_id: int | None,
    text: str,
    *,
    carrier: str | None,
    offered: list[str],
    now: datetime,
    direction: Direction = Direction.OUTBOUND,
) -> Shipment:
    """A new shipment for ``order_id``, due for polling at ``now``."""
    number = clean_number(text)
    prefer = {} if carrier else await preferences(merchant_id)
    key = carrier_for(number, carrier, offered, **prefer)
    try:
        return await Shipment.create(
            merchant_id=merchant_id,
            order_id=order_id,
            carrier_key=key,
            carrier_pinned=carrier is not None,
            tracking_number=number,
            direction=direction,
            next_poll_at=now,
        )
    except IntegrityError:
        raise Refused("in_use") from None
