"""The carrier a store names, as our key: the shared table, then the key itself, else None."""

from __future__ import annotations

import pytest

from portal.platforms.carrier_names import carrier_key

OFFERED = ["dhl", "inpost", "dpd_pl", "sameday", "fan_courier", "poczta_polska"]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("DHL Express", "dhl"),
        ("InPost Paczkomaty 24/7", "inpost"),  # PrestaShop's usual InPost carrier
        ("Kurier DPD", "dpd_pl"),
        ("Sameday EasyBox", "sameday"),
        ("FAN Courier", "fan_courier"),
        ("fan_courier", "fan_courier"),
        ("Odbiór osobisty", None),  # collection in the shop: detection decides
        ("UPS", None),  # known, but not offered here
        (None, None),
    ],
)
def test_it_maps_the_store_name_to_an_offered_key(name: str | None, key: str | None) -> None:
    assert carrier_key(name, OFFERED) == key
