"""``zone_name_or_none``, the one check of a zone name wherever one is given (``portal
merchant create``, ``PORTAL_TIME_ZONE``, the Settings screen and API, a store's zone) or
stored (analytics write it into SQL): every zone zoneinfo knows passes, anything else is
None, which each caller words its own way."""

from __future__ import annotations

import zoneinfo

import pytest

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
