"""BaseLinker's event journal (``getJournalList``): which orders moved since the last read.

The journal lists an account's order events of the last three days, each with a
growing id; it is turned on per account by Base's support and, by default, answers
nothing (https://api.baselinker.com/index.php?method=getJournalList). Read from the last
id kept, it names the orders whose status changed, whose package was created or whose
data was edited, however long ago they were confirmed, so only those are read again
(``getOrders`` by ``order_id``, ``getOrderPackages``) instead of the last two weeks.

Pure parsing here; :class:`portal.platforms.baselinker.BaseLinkerClient` makes the calls.
See tests/fixtures/baselinker/SOURCE.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from portal.platforms.base import Journal

#: Event types (``log_type``), from the documentation's list.
ORDER_CONFIRMED = 2
PACKAGE_CREATED = 9
DELIVERY_EDITED = 11
ORDER_EDITED = 16
STATUS_CHANGED = 18
#: The events asked for (``logs_types``): each may bring an order, its address or its
#: packages that the re-read of recent confirmations would not.
TYPES = (ORDER_CONFIRMED, PACKAGE_CREATED, DELIVERY_EDITED, ORDER_EDITED, STATUS_CHANGED)
#: The events after which an order's packages are asked for even when it names no
#: shipping number and its status did not move.
PACKAGE_TYPES = frozenset({PACKAGE_CREATED})
#: The journal keeps three days; a read older than this cannot be trusted to have missed
#: nothing, so the next sync re-reads two weeks of confirmations as without a journal.
TRUSTED = timedelta(days=2)
#: Journal answers read per sync at most (the rest next time, from the last id read).
PAGES = 20


@dataclass(frozen=True, slots=True)
class Entry:
    log_id: int
    log_type: int
    order_id: str


def parse_entries(body: dict[str, Any]) -> list[Entry]:
    """``logs`` of a ``getJournalList`` answer. The documentation's table names the
    entry's id ``id``, its sample (and the public clients) ``log_id``: either is read."""
    found = []
    for log in body.get("logs") or []:
        if not isinstance(log, dict):
            continue
        try:
            log_id = int(log.get("log_id", log.get("id")) or 0)
            log_type = int(log.get("log_type") or 0)
            order_id = int(log.get("order_id") or 0)
        except (TypeError, ValueError):
            continue
        if log_id > 0 and order_id > 0:
            found.append(Entry(log_id, log_type, str(order_id)))
    return found


def summary(entries: list[Entry], after: int | None) -> Journal:
    """The orders the entries newer than ``after`` name, and the new last id."""
    newer = [e for e in entries if after is None or e.log_id > after]
    return Journal(
        answered=True,
        last_id=max((e.log_id for e in newer), default=after),
        orders=frozenset(e.order_id for e in newer),
        packages=frozenset(e.order_id for e in newer if e.log_type in PACKAGE_TYPES),
    )
