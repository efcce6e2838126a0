"""Which carrier a tracking number belongs to, from the formats the adapters declare.

Detection only *proposes*: formats overlap, so the merchant or customer can pin or
correct the carrier. The rules live with each adapter (CARRIERS.md, "Detecting the
carrier from the number"): every registered adapter, built-in or third-party, declares
its :attr:`~carriers.base.CarrierAdapter.number_formats` (pattern, check digit,
confidence) and, for a national post, its
:attr:`~carriers.base.CarrierAdapter.postal_countries`. This module only reads them:

* A number that has a known format but fails its check digit is **not returned**: a typo
  is far likelier than a carrier that skips its own check digit, and an empty answer
  lets the portal ask "which carrier?" instead of polling the wrong one.
* Confidence is the adapter's: how much its format plus a valid check digit proves.
  Where several adapters claim a number, all are returned, most likely first (the
  highest confidence per carrier; ties in key order, so answers are stable).
* UPU S10 numbers (``RR123456785PL``) go to the post of the country in their last two
  letters, when an adapter's ``postal_countries`` names it, at :data:`S10_CONFIDENCE`;
  otherwise to nobody. An S10 number says which post issued it, never who else might
  carry it, so a guess across the world would only poll the wrong carrier.

The compiled table (one list of formats, one map of postal countries) is built once per
registry load and rebuilt after :func:`carriers.registry.reload` or ``register``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from carriers import registry
from carriers.base import CarrierAdapter, NumberFormat
from carriers.checkdigits import fedex12_check, mod7_check, mod10, s10_check, s10_valid, ups_check

__all__ = [
    "S10_CONFIDENCE", "Candidate", "Table", "detect", "fedex12_check", "is_plausible",
    "mod7_check", "mod10", "normalise", "s10_check", "s10_country", "table",
    "ups_check",
]  # fmt: skip

Candidate = tuple[str, float]

log = logging.getLogger(__name__)

#: Whitespace, ASCII and Unicode dashes (people paste from e-mails) and dots.
_JUNK = re.compile(r"[\s\-\u2010-\u2015\u2212.]+")
_ALNUM = re.compile(r"[0-9A-Z]+")
_S10 = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")

#: An S10 number with a valid check digit naming a country whose post we track: the
#: issuing post is certain, only the adapter's coverage of it could disappoint.
S10_CONFIDENCE = 0.9


def normalise(number: str) -> str:
    """Strip spaces, dashes and dots; upper-case. What every format is matched against."""
    return _JUNK.sub("", number).upper()


def is_plausible(number: str) -> bool:
    """True for 7–40 ASCII letters/digits after normalising: anything else is a typo."""
    if not isinstance(number, str):
        return False
    text = normalise(number)
    return 7 <= len(text) <= 40 and _ALNUM.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Table:
    """Every adapter's formats and postal countries, compiled for :func:`detect`."""

    formats: tuple[tuple[str, NumberFormat], ...]
    #: S10 country code -> adapter keys whose post it is.
    posts: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, adapters: Iterable[type[CarrierAdapter]]) -> Table:
        """Read the declarations, skipping (and logging) any a plugin got wrong."""
        formats: list[tuple[str, NumberFormat]] = []
        posts: dict[str, list[str]] = {}
        for adapter in sorted(adapters, key=lambda a: a.key):
            for fmt in getattr(adapter, "number_formats", ()) or ():
                if _usable(fmt):
                    formats.append((adapter.key, fmt))
                else:
                    log.warning("carrier %r: ignoring number format %r", adapter.key, fmt)
            for country in getattr(adapter, "postal_countries", ()) or ():
                if isinstance(country, str) and len(country) == 2:
                    posts.setdefault(country.upper(), []).append(adapter.key)
        return cls(tuple(formats), {c: tuple(keys) for c, keys in posts.items()})

    def candidates(self, text: str) -> list[Candidate]:
        """Candidates for an already normalised, plausible number."""
        best: dict[str, float] = {}
        for key, fmt in self.formats:
            if fmt.confidence > best.get(key, 0.0) and _matches(key, fmt, text):
                best[key] = fmt.confidence
        if _S10.fullmatch(text) and s10_valid(text):
            for key in self.posts.get(text[11:], ()):
                best[key] = max(S10_CONFIDENCE, best.get(key, 0.0))
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))


def _usable(fmt: object) -> bool:
    return (
        isinstance(fmt, NumberFormat)
        and isinstance(fmt.pattern, re.Pattern)
        and isinstance(fmt.confidence, int | float)
        and 0.0 < fmt.confidence <= 1.0
        and (fmt.check is None or callable(fmt.check))
    )


def _matches(key: str, fmt: NumberFormat, text: str) -> bool:
    """``fmt.matches``, with a third-party check digit that raises counted as no match."""
    try:
        return fmt.matches(text)
    except Exception:  # a plugin's bug must not break detection for every carrier
        log.warning("carrier %r: number format %r raised on %r", key, fmt.name, text)
        return False


_cache: tuple[int, Table] | None = None


def table() -> Table:
    """The table for the adapters registered now; rebuilt when the registry changes."""
    global _cache
    generation = registry.generation()
    if _cache is None or _cache[0] != generation:
        built = Table.build(registry.adapters().values())
        _cache = (generation, built)
        return built
    return _cache[1]


def s10_country(number: str) -> str | None:
    """The issuing country of a UPU S10 number with a valid check digit, else None.

    For messages: "a postal number from PL" tells the user which carrier to pick.
    """
    if not is_plausible(number):
        return None
    text = normalise(number)
    return text[11:] if _S10.fullmatch(text) and s10_valid(text) else None


def detect(number: str) -> list[Candidate]:
    """Candidate carriers for ``number``, most likely first, with a confidence 0..1.

    Empty when nothing matches (or only a format matches and its check digit fails).
    Never raises, whatever the text.
    """
    if not is_plausible(number):
        return []
    return table().candidates(normalise(number))
