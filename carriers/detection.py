"""Carrier detection from a tracking number (placeholder until the detection work lands)."""

from __future__ import annotations

import re

_JUNK = re.compile(r"[\s\-.]")


def normalise(number: str) -> str:
    """Strip spaces, dashes and dots; upper-case."""
    return _JUNK.sub("", number).upper()


def detect(number: str) -> list[tuple[str, float]]:
    """Candidate carriers for ``number``, most likely first, with a confidence 0..1."""
    return []
