"""Phone numbers come out in E.164 whatever their local spelling, or not at all."""

from __future__ import annotations

import pytest

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
