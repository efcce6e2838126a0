"""Which clock a carrier's wall time without an offset is read on (:mod:`carriers.timestamps`,
rule 3): the scan's country's zone where it has one clock, by tz or by law, else UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from carriers.timestamps import LEGAL_ZONES, country_zone, legal_zone, to_utc
from tests.carriers.helpers import utc

WINTER = datetime(2026, 11, 21, 9, 30)  # Kyiv on UTC+2, Simferopol on Moscow's UTC+3
SUMMER = datetime(2026, 7, 21, 9, 30)  # both on UTC+3


@pytest.mark.parametrize("moment", [WINTER, SUMMER, None])
def test_ukraine_is_read_on_kyiv_time_whatever_tz_lists_for_crimea(moment):
    """Ukraine's legal time is Kyiv time on all its territory; tz's Europe/Simferopol is the
    clock Crimea is made to keep under occupation, which disagrees with Kyiv in winter."""
    assert country_zone("UA", moment) == ZoneInfo("Europe/Kyiv")
    assert country_zone(" ua ", moment) == ZoneInfo("Europe/Kyiv")


def test_a_naive_ukrainian_winter_time_lands_two_hours_before_in_utc():
    assert to_utc(WINTER, country="UA") == utc(2026, 11, 21, 7, 30)
    assert to_utc(SUMMER, country="UA") == utc(2026, 7, 21, 6, 30)


def test_every_country_of_the_legal_table_reads_on_its_legal_zone():
    for country, zone in LEGAL_ZONES.items():
        assert legal_zone(country) == ZoneInfo(zone)
        assert country_zone(country, WINTER) == ZoneInfo(zone)
    assert legal_zone("RU") is None and legal_zone(None) is None and legal_zone("") is None


@pytest.mark.parametrize("moment", [WINTER, SUMMER, None])
def test_russia_keeps_several_clocks_and_is_read_as_utc(moment):
    """Kaliningrad to Kamchatka never agree: no zone, so ``to_utc`` reads UTC."""
    assert country_zone("RU", moment) is None
    assert to_utc(WINTER, country="RU") == utc(2026, 11, 21, 9, 30)


def test_countries_whose_zones_agree_or_not_are_unchanged():
    assert country_zone("FR", WINTER) == ZoneInfo("Europe/Paris")
    assert country_zone("DE", WINTER) == ZoneInfo("Europe/Berlin")  # and Busingen
    assert country_zone("DE") is None  # several zones and no moment to compare them at
    assert country_zone("US", WINTER) is None
    assert country_zone(None, WINTER) is None and country_zone("XX", WINTER) is None
