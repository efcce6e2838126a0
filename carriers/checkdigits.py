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
