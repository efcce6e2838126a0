"""``shipment.late_at``: the instant a parcel becomes late, stored so the late watch reads
only the parcels whose instant has come instead of every parcel due today.

It is :func:`portal.tracking.alerts.late_since` of the parcel's open promise on its
delivery calendar (:func:`portal.core.timezones.delivery_zone`): the local midnight after
the window's last day. None for a parcel with no promise, one in a final status (delivered,
returned…), or a return on its way back (only outbound parcels are watched).

Every write that changes what it depends on keeps it: ingest computes it in the same
statement that writes a new carrier date or status (:func:`portal.tracking.store.
save_states`), and the rarer writers (a new prediction, a correction, a shipment saved
through the ORM, an order attached) call :func:`refresh` for the shipments they wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.signals import post_save

from carriers.base import Status
from portal.core.promise import open_promise
from portal.core.timezones import delivery_zone
from portal.models import Direction, Shipment
from portal.sql_ids import ids_param, in_ids

#: Columns a shipment's ``late_at`` is computed from (besides its zone's inputs).
PROMISE_COLUMNS = (
    "direction",
    "status",
    "estimated_delivery",
    "eta_window_start",
    "eta_window_end",
    "predicted_start",
    "predicted_end",
)


@dataclass(frozen=True, slots=True)
class Terms:
    """What a shipment's promise and calendar are made of, as stored."""

    direction: str
    status: str
    estimated_delivery: date | None
    eta_window_start: datetime | None
    eta_window_end: datetime | None
    predicted_start: date | None
    predicted_end: date | None
    zone: tzinfo


def late_at_of(terms: Any, zone: tzinfo) -> datetime | None:
    """The instant (UTC) ``terms`` (a shipment, its state or :class:`Terms`) becomes late on
    ``zone``'s calendar; None when it never will as it stands."""
    if Direction(terms.direction) != Direction.OUTBOUND or Status(terms.status).is_final:
        return None
    promise = open_promise(terms, zone)
    return promise.over_at(zone).astimezone(UTC) if promise is not None else None


async def read_terms(conn: BaseDBAsyncClient, ids: Sequence[int]) -> dict[int, Terms]:
    """The stored :class:`Terms` of the shipments ``ids``, in one query."""
    if not ids:
        return {}
    rows = await conn.execute_query_dict(
        "SELECT s.id, s.direction, s.status, s.estimated_delivery, s.eta_window_start, "
        "s.eta_window_end, s.predicted_start, s.predicted_end, o.ship_country, "
        "o.ship_region, m.time_zone FROM shipment s JOIN merchant m ON m.id = s.merchant_id "
        f"LEFT JOIN orders o ON o.id = s.order_id WHERE {in_ids(conn, 's.id', len(ids))}",
        ids_param(conn, ids),
    )
    return {
        row["id"]: Terms(
            direction=row["direction"],
            status=row["status"],
            estimated_delivery=_date(row["estimated_delivery"]),
            eta_window_start=_instant(row["eta_window_start"]),
            eta_window_end=_instant(row["eta_window_end"]),
            predicted_start=_date(row["predicted_start"]),
            predicted_end=_date(row["predicted_end"]),
            zone=delivery_zone(row["ship_country"], row["ship_region"], row["time_zone"]),
        )
        for row in rows
    }


def _date(value: Any) -> date | None:
    """SQLite hands dates over as text."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value if isinstance(value, date) else None


def _instant(value: Any) -> datetime | None:
    """SQLite hands instants over as text (UTC, as Tortoise writes them)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return None


async def refresh(conn: BaseDBAsyncClient, ids: Iterable[int]) -> dict[int, datetime | None]:
    """Compute ``late_at`` again for the shipments ``ids`` from what is stored now and write
    it where it changed; returns the values (shipment id → instant)."""
    terms = await read_terms(conn, sorted(set(ids)))
    values = {i: late_at_of(t, t.zone) for i, t in terms.items()}
    await write(conn, values)
    return values


async def write(conn: BaseDBAsyncClient, values: Mapping[int, datetime | None]) -> int:
    """Store these ``late_at`` values (shipment id → instant) where they differ."""
    if not values:
        return 0
    ids = sorted(values)
    stored = {
        row["id"]: _instant(row["late_at"])
        for row in await conn.execute_query_dict(
            f"SELECT id, late_at FROM shipment WHERE {in_ids(conn, 'id', len(ids))}",
            ids_param(conn, ids),
        )
    }
    changed = [(i, values[i]) for i in ids if i in stored and stored[i] != values[i]]
    if not changed:
        return 0
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query(
            "UPDATE shipment AS t SET late_at = v.late_at FROM "
            "unnest($1::int[], $2::timestamptz[]) AS v(id, late_at) WHERE t.id = v.id",
            [[i for i, _ in changed], [at for _, at in changed]],
        )
    else:
        await conn.execute_many(
            "UPDATE shipment SET late_at = ? WHERE id = ?", [[at, i] for i, at in changed]
        )
    return len(changed)


#: Shipments re-read together when a whole calendar changes.
PAGE = 2000


async def refresh_order(conn: BaseDBAsyncClient, order_id: int) -> None:
    """An order's shipping address changed: its parcels may be on another calendar."""
    rows = await Shipment.filter(order_id=order_id).using_db(conn).values("id")
    await refresh(conn, [row["id"] for row in rows])


async def refresh_shop(conn: BaseDBAsyncClient, merchant_id: int) -> None:
    """A shop's zone changed: its open parcels counted on its clock move with it."""
    after = 0
    while True:
        ids = [
            row["id"]
            for row in await Shipment.filter(
                merchant_id=merchant_id, late_at__isnull=False, id__gt=after
            )
            .using_db(conn)
            .order_by("id")
            .limit(PAGE)
            .values("id")
        ]
        if not ids:
            return
        await refresh(conn, ids)
        after = ids[-1]


#: Shipment columns that ``late_at`` follows, and the one that moves it to another calendar.
_FOLLOWED = frozenset({*PROMISE_COLUMNS, "order_id", "order"})
_DATES = ("estimated_delivery", "eta_window_end", "predicted_end")


@post_save(Shipment)
async def _saved(
    sender: type[Shipment],
    instance: Shipment,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: Iterable[str] | None,
) -> None:
    """A shipment created or saved through the ORM (registration, imports, returns, demos,
    tests' factories) gets its ``late_at`` from what was saved. Creating one with no date,
    or saving other columns only, costs nothing. A whole save (no ``update_fields``) is
    always followed: it writes back the instance's ``late_at`` as read, which may be older
    than the stored one, and recomputing from the database mends it."""
    if update_fields is not None and not set(update_fields) & _FOLLOWED:
        return
    if created and all(getattr(instance, name) is None for name in _DATES):
        return
    values = await refresh(using_db or connections.get("default"), [instance.id])
    instance.late_at = values.get(instance.id)
