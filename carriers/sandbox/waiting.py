"""Sandbox numbers for demos and tests that need a parcel waiting at a pickup point now."""

from __future__ import annotations

from datetime import datetime

from carriers.sandbox.journey import DEFAULT_EPOCH, Scenario, journey, make_numbers
from carriers.sandbox.pickup_points import SpotKind


def make_waiting(
    count: int,
    now: datetime,
    *,
    kind: SpotKind = SpotKind.LOCKER,
    seed: int = 0,
    start: datetime = DEFAULT_EPOCH,
) -> list[str]:
    """``count`` numbers whose parcel waits at ``now`` at a point of ``kind``, its deadline
    still ahead: demos and tests that need a parcel to collect. Same arguments, same numbers."""
    found: list[str] = []
    candidates = make_numbers(
        min(1000, 200 * count), seed, now=now, days=6, scenario=Scenario.PICKUP_POINT, start=start
    )
    for number in candidates:
        seen = journey(number, now, start)
        last = seen[-1] if seen else None
        if (
            last is not None
            and last.code in ("RPP", "RPR")
            and last.spot is not None
            and last.spot.kind is kind
            and last.collection is not None
            and last.collection.deadline > now
        ):
            found.append(number)
            if len(found) == count:
                return found
    raise ValueError(f"found only {len(found)} parcels waiting at a {kind.value}")
