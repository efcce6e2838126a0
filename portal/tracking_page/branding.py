"""Merchant branding on the tracking page: name, logo and colours as CSS custom properties.

Colours come from ``merchant.branding`` and are accepted only as ``#rrggbb``; anything else
is ignored, so a stylesheet can never carry injected CSS. A colour too light to read on
white is darkened until text in it passes WCAG AA (4.5:1), and the text colour on top of
it is whichever of white or near-black contrasts more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
WHITE = (255, 255, 255)
INK = (27, 31, 36)  # --ink in portal.css
TEXT_CONTRAST = 4.5
UI_CONTRAST = 3.0


def valid_colour(value: Any) -> str | None:
    """``value`` lower-cased when it is exactly ``#rrggbb``, else None."""
    if isinstance(value, str) and _HEX.fullmatch(value.strip()):
        return value.strip().lower()
    return None


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on_white(colour: str, ratio: float = TEXT_CONTRAST) -> str:
    """``colour`` darkened in small steps until it reaches ``ratio`` against white."""
    rgb = _rgb(colour)
    while contrast(rgb, WHITE) < ratio:
        rgb = (int(rgb[0] * 0.9), int(rgb[1] * 0.9), int(rgb[2] * 0.9))
    return _hex(rgb)


def text_on(colour: str) -> str:
    rgb = _rgb(colour)
    return "#ffffff" if contrast(rgb, WHITE) >= contrast(rgb, INK) else _hex(INK)


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    slug: str
    logo_path: str | None
    primary: str | None
    accent: str | None
    #: How a customer reaches the shop (from the workspace's branding settings).
    support_email: str | None = None
    support_url: str | None = None
    support_phone: str | None = None

    @property
    def has_contact(self) -> bool:
        return bool(self.support_email or self.support_url or self.support_phone)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def brand_of(merchant: Any) -> Brand:
    branding = merchant.branding if isinstance(merchant.branding, Mapping) else {}
    logo = branding.get("logo_path")
    return Brand(
        name=merchant.name,
        slug=merchant.slug,
        logo_path=logo if isinstance(logo, str) and logo.strip() else None,
        primary=valid_colour(branding.get("primary_color")),
        accent=valid_colour(branding.get("accent_color")),
        support_email=_text(branding.get("support_email")),
        # Only a web address is a link: anything else stored there is not shown.
        support_url=url
        if (url := _text(branding.get("support_url"))) and url.startswith("https://")
        else None,
        support_phone=_text(branding.get("support_phone")),
    )


def stylesheet(brand: Brand) -> str:
    """The merchant's CSS: custom properties only, overriding portal.css's defaults."""
    lines = []
    if brand.primary:
        primary = readable_on_white(brand.primary)
        lines += [f"  --brand: {primary};", f"  --brand-contrast: {text_on(primary)};"]
    if brand.accent:
        lines.append(f"  --accent: {readable_on_white(brand.accent, UI_CONTRAST)};")
    body = "\n".join(lines)
    name = re.sub(r"[^A-Za-z0-9_-]", "", brand.slug)
    return f"/* {name} */\n:root {{\n{body}\n}}\n" if lines else f"/* {name} */\n"
