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


DPDS = ["dpd_pl", "dpd_ro", "speedy", "sameday", "fan_courier"]


@pytest.mark.parametrize(
    ("name", "country", "key"),
    [
        ("DPD", "RO", "dpd_ro"),
        ("DPD Romania", "RO", "dpd_ro"),
        ("DPD RO", "RO", "dpd_ro"),
        ("Curier DPD", "RO", "dpd_ro"),
        ("DPD", "BG", "speedy"),  # DPD's partner in Bulgaria
        ("DPD", "PL", "dpd_pl"),
        ("Kurier DPD", "PL", "dpd_pl"),
        ("DPD", None, "dpd_pl"),  # a shop that names no country keeps the old default
        ("dpd", "ro", "dpd_ro"),
        ("DPD Romania", "PL", "dpd_ro"),  # a name that says which DPD is that DPD
        ("DPDBox", None, "dpd_ro"),
    ],
)
def test_a_dpd_is_the_dpd_of_the_shop_s_country(name: str, country: str | None, key: str) -> None:
    assert carrier_key(name, DPDS, country=country) == key


def test_the_dpd_the_shop_has_an_account_for_wins_over_its_country() -> None:
    assert carrier_key("DPD", DPDS, country="RO", accounts={"dpd_pl", "sameday"}) == "dpd_pl"
    assert carrier_key("DPD", DPDS, country="PL", accounts={"dpd_ro"}) == "dpd_ro"
    assert carrier_key("DPD", DPDS, accounts={"speedy"}) == "speedy"


def test_with_accounts_for_two_dpds_the_country_decides() -> None:
    assert carrier_key("DPD", DPDS, country="RO", accounts={"dpd_pl", "dpd_ro"}) == "dpd_ro"


def test_the_country_s_dpd_not_offered_here_leaves_the_choice_to_detection() -> None:
    assert carrier_key("DPD", ["dpd_pl"], country="RO") is None, "not DPD Polska"
    assert carrier_key("DPD", ["dpd_pl", "dpd_ro"], country="BG") is None
