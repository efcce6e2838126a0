"""The currency a shop prices in when an order does not say: its country's legal tender.

Babel's CLDR data knows each territory's currencies and since when, so a country that
changes currency needs no code of ours: Bulgaria priced in leva (BGN) until 31 December
2025 and in euros from 1 January 2026 (leva still circulated that January). A shop without
a country keeps the historical default, US dollars.
"""

from __future__ import annotations

from datetime import date

from babel.numbers import get_territory_currencies

#: What an order without a currency is in when the shop has no country.
FALLBACK = "USD"


def local_currency(country: str | None, on: date | None = None) -> str:
    """The ISO 4217 code ``country`` (ISO 3166-1 alpha-2) pays in on ``on`` (today)."""
    if not country:
        return FALLBACK
    found = get_territory_currencies(
        country.upper(),
        start_date=on or date.today(),
        tender=True,
        non_tender=False,
        include_details=True,
    )
    if not found:
        return FALLBACK
    # Two tenders while the old one is withdrawn (leva circulated until 31 January 2026):
    # prices are in the newer.
    newest = max(found, key=lambda entry: entry["from"] or date.min)
    return str(newest["currency"])
