"""A parcel's tracking events as the page reads them: plain rows, never models.

Building a TrackingEvent model for each of a parcel's events was most of an uncached
page's database time in Python, and reading them was a round trip of its own after the
shipment's (benchmarks/README.md, issue 20). A page for one tracking number now gets its
events in the same statement as the shipment (``events_column``, one array column, see
``lookup``); ``load_events`` reads them for the other pages (signed links, orders).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from itertools import islice, repeat
from operator import le
from typing import Any, NamedTuple

from tortoise import connections

from carriers.base import Status
from portal.models import Shipment, TrackingEvent

_OCCURRED_AT = TrackingEvent._meta.fields_map["occurred_at"]
_COLUMNS = "id, occurred_at, status, description, city, region, country, reason"
#: Set on a shipment read with its events (``attach``): (their list, oldest first).
_ATTACHED = "_page_events"


class EventRow(NamedTuple):
    """The columns of a tracking event the page shows."""

    id: int
    shipment_id: int
    occurred_at: datetime
    status: Status
    description: str
    city: str | None
    region: str | None
    country: str | None
    reason: str | None


_EVENTS_SQL = (
    f"SELECT shipment_id, {_COLUMNS} "
    "FROM tracking_event WHERE shipment_id IN ({ids}) ORDER BY occurred_at, id"
)


#: A stored status's member, looked up rather than through ``Status(…)`` (30 a page).
_STATUS = {status.value: status for status in Status}


def _row(shipment_id: int, values: Sequence[Any], postgres: bool) -> EventRow:
    occurred = values[1] if postgres else _OCCURRED_AT.to_python_value(values[1])
    status = _STATUS.get(values[2]) or Status(values[2])  # Status() raises for a stray value
    return EventRow(values[0], shipment_id, occurred, status, values[3] or "", *values[4:8])


async def load_events(shipment_ids: Sequence[int]) -> dict[int, list[EventRow]]:
    """Each shipment's events, oldest first, in one query."""
    by_shipment: dict[int, list[EventRow]] = {i: [] for i in shipment_ids}
    if not shipment_ids:
        return by_shipment
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(shipment_ids) + 1))
    _, rows = await conn.execute_query(_EVENTS_SQL.format(ids=marks), list(shipment_ids))
    for row in rows:
        values = tuple(row)
        by_shipment[values[0]].append(_row(values[0], values[1:], postgres))
    return by_shipment


def events_select(shipment_alias: str, postgres: bool) -> tuple[str, str]:
    """The select-list columns holding the events of the shipment ``shipment_alias``
    names, oldest first, and what the statement's FROM clause needs for them.

    On PostgreSQL: one array a column of ``_COLUMNS``, aggregated from the
    events in order through a lateral subquery. A single array of records was the first
    form; the driver decodes each record's fields through their type codes one by one,
    about 30 µs more of the portal's CPU for 30 events, the database's the same
    (benchmarks/README.md, issue 20). On SQLite: one JSON array of arrays."""
    where = f'WHERE e."shipment_id" = {shipment_alias}."id" ORDER BY e."occurred_at", e."id"'
    if postgres:
        names = _COLUMNS.split(", ")
        arrays = ", ".join(f'array_agg(e."{name}") AS "{name}"' for name in names)
        join = (
            f"CROSS JOIN LATERAL (SELECT {arrays} "
            f'FROM (SELECT {_COLUMNS} FROM "tracking_event" e {where}) e) ev'
        )
        return ", ".join(f'ev."{name}"' for name in names), join
    column = (
        f"(SELECT json_group_array(json_array({_COLUMNS})) "
        f'FROM (SELECT {_COLUMNS} FROM "tracking_event" e {where}))'
    )
    return column, ""


#: ``EventRow._make`` without its Python frame and length check (``zip`` is strict).
_new_row = partial(tuple.__new__, EventRow)


def _status_of(value: str) -> Status:
    return _STATUS.get(value) or Status(value)  # Status() raises for a stray value


def attach(shipment: Shipment, columns: Sequence[Any], postgres: bool) -> None:
    """Keep the events read in ``events_select``'s columns (the row's last ones) on
    ``shipment`` for ``attached``."""
    shipment_id = shipment.id
    if not postgres:
        raw = json.loads(columns[0] or "[]")
        rows = [_row(shipment_id, values, postgres) for values in raw]
        rows.sort(key=lambda e: (e.occurred_at, e.id))  # the aggregate promises no order
    elif columns[0] is None:  # no events: the aggregate's NULL arrays
        rows = []
    else:
        ids, occurred, statuses, descriptions, *places = columns
        try:  # a look-up in C a scan; a stray value raises as Status() does
            members = list(map(_STATUS.__getitem__, statuses))
        except KeyError:
            members = list(map(_status_of, statuses))
        # tuple.__new__ in C a row, as EventRow._make does it through a Python frame
        rows = list(
            map(
                _new_row,
                zip(
                    ids,
                    repeat(shipment_id, len(ids)),
                    occurred,
                    members,
                    [text or "" for text in descriptions],
                    *places,
                    strict=True,
                ),
            )
        )
        # The subquery's order reaches the aggregate (PostgreSQL feeds it its input in
        # the order given); should a plan ever not, the rows are put in order here.
        if not all(map(le, occurred, islice(occurred, 1, None))):
            rows.sort(key=lambda e: (e.occurred_at, e.id))
    object.__setattr__(shipment, _ATTACHED, rows)


def attached(shipment: Shipment) -> list[EventRow] | None:
    """The events read with ``shipment``, or None when they were not (or were dropped)."""
    rows: list[EventRow] | None = getattr(shipment, _ATTACHED, None)
    return rows


def keep(shipment: Shipment, rows: list[EventRow]) -> None:
    """Attach ``rows`` (read with ``shipment`` earlier) to it again: nothing changed them."""
    object.__setattr__(shipment, _ATTACHED, rows)


def drop(shipment: Shipment) -> None:
    """Forget the events read with ``shipment``: a carrier refresh may have added some."""
    object.__setattr__(shipment, _ATTACHED, None)
