"""Which countries are in the European Union: EU consumer law follows a shop's country.

On the neutral floor because messages (the withdrawal link in shipment e-mails) and the
returns domain both ask it.
"""

from __future__ import annotations

#: Member states (ISO 3166-1 alpha-2; Greece is "GR").
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


def in_eu(country: str | None) -> bool:
    return (country or "").strip().upper() in EU_COUNTRIES
