"""docs/tracking.md's cadence table says what portal/tracking/cadence.py does."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from portal.tracking import cadence

DOC = Path(__file__).resolve().parents[2] / "docs" / "tracking.md"


def _words(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day" + ("s" if days != 1 else "")
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def test_the_cadence_table_matches_the_code() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+?) \|$", DOC.read_text(), re.MULTILINE))
    for status, interval in cadence.INTERVALS.items():
        assert rows[status.value] == (
            f"{_words(interval)} | {_words(cadence.QUIET_LIMITS[status])}"
        ), status
    assert (
        f"every {_words(cadence.GRACE_RECHECK)} for {_words(cadence.DELIVERED_GRACE)}"
        in (rows["delivered"])
    )
    assert f"for {_words(cadence.RETURNED_GRACE)} after" in rows["returned_to_sender"]
    assert _words(cadence.SPARSE) == "12 h"
