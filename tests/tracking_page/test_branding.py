"""Merchant colours: only #rrggbb, adjusted for contrast, as custom properties."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.tracking_page import branding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("#AA3300", "#aa3300"),
        (" #00ff00 ", "#00ff00"),
        ("#abc", None),
        ("red", None),
        ("#12345g", None),
        ("#123456; color: red", None),
        (None, None),
        (123, None),
    ],
)
def test_only_rrggbb_colours_are_accepted(value: object, expected: str | None) -> None:
    assert branding.valid_colour(value) == expected


def test_a_light_colour_is_darkened_until_it_can_be_read_on_white() -> None:
    adjusted = branding.readable_on_white("#ffee00")
    assert branding.contrast(branding._rgb(adjusted), branding.WHITE) >= 4.5
    assert branding.readable_on_white("#1f5fbf") == "#1f5fbf"


def test_the_text_on_a_colour_is_white_or_ink_whichever_reads_better() -> None:
    assert branding.text_on("#1f5fbf") == "#ffffff"
    assert branding.text_on("#ffffff") == "#1b1f24"


def test_the_stylesheet_has_custom_properties_only() -> None:
    merchant = SimpleNamespace(
        name="Acme",
        slug="acme*/x",
        branding={"primary_color": "#ffee00", "accent_color": "#00aa00"},
    )
    css = branding.stylesheet(branding.brand_of(merchant))
    assert css.startswith("/* acmex */")
    assert "--brand: #" in css and "--brand-contrast: #" in css and "--accent: #" in css
    assert "#ffee00" not in css  # too light for text on white


def test_no_colours_means_an_empty_stylesheet_and_no_logo() -> None:
    merchant = SimpleNamespace(name="Plain", slug="plain", branding={"logo_path": "  "})
    brand = branding.brand_of(merchant)
    assert brand.logo_path is None
    assert ":root" not in branding.stylesheet(brand)
