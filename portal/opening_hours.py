"""A pickup point's opening hours in the reader's language.

Adapters word hours with English day abbreviations ("Mon–Fri 09:00–19:00, Sat 10:00–14:00",
:attr:`carriers.base.PickupPoint.opening_hours`); a page or message in another language
shows those days as its locale abbreviates them (CLDR through Babel: "пн–пт", "сб" in
Bulgarian), and "& holidays" (Poczta Polska's "Sun & holidays") as the language says it
("niedz. i święta"). Times, dashes and anything else the carrier wrote stay as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import get_day_names

from portal.i18n import lazy, translations

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY = re.compile(r"\b(" + "|".join(_DAYS) + r")\b")
#: Public holidays after a day, as adapters write them: "Sun & holidays".
_HOLIDAYS = re.compile(r"\s*&\s*holidays\b")
#: Translators: follows a day's abbreviation in opening hours ("Sun and public holidays").
AND_HOLIDAYS = lazy("and public holidays")


@lru_cache(maxsize=32)
def _names(locale: str) -> dict[str, str]:
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return {}
    names = get_day_names("abbreviated", locale=parsed)
    return {english: str(names[index]) for index, english in enumerate(_DAYS)}


def localise_hours(hours: str | None, locale: str | None) -> str | None:
    """``hours`` with its English day abbreviations in ``locale``'s."""
    if not hours or not locale or locale.split("_")[0].split("-")[0] == "en":
        return hours
    names = _names(locale)
    if not names:
        return hours
    days = _DAY.sub(lambda found: names[found.group(1)], hours)
    holidays = translations(locale.split("_")[0].split("-")[0]).ugettext(AND_HOLIDAYS)
    return _HOLIDAYS.sub(lambda _found: f" {holidays}", days)
