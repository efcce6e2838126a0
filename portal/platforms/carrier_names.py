"""The carrier a store names ("UPS", "DHL Express", "InPost") as one of our carrier keys.

Shopify's tracking companies, the Shipment Tracking extension's providers, PrestaShop's
carrier names and a CSV's ``carrier`` cell are free text; this table maps the names shops
use to adapter keys. A name it does not know (or a carrier this portal does not offer)
leaves the choice to detection from the number.

One brand is several carriers: "DPD" is DPD Polska in Poland, DPD Romania in Romania and,
in Bulgaria, Speedy (DPD's partner there). For such a name (:data:`BRANDS`) the carrier the
shop has an account for wins; else the one of the shop's country (:data:`BY_COUNTRY`);
else :data:`NAMES`' default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

#: Normalised store name -> carrier key.
NAMES: dict[str, str] = {
    "ups": "ups",
    "fedex": "fedex",
    "federal express": "fedex",
    "usps": "usps",
    "united states postal service": "usps",
    "dhl": "dhl",
    "dhl express": "dhl",
    "dhl ecommerce": "dhl",
    "dhl parcel": "dhl",
    "inpost": "inpost",
    "inpost paczkomaty": "inpost",
    "inpost paczkomaty 24 7": "inpost",
    "paczkomaty inpost": "inpost",
    "kurier inpost": "inpost",
    "poczta polska": "poczta_polska",
    "pocztex": "poczta_polska",
    "dpd": "dpd_pl",
    "dpd poland": "dpd_pl",
    "dpd polska": "dpd_pl",
    "kurier dpd": "dpd_pl",
    "dpd romania": "dpd_ro",
    "dpd ro": "dpd_ro",
    "curier dpd": "dpd_ro",
    "dpdbox": "dpd_ro",
    "dpd bulgaria": "speedy",
    "gls": "gls",
    "fan courier": "fan_courier",
    "fancourier": "fan_courier",
    "fanbox": "fan_courier",
    "fan courier fanbox": "fan_courier",
    "sameday": "sameday",
    "sameday courier": "sameday",
    "sameday easybox": "sameday",
    "sameday locker": "sameday",
    "easybox": "sameday",
    "cargus": "cargus",
    "urgent cargus": "cargus",
    "easypost": "easypost",
    # Greece, Bulgaria, Ukraine, Russia: the Latin names and those in the shop's script.
    "acs": "acs",
    "acs courier": "acs",
    "acs courier sa": "acs",
    "box now": "boxnow",
    "boxnow": "boxnow",
    "elta": "elta",
    "elta courier": "elta",
    "hellenic post": "elta",
    "ελτα": "elta",
    "ελτα courier": "elta",
    "ελληνικα ταχυδρομεια": "elta",
    "geniki": "geniki",
    "geniki taxydromiki": "geniki",
    "geniki taxidromiki": "geniki",
    "taxydromiki": "geniki",
    "γενικη ταχυδρομικη": "geniki",
    "speedy": "speedy",
    "спиди": "speedy",
    "econt": "econt",
    "econt express": "econt",
    "еконт": "econt",
    "еконт експрес": "econt",
    "nova poshta": "nova_poshta",
    "novaposhta": "nova_poshta",
    "нова пошта": "nova_poshta",
    "новая почта": "nova_poshta",
    "ukrposhta": "ukrposhta",
    "ukrpost": "ukrposhta",
    "ukrposhta express": "ukrposhta",
    "ukrainian post": "ukrposhta",
    "укрпошта": "ukrposhta",
    "укрпочта": "ukrposhta",
    "cdek": "cdek",
    "сдэк": "cdek",
    "russian post": "russian_post",
    "pochta rossii": "russian_post",
    "почта россии": "russian_post",
}


#: Names several carriers answer to: the carriers, for the shop's accounts to choose.
BRANDS: dict[str, frozenset[str]] = {"dpd": frozenset({"dpd_pl", "dpd_ro", "speedy"})}

#: Shop country (ISO 3166) -> normalised name -> carrier key, for :data:`BRANDS` names.
BY_COUNTRY: dict[str, dict[str, str]] = {
    "PL": {"dpd": "dpd_pl"},
    "RO": {"dpd": "dpd_ro"},
    "BG": {"dpd": "speedy"},
}


def _normal(name: str) -> str:
    """Lower case, accents dropped, words of letters and digits in any script."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)
    )
    return re.sub(r"[\W_]+", " ", plain).strip()


def carrier_key(
    name: str | None,
    offered: Collection[str],
    *,
    country: str | None = None,
    accounts: Collection[str] = (),
) -> str | None:
    """Our key for the store's carrier name, if we know it and this portal offers it.

    ``country`` is the shop's (``Merchant.country``) and ``accounts`` the carrier keys it
    has accounts for: they decide a name several carriers answer to ("DPD").
    """
    if not name:
        return None
    normal = _normal(name)
    family = BRANDS.get(normal, frozenset()) & set(offered)
    held = family & set(accounts)
    if len(held) == 1:
        return next(iter(held))
    key = BY_COUNTRY.get((country or "").upper(), {}).get(normal) or NAMES.get(normal)
    if key is None:
        key = normal.replace(" ", "_")
    return key if key in offered else None


def home_carriers(country: str | None) -> frozenset[str]:
    """The carriers a brand name means in ``country`` (Romania: ``dpd_ro``), for detection
    to choose between carriers that claim a number alike."""
    return frozenset(BY_COUNTRY.get((country or "").upper(), {}).values())
