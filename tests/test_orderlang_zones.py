"""A country's clocks are named by their principal zones, and Ukraine keeps Kyiv time.

``portal merchant create`` without ``--time-zone`` takes the country's zone when it keeps
one clock and refuses, naming one zone per clock, when it keeps several
(:mod:`portal.core.timezones`, :mod:`portal.core.zone_names`): the rule is the one the
notifications' recipient zone uses, so a shop and its customers' addresses agree.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portal.core import zone_names
from portal.core.timezones import zone_choices, zone_for_country
from tests.test_cli import portal


@pytest.fixture
def migrated(tmp_path: Path, sqlite_template: Path) -> Path:
    """The committed migrations' database, copied (as tests/test_cli.py's)."""
    shutil.copyfile(sqlite_template, tmp_path / "cli.sqlite3")
    return tmp_path


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        # The mainland's clock by its capital, not by the first zone CLDR lists.
        ("ES", ["Atlantic/Canary", "Europe/Madrid"]),
        ("PT", ["Atlantic/Azores", "Europe/Lisbon"]),
        # Canberra keeps Sydney's clock, Brasília São Paulo's, Ottawa Toronto's.
        ("BR", ["America/Eirunepe", "America/Manaus", "America/Sao_Paulo", "America/Noronha"]),
        ("FM", ["Pacific/Chuuk", "Pacific/Pohnpei"]),
    ],
)
def test_each_clock_is_named_by_its_principal_zone(country: str, expected: list[str]) -> None:
    assert zone_choices(country) == expected


def test_the_capitals_clock_names_the_big_countries_main_clocks() -> None:
    assert "Australia/Sydney" in zone_choices("AU")
    assert "Australia/Adelaide" in zone_choices("AU")  # not Broken Hill
    assert "America/Toronto" in zone_choices("CA")
    assert zone_choices("US")[-3:] == ["America/Denver", "America/Chicago", "America/New_York"]
    assert zone_choices("RU")[1:3] == ["Europe/Moscow", "Europe/Samara"]  # "Samara time"


def test_a_country_of_one_clock_is_named_by_its_capital() -> None:
    assert zone_for_country("CY").key == "Asia/Nicosia"  # type: ignore[union-attr]
    assert zone_for_country("PL").key == "Europe/Warsaw"  # type: ignore[union-attr]


def _offset_now(zone: str) -> timedelta | None:
    return datetime.now(ZoneInfo(zone)).utcoffset()


@pytest.mark.skipif(
    _offset_now("Asia/Aqtau") != _offset_now("Asia/Almaty"),
    reason="Kazakhstan keeps one clock from tzdata 2024b on (Almaty moved to UTC+5); "
    "this tz database still has two",
)
def test_kazakhstan_of_one_clock_is_named_by_almaty() -> None:
    assert zone_for_country("KZ").key == "Asia/Almaty"  # type: ignore[union-attr]


def test_ukraine_keeps_kyiv_time_everywhere() -> None:
    """Ukrainian law keeps one time on all its territory; tz's Europe/Simferopol is the
    clock Crimea is made to keep under occupation, not a Ukrainian choice to offer."""
    assert zone_for_country("UA").key == "Europe/Kyiv"  # type: ignore[union-attr]
    assert zone_for_country("ua") == zone_for_country("UA")
    assert zone_choices("UA") == []


def test_without_tzdbs_table_cldrs_order_still_names_one_zone_per_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone_names.tzdb_order.cache_clear()
    monkeypatch.setattr(zone_names, "_read_tab", lambda: "")
    try:
        assert zone_names.principal("ES", ["Africa/Ceuta", "Europe/Madrid"]) == "Europe/Madrid"
        assert zone_names.principal("RU", ["Europe/Astrakhan", "Europe/Samara"]) == (
            "Europe/Samara"
        )
    finally:
        zone_names.tzdb_order.cache_clear()


def create(root: Path, country: str) -> subprocess.CompletedProcess[str]:
    """``portal merchant create`` of a shop in ``country``, without ``--time-zone``."""
    slug = country.lower()
    return portal(root, "merchant", "create", "--slug", slug, "--name", slug, "--country", country)


def test_merchant_create_names_the_principal_zones_and_puts_ukraine_on_kyiv_time(
    migrated: Path,
) -> None:
    refused = {country: create(migrated, country) for country in ("ES", "PT")}
    assert refused["ES"].returncode == refused["PT"].returncode == 1
    assert "ES keeps 2 time zones: give --time-zone, one of Atlantic/Canary, Europe/Madrid" in (
        refused["ES"].stderr
    )
    assert "PT keeps 2 time zones: give --time-zone, one of Atlantic/Azores, Europe/Lisbon" in (
        refused["PT"].stderr
    )
    made = create(migrated, "UA")
    assert made.returncode == 0, made.stderr
    assert "time zone Europe/Kyiv" in made.stdout
    with sqlite3.connect(migrated / "cli.sqlite3") as db:
        zones = dict(db.execute("SELECT slug, time_zone FROM merchant").fetchall())
    assert zones == {"ua": "Europe/Kyiv"}
