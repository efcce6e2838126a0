"""An order that does not name its currency is in its shop's country's currency."""

from __future__ import annotations

from datetime import date

import pytest

from portal.core.currencies import FALLBACK, local_currency


@pytest.mark.parametrize(
    ("country", "currency"),
    [("GR", "EUR"), ("ro", "RON"), ("UA", "UAH"), ("PL", "PLN"), ("RU", "RUB"), ("US", "USD")],
)
def test_a_shop_prices_in_its_country_s_currency(country: str, currency: str) -> None:
    assert local_currency(country, date(2026, 12, 7)) == currency


def test_a_bulgarian_shop_prices_in_euro_from_2026() -> None:
    """Bulgaria adopted the euro on 1 January 2026 (CLDR's dated territory data)."""
    assert local_currency("BG", date(2025, 12, 31)) == "BGN"
    assert local_currency("BG", date(2026, 1, 1)) == "EUR"


@pytest.mark.parametrize("country", [None, "", "ZZ", "GRC", "1A"])
def test_a_shop_without_a_known_country_keeps_the_dollar(country: str | None) -> None:
    assert local_currency(country) == FALLBACK == "USD"
