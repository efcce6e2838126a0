"""The currency a shop prices in when an order does not say: its country's, by CLDR (Babel).

An order from the REST API or a CSV without a currency used to be dollars, whatever the
shop: a Greek shop's refunds then read "$22.90". A shop's country names its currency
(Babel's territory data, dated: Bulgaria's is the euro from 1 January 2026); a shop
without a country keeps the dollar.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.numbers import get_territory_currencies

#: The currency of an order whose shop has no country (and the models' column default).
FALLBACK = "USD"


@lru_cache(maxsize=256)
def _of(country: str, day: date) -> str:
    # During a changeover both are tender (Bulgaria: the lev until 31 January 2026): the
    # newer one is what a shop prices in from its first day.
    found = get_territory_currencies(country, day, tender=True, include_details=True)
    newest = max(found, key=lambda c: c.get("from") or date.min, default=None)
    return str(newest["currency"]) if newest else FALLBACK


def shop_currency(country: str | None, day: date | None = None) -> str:
    """The legal tender of ``country`` (ISO 3166 alpha-2, any case) on ``day`` (today by
    default), or :data:`FALLBACK` for no country or one CLDR does not know."""
    code = (country or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        return FALLBACK
    return _of(code, day or date.today())
