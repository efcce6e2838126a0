"""Check digits of tracking-number formats (CARRIERS.md): each returns the expected digit.

Kept apart from :mod:`carriers.detection` so that adapters can declare their formats
(:class:`carriers.base.NumberFormat`) with these functions without importing detection,
which itself reads the adapters.
"""

from __future__ import annotations

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_FEDEX_WEIGHTS = (3, 1, 7)


def mod10(payload: str, *, from_right: bool = True) -> int:
    """GS1-style mod 10: weights 3,1,3,… starting at the right (or the left) end."""
    digits = reversed(payload) if from_right else iter(payload)
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return (10 - total % 10) % 10


# --- whole normalised numbers: the ``check`` of each built-in NumberFormat ---


def ups_valid(number: str) -> bool:
    """``1Z`` + 15 characters + the UPS check digit over those 15."""
    return ups_check(number[2:17]) == int(number[17])


def impb_valid(number: str) -> bool:
    """IMpb: the last 22 digits (behind any ``420`` + ZIP), mod 10 from the right."""
    core = number[-22:]
    return mod10(core[:21]) == int(core[21])


def usps20_valid(number: str) -> bool:
    """20 digits, mod 10 with weight 3 on the leftmost payload digit (USPS as printed)."""
    return mod10(number[:19], from_right=False) == int(number[19])


def smartpost20_valid(number: str) -> bool:
    """20 digits valid only with the ``92`` application identifier put back in front.

    "Only": a number valid as printed is a USPS number; this is the next guess.
    """
    return not usps20_valid(number) and mod10("92" + number[:19]) == int(number[19])


def impb91_20_valid(number: str) -> bool:
    """20 digits valid only with the older ``91`` identifier put back in front."""
    return (
        not usps20_valid(number)
        and not smartpost20_valid(number)
        and mod10("91" + number[:19]) == int(number[19])
    )


def fedex12_valid(number: str) -> bool:
    """FedEx Express, 12 digits: see :func:`fedex12_check`."""
    return fedex12_check(number[:11]) == int(number[11])


def fedex15_valid(number: str) -> bool:
    """FedEx Ground, 15 digits: mod 10 from the right over the first 14."""
    return mod10(number[:14]) == int(number[14])


def fedex96_valid(number: str) -> bool:
    """FedEx Ground ``96`` barcode (22 digits): its check covers the embedded Ground number."""
    return mod10(number[7:21]) == int(number[21])


def s10_valid(number: str) -> bool:
    """UPU S10 (``EA123456785US``): the ninth digit checks the eight before it."""
    return s10_check(number[2:10]) == int(number[10])


def russian_post14_valid(number: str) -> bool:
    """Russian Post domestic identifier (ШПИ), 14 digits: see :func:`russian_post14_check`."""
    return russian_post14_check(number[:13]) == int(number[13])


def mod7_valid(number: str) -> bool:
    """DHL Express (10 or 11 digits): the last digit is the rest read as a number, mod 7."""
    return mod7_check(number[:-1]) == int(number[-1])


def ups_check(body: str) -> int:
    """UPS, over the 15 characters after ``1Z``: letters (ord − 3) mod 10, odd positions doubled."""
    total = 0
    for i, ch in enumerate(body):
        value = int(ch) if ch.isdigit() else (ord(ch) - 3) % 10
        total += value * 2 if i % 2 == 1 else value
    return (10 - total % 10) % 10


def fedex12_check(payload: str) -> int:
    """FedEx Express 12-digit: weights 3,1,7 repeating over 11 digits; sum mod 11 mod 10."""
    total = sum(int(d) * _FEDEX_WEIGHTS[i % 3] for i, d in enumerate(payload))
    return total % 11 % 10


def s10_check(serial: str) -> int:
    """UPU S10 over 8 digits: weights 8,6,4,2,3,5,9,7; 11 − (sum mod 11), 10 → 0, 11 → 5."""
    remainder = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    return {0: 5, 1: 0}.get(remainder, 11 - remainder)


def russian_post14_check(payload: str) -> int:
    """Russian Post ШПИ over its first 13 digits (office postcode, month, serial).

    Digits in odd positions from the left count three times, the others once; the check
    makes the sum a multiple of ten: GS1's mod 10 with weight 3 on the leftmost digit.
    """
    return mod10(payload, from_right=False)


def mod7_check(payload: str) -> int:
    """DHL Express: the preceding digits read as one number, mod 7."""
    return int(payload) % 7


_ISO7064_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def iso7064_mod37_36_check(payload: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid system), as DPD's parcel label specification uses it
    for the check character printed after the 14-digit parcel number.

    Over characters valued 0–9, A–Z = 10–35: p = 36; for each, p = (p + v) mod 36 (0 → 36),
    then p = 2p mod 37; the check is (37 − p) mod 36, as a character of the same alphabet.
    Source: ISO/IEC 7064:2003 §7 (hybrid systems) and the DPD Parcel Label Specification
    (esolutions.dpd.com); test vector 01905002345615 → Y from the Business::DPD library.
    """
    modulus = 36
    p = modulus
    for ch in payload:
        p = (p + _ISO7064_ALPHABET.index(ch)) % modulus or modulus
        p = (p * 2) % (modulus + 1)
    return _ISO7064_ALPHABET[(modulus + 1 - p) % modulus]
