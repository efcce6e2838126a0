"""Which of a country's zone names stands for one of its clocks.

Several tz zones often keep the same clock all year (Spain's mainland: Europe/Madrid and
Africa/Ceuta; Portugal's: Europe/Lisbon and Atlantic/Madeira). The clock is named by its
principal zone, ranked:

1. :data:`PRINCIPAL`, a short list: the capital's zone of each country with several clocks
   (Canberra keeps Sydney's clock, Brasília São Paulo's) and, for a second clock where tz's
   order names a small place first, its most populous city's (Adelaide, not Broken Hill);
2. the zone the clock is called after (CLDR's metazone: "Samara time" is Europe/Samara,
   not Europe/Astrakhan);
3. tzdb's own order in ``zone1970.tab``, which lists a country's most populous zones first
   where geography allows (Europe/Madrid before Africa/Ceuta);
4. the zone CLDR's Windows mapping takes as its golden one, then CLDR's order (when no
   ``zone1970.tab`` is installed).

Where law keeps one clock on a country that tzdb gives several (Ukraine: Europe/Kyiv, not
Crimea's Europe/Simferopol), :data:`carriers.timestamps.LEGAL_ZONES` says so, for carriers'
scans and the portal's clocks alike.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel.core import get_global

#: Zones preferred to the others keeping their clock (see the module's docstring).
PRINCIPAL = frozenset(
    {
        # The capital's clock.
        "America/Mexico_City",
        "America/New_York",  # Washington
        "America/Santiago",
        "America/Sao_Paulo",  # Brasília
        "America/Toronto",  # Ottawa
        "Asia/Jakarta",
        "Australia/Sydney",  # Canberra
        "Europe/Lisbon",
        "Europe/Madrid",
        "Europe/Moscow",
        "Pacific/Pohnpei",  # Palikir (Micronesia)
        # A second clock's most populous city, where zone1970.tab lists a smaller place first.
        "America/Manaus",
        "America/Punta_Arenas",
        "America/Whitehorse",
        "Australia/Adelaide",
    }
)


def _read_tab() -> str:
    """``zone1970.tab`` from the tz database zoneinfo uses: a TZPATH folder, else the
    ``tzdata`` package; empty when neither has it."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone1970.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return (resources.files("tzdata") / "zoneinfo" / "zone1970.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@lru_cache(maxsize=1)
def tzdb_order() -> dict[str, dict[str, int]]:
    """Country -> {zone: its place among the country's rows of ``zone1970.tab``}."""
    order: dict[str, dict[str, int]] = {}
    for line in _read_tab().splitlines():
        if not line or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 3:
            continue
        for country in columns[0].split(","):
            zones = order.setdefault(country, {})
            zones.setdefault(columns[2], len(zones))
    return order


def principal(country: str, names: list[str]) -> str:
    """The zone of ``names`` (zones of ``country`` keeping one clock, in CLDR's order) that
    names their clock."""
    meta_zones = get_global("meta_zones")
    golden = set(get_global("windows_zone_mapping").values())
    placed = tzdb_order().get(country.upper(), {})

    def rank(index_name: tuple[int, str]) -> tuple[bool, bool, int, bool, int]:
        index, name = index_name
        return (
            name not in PRINCIPAL,
            name.rsplit("/", 1)[-1] != meta_zones.get(name),
            placed.get(name, len(placed)),
            name not in golden,
            index,
        )

    return min(enumerate(names), key=rank)[1]
