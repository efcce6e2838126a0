"""A carrier's name in the customer's language, where the carrier has one of its own."""

from __future__ import annotations

import pytest

from carriers import registry
from portal.carrier_display import carrier_name, local_names


@pytest.mark.parametrize(
    ("key", "locale", "name"),
    [
        ("nova_poshta", "uk", "Нова Пошта"),
        ("nova_poshta", "ru", "Новая Почта"),
        ("nova_poshta", "en", "Nova Poshta"),
        ("nova_poshta", "pl", "Nova Poshta"),
        ("ukrposhta", "uk", "Укрпошта"),
        ("econt", "bg", "Еконт"),
        ("elta", "el", "ΕΛΤΑ"),
        ("dhl", "uk", "DHL"),
        ("nova_poshta", None, "Nova Poshta"),
        ("no_such_carrier", "uk", "NO_SUCH_CARRIER"),
    ],
)
def test_it_names_the_carrier_as_its_customers_do(key: str, locale: str | None, name: str) -> None:
    assert carrier_name(key, locale) == name


def test_every_listed_carrier_is_a_built_in_one() -> None:
    known = set(registry.adapters())
    assert set(local_names()) <= known, set(local_names()) - known
