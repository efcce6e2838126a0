"""``zone_name_or_none``, the one check of a zone name wherever one is given (``portal
merchant create``, ``PORTAL_TIME_ZONE``, the Settings screen and API, a store's zone) or
stored (analytics write it into SQL): every zone zoneinfo knows passes, anything else is
None, which each caller words its own way."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from carriers.timestamps import LEGAL_ZONES, country_zone
from portal.core import timezones


def test_every_zone_zoneinfo_offers_passes_the_check() -> None:
    refused = sorted(
        name for name in zoneinfo.available_timezones() if timezones.zone_name_or_none(name) != name
    )
    assert refused == []


@pytest.mark.parametrize(
    "name",
    ["", None, "Mars/Olympus", "../../etc/localtime", "/etc/localtime", "Europe//Warsaw",
     "Europe/Warsaw/", "Europe/./Warsaw", "Europe/Warsaw\n", "Europe/Warsaw'--"],
)  # fmt: skip
def test_an_empty_name_a_path_or_an_unknown_zone_is_none(name: str | None) -> None:
    assert timezones.zone_name_or_none(name) is None
    assert timezones.zone_or_none(name) is None


def test_the_portal_and_the_carriers_keep_the_same_legal_clock() -> None:
    """One table (:data:`carriers.timestamps.LEGAL_ZONES`): a Ukrainian scan's wall time
    and a Ukrainian address's quiet hours are read on the same clock, Kyiv's, in winter
    too, when tz's Europe/Simferopol (Moscow time) disagrees with it."""
    winter = datetime(2026, 11, 21, 9, 30)
    for country in LEGAL_ZONES:
        assert timezones.zone_for_country(country) == country_zone(country, winter)
    assert timezones.zone_for_country("UA") == ZoneInfo("Europe/Kyiv")
