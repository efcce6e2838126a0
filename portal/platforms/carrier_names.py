"""The carrier a store names ("UPS", "DHL Express", "InPost") as one of our carrier keys.

Shopify's tracking companies, the Shipment Tracking extension's providers and PrestaShop's
carrier names are free text; this table maps the names shops use to adapter keys. A name
it does not know (or a carrier this portal does not offer) leaves the choice to detection
from the number.
"""

from __future__ import annotations

import re
import unicodedata

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


def _normal(name: str) -> str:
    """Lower case, accents dropped, words of letters and digits in any script."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)
    )
    return re.sub(r"[\W_]+", " ", plain).strip()


def carrier_key(name: str | None, offered: list[str]) -> str | None:
    """Our key for the store's carrier name, if we know it and this portal offers it."""
    if not name:
        return None
    key = NAMES.get(_normal(name))
    if key is None:
        normal = _normal(name).replace(" ", "_")
        key = normal if normal in offered else None
    return key if key in offered else None
