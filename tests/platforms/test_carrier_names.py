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


SOUTH_EAST = [
    "acs",
    "boxnow",
    "elta",
    "geniki",
    "speedy",
    "econt",
    "nova_poshta",
    "ukrposhta",
    "cdek",
    "russian_post",
]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACS Courier", "acs"),
        ("BOX NOW", "boxnow"),
        ("ELTA Courier", "elta"),
        ("ΕΛΤΑ Courier", "elta"),  # a Greek shop's carrier, in Greek
        ("Ελληνικά Ταχυδρομεία", "elta"),
        ("Geniki", "geniki"),
        ("Geniki Taxydromiki", "geniki"),
        ("GENIKI TAXIDROMIKI", "geniki"),  # the other Latin spelling shops use
        ("Γενική Ταχυδρομική", "geniki"),
        ("Taxydromiki", "geniki"),
        ("Econt Express", "econt"),
        ("Еконт Експрес", "econt"),  # a Bulgarian shop's
        ("Спиди", "speedy"),
        ("Нова Пошта", "nova_poshta"),  # a Ukrainian shop's
        ("Укрпошта", "ukrposhta"),
        ("Ukrposhta", "ukrposhta"),
        ("Ukrpost", "ukrposhta"),
        ("UKRPOSHTA Express", "ukrposhta"),
        ("Укрпочта", "ukrposhta"),
        ("СДЭК", "cdek"),
        ("Почта России", "russian_post"),
        ("Самовывоз", None),  # collection in the shop: detection decides
    ],
)
def test_it_knows_the_names_shops_of_south_east_europe_give_their_carriers(
    name: str, key: str | None
) -> None:
    assert carrier_key(name, SOUTH_EAST) == key


def test_an_easybox_is_sameday_s_and_a_fanbox_fan_courier_s() -> None:
    assert carrier_key("easybox", OFFERED) == "sameday"
    assert carrier_key("FANbox", OFFERED) == "fan_courier"
    assert carrier_key("FAN Courier FANbox", OFFERED) == "fan_courier"
