"""Phone numbers come out in E.164 whatever their local spelling, or not at all."""

from __future__ import annotations

import pytest

from portal.core import phones
from portal.core.phones import to_e164


@pytest.mark.parametrize(
    ("number", "region", "expected"),
    [
        ("+48 601 234 567", None, "+48601234567"),
        ("601-234-567", "PL", "+48601234567"),
        ("(201) 555-0123", "us", "+12015550123"),
        ("12", "PL", None),
        ("not a number", None, None),
        (None, "PL", None),
    ],
)
def test_numbers_are_normalised_to_e164(
    number: str | None, region: str | None, expected: str | None
) -> None:
    assert to_e164(number, region) == expected


def test_a_number_asked_again_is_answered_from_the_process_cache() -> None:
    """Valid or not, a number's answer is kept: the second ask parses nothing, and an
    invalid number stays refused."""
    phones._to_e164.cache_clear()
    assert to_e164("+48 601 234 567") == "+48601234567"
    assert to_e164("12", "pl") is None
    assert to_e164("+48 601 234 567") == "+48601234567"
    assert to_e164("12", "PL") is None  # the region's case does not matter
    info = phones._to_e164.cache_info()
    assert (info.hits, info.misses) == (2, 2)
    assert to_e164("601-234-567", "PL") == "+48601234567"  # another spelling, parsed
