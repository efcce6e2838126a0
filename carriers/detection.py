"""Which carrier a tracking number belongs to, from its format and check digit.

Detection only *proposes*: formats overlap, so the merchant or customer can pin or
correct the carrier. Rules (CARRIERS.md, "Detecting the carrier from the number"):

* A number that has a known format but fails its check digit is **not returned**: a typo
  is far likelier than a carrier that skips its own check digit, and an empty answer
  lets the portal ask "which carrier?" instead of polling the wrong one.
* Confidence reflects how much a valid check digit proves. A 1 in 7 (DHL mod 7) or
  1 in 10 (mod 10) chance that a random number passes is weak evidence, a ``1Z``
  prefix plus check digit is strong.
* Where several carriers share a format, all are returned, most likely first:

  - 22-digit IMpb starting ``92`` (optionally behind ``420`` + ZIP): USPS, then FedEx
    (Ground Economy / SmartPost labels are IMpb barcodes delivered by USPS).
  - 20-digit numbers: valid as written → USPS; valid only with the ``92`` application
    identifier put back in front → FedEx SmartPost first, then USPS; valid with ``91`` in
    front (the older identifier) → USPS first, then FedEx.
  - UPU S10 (``EA123456785US``): ``US`` → USPS. ``DE`` → DHL (the Unified Tracking API
    covers Deutsche Post), then USPS. Any other country → USPS at low confidence,
    because USPS tracks inbound international mail by its S10 number and the sending
    country's post is not a built-in adapter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from carriers.checkdigits import fedex12_check, mod7_check, mod10, s10_check, ups_check

__all__ = [
    "Candidate", "detect", "fedex12_check", "is_plausible", "mod7_check", "mod10",
    "normalise", "s10_check", "ups_check",
]  # fmt: skip

Candidate = tuple[str, float]

#: Whitespace, ASCII and Unicode dashes (people paste from e-mails) and dots.
_JUNK = re.compile(r"[\s\-\u2010-\u2015\u2212.]+")
_ALNUM = re.compile(r"[0-9A-Z]+")

_UPS = re.compile(r"1Z[0-9A-Z]{15}[0-9]")
_S10 = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")
_IMPB = re.compile(r"(?:420(?:[0-9]{5}|[0-9]{9}))?(9[1-5][0-9]{20})")
_FEDEX_96 = re.compile(r"96[0-9]{20}")


def normalise(number: str) -> str:
    """Strip spaces, dashes and dots; upper-case. What every rule below looks at."""
    return _JUNK.sub("", number).upper()


def is_plausible(number: str) -> bool:
    """True for 7–40 ASCII letters/digits after normalising: anything else is a typo."""
    if not isinstance(number, str):
        return False
    text = normalise(number)
    return 7 <= len(text) <= 40 and _ALNUM.fullmatch(text) is not None


# --- one function per format family; each yields (carrier, confidence) ---


def _ups(n: str) -> Iterator[Candidate]:
    if _UPS.fullmatch(n) and ups_check(n[2:17]) == int(n[17]):
        yield ("ups", 0.99)


def _impb(n: str) -> Iterator[Candidate]:
    match = _IMPB.fullmatch(n)
    if not match:
        return
    core = match.group(1)
    if mod10(core[:21]) != int(core[21]):
        return
    if core.startswith("92"):
        yield from (("usps", 0.85), ("fedex", 0.4))
    elif core.startswith("91"):
        yield ("usps", 0.75)
    else:
        yield ("usps", 0.9)


def _twenty(n: str) -> Iterator[Candidate]:
    if len(n) != 20 or not n.isdigit():
        return
    check, payload = int(n[19]), n[:19]
    if mod10(payload, from_right=False) == check:
        yield ("usps", 0.8)
    elif mod10("92" + payload) == check:
        yield from (("fedex", 0.7), ("usps", 0.5))
    elif mod10("91" + payload) == check:
        yield from (("usps", 0.6), ("fedex", 0.5))


def _fedex(n: str) -> Iterator[Candidate]:
    if not n.isdigit():
        return
    if len(n) == 12 and fedex12_check(n[:11]) == int(n[11]):
        yield ("fedex", 0.9)
    elif len(n) == 15 and mod10(n[:14]) == int(n[14]):
        yield ("fedex", 0.85)
    elif _FEDEX_96.fullmatch(n) and mod10(n[7:21]) == int(n[21]):
        # The "96" barcode ends in the 15-digit Ground number; its check digit covers that.
        yield ("fedex", 0.9)


def _s10(n: str) -> Iterator[Candidate]:
    if not _S10.fullmatch(n) or s10_check(n[2:10]) != int(n[10]):
        return
    country = n[11:]
    if country == "US":
        yield ("usps", 0.9)
    elif country == "DE":
        yield from (("dhl", 0.5), ("usps", 0.2))
    else:
        yield ("usps", 0.3)


def _dhl(n: str) -> Iterator[Candidate]:
    if len(n) in (10, 11) and n.isdigit() and mod7_check(n[:-1]) == int(n[-1]):
        yield ("dhl", 0.6 if len(n) == 10 else 0.5)


_RULES: tuple[Callable[[str], Iterator[Candidate]], ...] = (
    _ups,
    _impb,
    _twenty,
    _fedex,
    _s10,
    _dhl,
)


def detect(number: str) -> list[Candidate]:
    """Candidate carriers for ``number``, most likely first, with a confidence 0..1.

    Empty when nothing matches (or only a format matches and its check digit fails).
    Never raises, whatever the text.
    """
    if not is_plausible(number):
        return []
    text = normalise(number)
    best: dict[str, float] = {}
    for rule in _RULES:
        for carrier, confidence in rule(text):
            best[carrier] = max(confidence, best.get(carrier, 0.0))
    return sorted(best.items(), key=lambda item: -item[1])
