"""Our delivery window for a parcel, made at its first carrier scan and refined at each stage.

A batch listener on ``shipment.status_changed``: every path that ingests carrier results
(poll sweep, push, refresh) reaches it, inside the cause's transaction, so the sweep needs
no hook of its own. For the events that start a stage (:data:`STAGE_OF`) it reads the
parcels' keys in one query, finds their figures in a per-process copy of the learned
table, stores each prediction as made (``shipment_prediction``, one per shipment and stage;
a replayed event writes nothing) and the latest window on the shipment (one statement for
the batch). Listed in :data:`portal.events.LISTENER_MODULES` before the notifications, so a
message written in the same batch can already quote the window.

The per-process copy only holds what the database can rebuild: it is dropped when the
recomputation stamps newer figures (checked at most every :data:`_RECHECK_SECONDS`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from carriers.base import Status
from portal import events, sql_ids
from portal.core.timezones import delivery_zone
from portal.models import DomainEvent, TransitStat
from portal.tracking import late_clock, store
from portal.tracking.transit import Key, Percentiles, StatRow, Stats, Window, postcode_prefix

#: The status a change moves to -> the stage it starts.
STAGE_OF: dict[str, str] = {
    Status.INFO_RECEIVED.value: "label",
    Status.IN_TRANSIT.value: "shipped",
    Status.OUT_FOR_DELIVERY.value: "out_for_delivery",
}
_RANK = {"label": 0, "shipped": 1, "out_for_delivery": 2}
_RECHECK_SECONDS = 300.0

_PREDICTION_COLUMNS = (
    ("shipment_id", "int"),
    ("merchant_id", "int"),
    ("stage", "varchar"),
    ("made_at", "timestamptz"),
    ("window_start", "date"),
    ("window_end", "date"),
    ("expected", "date"),
    ("carrier_eta", "date"),
    ("basis", "jsonb"),
)


@dataclass
class _Cache:
    stats: Stats = field(default_factory=Stats)
    carriers: set[str] = field(default_factory=set)
    stamp: datetime | None = None
    checked: float = -1e18


_cache = _Cache()


def forget_cached() -> None:
    """Drop this process's copy of the figures (after a recomputation, in tests)."""
    global _cache
    _cache = _Cache()


async def _stats_for(conn: BaseDBAsyncClient, carriers: set[str]) -> Stats:
    global _cache
    if time.monotonic() - _cache.checked > _RECHECK_SECONDS:
        found = (
            await TransitStat.all()
            .using_db(conn)
            .order_by("-computed_at")
            .limit(1)
            .values_list("computed_at", flat=True)
        )
        stamp = cast("datetime", found[0]) if found else None
        if stamp != _cache.stamp:
            _cache = _Cache(stamp=stamp)
        _cache.checked = time.monotonic()
    missing = carriers - _cache.carriers
    if missing:
        rows = (
            await TransitStat.filter(carrier_key__in=sorted(missing))
            .using_db(conn)
            .values_list(
                "merchant_id",
                "level",
                "stage",
                "carrier_key",
                "service",
                "origin_country",
                "dest_country",
                "postcode_prefix",
                "samples",
                "p10",
                "p50",
                "p90",
            )
        )
        _cache.stats.add(
            StatRow(m, lv, st, (c, sv, o, d, px), Percentiles(n, p10, p50, p90))
            for m, lv, st, c, sv, o, d, px, n, p10, p50, p90 in rows
        )
        _cache.carriers |= missing
    return _cache.stats


def _local_day(value: datetime | str | None, zone: ZoneInfo) -> date | None:
    """The day ``value`` falls on by ``zone``'s clock (SQLite hands back ISO text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).date()


def key_of(row: dict[str, Any]) -> Key:
    """The group key of a shipment read with :func:`_read`'s columns."""
    return (
        row["carrier_key"],
        row["service"] or "",
        (row["origin_country"] or "").upper(),
        (row["order__ship_country"] or "").upper(),
        postcode_prefix(row["order__ship_postal_code"]),
    )


