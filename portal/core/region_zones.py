"""The clock of a US state, for a country whose address alone cannot name one.

The United States keeps six clocks on its mainland and islands, so its country code says
nothing about a customer's hour: a New York shop's text "at 08:00" reaches Los Angeles at
05:00. The state on the shipping address does (the TCPA's calling hours, 8 a.m. to 9 p.m.,
are the called party's local time: 47 CFR 64.1200(c)(1)). A state split between two
clocks gets the clock most of its people keep (Texas: Central; Florida, Indiana, Kentucky,
Michigan: Eastern; Tennessee: Central, as Nashville and Memphis; Idaho: Mountain, as
Boise; Oregon: Pacific; North and South Dakota, Nebraska, Kansas: Central). Arizona keeps
no daylight saving time (America/Phoenix). States are read as their USPS two-letter code
or their name, in any case: Shopify writes ``province`` "California" and
``province_code`` "CA"; WooCommerce's ``state`` is the code.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

_EASTERN = "America/New_York"
_CENTRAL = "America/Chicago"
_MOUNTAIN = "America/Denver"
_PACIFIC = "America/Los_Angeles"

#: USPS code -> (state's name, its zone).
US_STATES: dict[str, tuple[str, str]] = {
    "AL": ("Alabama", _CENTRAL),
    "AK": ("Alaska", "America/Anchorage"),
    "AZ": ("Arizona", "America/Phoenix"),
    "AR": ("Arkansas", _CENTRAL),
    "CA": ("California", _PACIFIC),
    "CO": ("Colorado", _MOUNTAIN),
    "CT": ("Connecticut", _EASTERN),
    "DE": ("Delaware", _EASTERN),
    "DC": ("District of Columbia", _EASTERN),
    "FL": ("Florida", _EASTERN),
    "GA": ("Georgia", _EASTERN),
    "HI": ("Hawaii", "Pacific/Honolulu"),
    "ID": ("Idaho", "America/Boise"),
    "IL": ("Illinois", _CENTRAL),
    "IN": ("Indiana", "America/Indiana/Indianapolis"),
    "IA": ("Iowa", _CENTRAL),
    "KS": ("Kansas", _CENTRAL),
    "KY": ("Kentucky", "America/Kentucky/Louisville"),
    "LA": ("Louisiana", _CENTRAL),
    "ME": ("Maine", _EASTERN),
    "MD": ("Maryland", _EASTERN),
    "MA": ("Massachusetts", _EASTERN),
    "MI": ("Michigan", "America/Detroit"),
    "MN": ("Minnesota", _CENTRAL),
    "MS": ("Mississippi", _CENTRAL),
    "MO": ("Missouri", _CENTRAL),
    "MT": ("Montana", _MOUNTAIN),
    "NE": ("Nebraska", _CENTRAL),
    "NV": ("Nevada", _PACIFIC),
    "NH": ("New Hampshire", _EASTERN),
    "NJ": ("New Jersey", _EASTERN),
    "NM": ("New Mexico", _MOUNTAIN),
    "NY": ("New York", _EASTERN),
    "NC": ("North Carolina", _EASTERN),
    "ND": ("North Dakota", _CENTRAL),
    "OH": ("Ohio", _EASTERN),
    "OK": ("Oklahoma", _CENTRAL),
    "OR": ("Oregon", _PACIFIC),
    "PA": ("Pennsylvania", _EASTERN),
    "RI": ("Rhode Island", _EASTERN),
    "SC": ("South Carolina", _EASTERN),
    "SD": ("South Dakota", _CENTRAL),
    "TN": ("Tennessee", _CENTRAL),
    "TX": ("Texas", _CENTRAL),
    "UT": ("Utah", _MOUNTAIN),
    "VT": ("Vermont", _EASTERN),
    "VA": ("Virginia", _EASTERN),
    "WA": ("Washington", _PACIFIC),
    "WV": ("West Virginia", _EASTERN),
    "WI": ("Wisconsin", _CENTRAL),
    "WY": ("Wyoming", _MOUNTAIN),
    "PR": ("Puerto Rico", "America/Puerto_Rico"),
    "GU": ("Guam", "Pacific/Guam"),
    "VI": ("U.S. Virgin Islands", "America/St_Thomas"),
    "AS": ("American Samoa", "Pacific/Pago_Pago"),
    "MP": ("Northern Mariana Islands", "Pacific/Saipan"),
}
_BY_NAME = {name.casefold(): code for code, (name, _zone) in US_STATES.items()}

#: The countries whose addresses' regions name a clock here.
COUNTRIES: frozenset[str] = frozenset({"US"})


def state_of(country: str | None, region: str | None) -> str | None:
    """The USPS code of ``region`` (a state's code or name, in any case, spaces around it
    ignored) in ``country``; None when the country is not the United States or the state
    is not known."""
    if (country or "").upper() not in COUNTRIES or not region:
        return None
    wanted = region.strip()
    if wanted.upper() in US_STATES:
        return wanted.upper()
    return _BY_NAME.get(wanted.casefold())


def spellings(code: str) -> tuple[str, str]:
    """The upper-case spellings :func:`state_of` reads as the state ``code``: its code and
    its name. Analytics match a region with them in SQL (``upper(trim(region))``), so the
    database reads a state as Python does (SQL's ``trim`` takes spaces only: a tab or a
    line break around a stored state is read here and not there)."""
    return code, US_STATES[code][0].upper()


def zone_for_region(country: str | None, region: str | None) -> ZoneInfo | None:
    """The zone of ``region`` (a state's code or name) in ``country``; None when the country
    is not the United States or the state is not known."""
    code = state_of(country, region)
    return ZoneInfo(US_STATES[code][1]) if code else None
