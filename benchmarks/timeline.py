"""A 30-scan parcel's timeline: the structured form laid out against the page's one pass.

``journey.journey_html(scans.timeline(…))`` (the views, then their HTML) and
``journey.timeline_html(…)`` (the HTML straight from the event rows, what the page
writes) alternated in one process, so that both see the same machine: CPU microseconds a
timeline, min/median/max of the rounds. Both must write the same bytes.

    .venv/bin/python -m benchmarks.timeline [--scans 30] [--calls 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from carriers.base import Status
from portal import i18n
from portal.tracking_page import journey, scans
from portal.tracking_page.events import EventRow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scans", type=int, default=30)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    i18n.set_locale("en")
    zone, now = ZoneInfo("Europe/Warsaw"), datetime.now(UTC)
    moving = Status.IN_TRANSIT
    rows = [  # as the page reads them: oldest first, the benchmark parcel's scans
        EventRow(n, 1, now - timedelta(hours=n), moving, f"Scan {n}", "Kraków", None, "PL", None)
        for n in reversed(range(args.scans))
    ]
    ways: dict[str, Callable[[], str]] = {
        "structured, then laid out": lambda: journey.journey_html(scans.timeline(rows, zone, "en")),
        "one pass (the page's)": lambda: journey.timeline_html(rows, zone, "en"),
    }
    first, second = (way() for way in ways.values())
    if first != second:
        raise SystemExit("the two ways wrote different HTML")
    spent: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, way in ways.items():
            started = time.process_time()
            for _ in range(args.calls):
                way()
            spent[name].append((time.process_time() - started) * 1e6 / args.calls)
    for name, values in spent.items():
        values.sort()
        print(
            f"{name:27s} {values[0]:7.1f} / {statistics.median(values):7.1f} / {values[-1]:7.1f}"
            f" µs CPU a {args.scans}-scan timeline (min / median / max of {args.rounds} rounds)"
        )


if __name__ == "__main__":
    main()