async def _read(conn: BaseDBAsyncClient, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The keys of these outbound shipments, in one statement written by hand: on the
    sweep's path the ORM's query building costs more than the query."""
    sql = (
        "SELECT s.id, s.merchant_id, s.carrier_key, s.service, s.origin_country, s.shipped_at, "
        "s.estimated_delivery, o.ship_country AS order__ship_country, "
        "o.ship_postal_code AS order__ship_postal_code, o.ship_region AS order__ship_region, "
        "m.time_zone AS merchant__time_zone "
        "FROM shipment s LEFT JOIN orders o ON o.id = s.order_id "
        "JOIN merchant m ON m.id = s.merchant_id "
        f"WHERE {sql_ids.in_ids(conn, 's.id', len(ids))} AND s.direction = 'outbound'"
    )
    rows = await conn.execute_query_dict(sql, sql_ids.ids_param(conn, ids))
    return {int(row["id"]): row for row in rows}


@dataclass(frozen=True, slots=True)
class Made:
    shipment_id: int
    merchant_id: int
    stage: str
    window: Window
    carrier_eta: date | None


def _sqlite_value(value: Any) -> Any:
    return (
        value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else value
    )


async def save(conn: BaseDBAsyncClient, made: Sequence[Made], now: datetime) -> None:
    """Store predictions as made and the latest window on each shipment (set-based)."""
    if not made:
        return
    postgres = sql_ids.is_postgres(conn)

    def plain(value: Any) -> Any:
        return value if postgres else _sqlite_value(value)

    await store.bulk_insert_ignore(
        conn,
        "shipment_prediction",
        _PREDICTION_COLUMNS,
        [
            [
                m.shipment_id,
                m.merchant_id,
                m.stage,
                now,
                plain(m.window.start),
                plain(m.window.end),
                plain(m.window.expected),
                plain(m.carrier_eta),
                json.dumps(m.window.basis()),
            ]
            for m in made
        ],
    )
    latest: dict[int, Made] = {}
    for m in made:
        if m.shipment_id not in latest or _RANK[m.stage] >= _RANK[latest[m.shipment_id].stage]:
            latest[m.shipment_id] = m
    await store.bulk_update(
        conn,
        "shipment",
        (("predicted_start", "date"), ("predicted_end", "date")),
        [
            (m.shipment_id, plain(m.window.start), plain(m.window.end))
            for m in sorted(latest.values(), key=lambda m: m.shipment_id)
        ],
    )
    # A predicted window is the promise of a parcel the carrier gave no date for.
    await late_clock.refresh(conn, sorted(latest))


@events.listen_batch(events.SHIPMENT_STATUS_CHANGED)
async def predict_batch(batch: Sequence[DomainEvent], ctx: events.ListenerContext) -> None:
    """Predict the windows of the parcels whose stage began in this batch."""
    starts = [
        (event, STAGE_OF[str(event.payload.get("new_status"))])
        for event in batch
        if event.subject_type == "shipment" and str(event.payload.get("new_status")) in STAGE_OF
    ]
    if not starts:
        return
    conn = ctx.conn
    rows = await _read(conn, sorted({event.subject_id for event, _ in starts}))
    if not rows:
        return
    stats = await _stats_for(conn, {row["carrier_key"] for row in rows.values()})
    if not len(stats):
        return
    made = []
    for event, stage in starts:
        row = rows.get(event.subject_id)
        if row is None:
            continue
        key = key_of(row)
        # Counted from the stage's day on the destination's calendar, not UTC's: a parcel
        # handed over at 00:30 in Athens left on the Athenian day, 22:30 the day before UTC
        # (a US address: its state's clock, not the shop's).
        zone = delivery_zone(key[3], row["order__ship_region"], row["merchant__time_zone"])
        began = _local_day(row["shipped_at"], zone) if stage == "shipped" else None
        began = began or _local_day(event.payload.get("occurred_at"), zone)
        began = began or ctx.now.astimezone(zone).date()
        window = stats.predict(row["merchant_id"], stage, key, key[3], began)
        if window is not None:
            made.append(
                Made(row["id"], row["merchant_id"], stage, window, row["estimated_delivery"])
            )
    await save(conn, made, ctx.now)
