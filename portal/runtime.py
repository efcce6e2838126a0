"""Tuning shared by the portal's long-running processes (web, worker, one-off sweeps).

CPython collects its youngest generation every 700 net allocations. A poll sweep allocates
hundreds of thousands of short-lived objects per batch (parsed scans, rows, events), almost
none of them in reference cycles, so with the default the cyclic collector took about a
third of a sweep's CPU, most of it in full collections walking every object the imports
made. Start-up objects are frozen out of collection (they live as long as the process),
the youngest generation is collected ~14 times less often, and the oldest more often than
by default, which freezing made cheap: garbage in cycles does not pile up (a 100k-shipment
sweep peaked at 170 MB RSS; with (50_000, 20, 100) a 10k one reached 210 MB).
"""

from __future__ import annotations

import gc

#: (youngest, middle, oldest) collection thresholds for the portal's processes.
GC_THRESHOLDS = (10_000, 5, 2)


def tune_gc() -> None:
    """Freeze what exists now and raise the collection thresholds (call once at start-up,
    after the imports and before serving).

    The domain-event listener modules and the carrier adapters are imported first:
    otherwise the first sweep imports them (its first status change the listeners, its
    first look-up of an adapter every installed carrier: about a second of CPU each) and
    their objects stay outside the frozen set.
    """
    from carriers import registry
    from portal.events import ensure_listeners_loaded

    ensure_listeners_loaded()
    registry.available()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
