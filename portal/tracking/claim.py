"""Claiming due shipments so that any number of workers share them, and giving them back.

A shipment is due when its ``next_poll_at`` has come and no live lease holds it. A claim
is one statement that picks due shipments and writes a lease for each in ``poll_lease``
(migration 0032): the shipment's id, the claiming batch (``holder``) and when the lease
ends. The shipment row itself is not written: its only write in a sweep is the result's
(the claim used to push ``next_poll_at`` a lease ahead, a second full rewrite of every
polled row). On PostgreSQL the pick locks the rows ``FOR NO KEY UPDATE SKIP LOCKED``, so
concurrent claims never wait for each other, and the lease's primary key decides the
rare row two claims both picked: a live lease is never replaced. On SQLite the single
``INSERT ... SELECT ... RETURNING`` is atomic.

The lease is short (:data:`CLAIM_LEASE`) and renewed by the claimer while it works
(:func:`renew`), so a killed worker's shipments are due again within a lease; the
claimer removes its leases once it has written its results or new schedules, and a
stopping worker gives back what it had not polled yet at once (:func:`release`). The
leases a killed worker left on shipments since deleted or settled are removed by the
worker's housekeeping (:func:`forget_orphans`).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections

from carriers.base import Status
from portal import sql_ids
from portal.models import Shipment
from portal.tracking import store

#: How long a claim holds unless renewed; the sweep renews it every :data:`HEARTBEAT`.
CLAIM_LEASE = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)

_RETURNING = (
    "id, merchant_id, carrier_account_id, carrier_key, tracking_number, status, poll_failures, "
    "poll_digest"
)
_PG_CLAIM = f"""
WITH due AS (
    SELECT s.id FROM shipment AS s
    WHERE s.next_poll_at <= $1 AND s.status <> $2
    AND NOT EXISTS (SELECT 1 FROM poll_lease AS l WHERE l.shipment_id = s.id AND l.until > $1)
    ORDER BY s.next_poll_at
    LIMIT $3
    FOR NO KEY UPDATE SKIP LOCKED
), taken AS (
    INSERT INTO poll_lease AS l (shipment_id, holder, until)
    SELECT id, $5, $4 FROM due
    ON CONFLICT (shipment_id) DO UPDATE SET holder = excluded.holder, until = excluded.until
    WHERE l.until <= $1
    RETURNING l.shipment_id
)
SELECT {", ".join(f"s.{c.strip()}" for c in _RETURNING.split(","))}
FROM shipment AS s JOIN taken ON taken.shipment_id = s.id
"""
_SQLITE_CLAIM = """
INSERT INTO poll_lease (shipment_id, holder, until)
SELECT s.id, ?, ? FROM shipment AS s
WHERE s.next_poll_at <= ? AND s.status <> ?
AND NOT EXISTS (SELECT 1 FROM poll_lease AS l WHERE l.shipment_id = s.id AND l.until > ?)
ORDER BY s.next_poll_at LIMIT ?
ON CONFLICT (shipment_id) DO UPDATE SET holder = excluded.holder, until = excluded.until
RETURNING shipment_id
"""
_ANY_DUE = """
SELECT 1 FROM shipment AS s WHERE s.next_poll_at <= {now} AND s.status <> {expired}
AND NOT EXISTS (SELECT 1 FROM poll_lease AS l WHERE l.shipment_id = s.id AND l.until > {now})
LIMIT 1
"""

#: The holder of claims made without one: this process.
PROCESS_HOLDER = secrets.randbits(62)


def new_holder() -> int:
    """A token naming one batch's claim: only its holder renews or removes its leases."""
    return secrets.randbits(62)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A shipment this worker holds until it writes back a result or a new schedule."""

    id: int
    merchant_id: int
    carrier_account_id: int | None
    carrier_key: str
    tracking_number: str
    status: Status
    poll_failures: int
    #: The digest of the last answer merged, handed to adapters that take digests.
    poll_digest: str | None = None


async def claim_due(
    now: datetime,
    limit: int,
    *,
    lease: timedelta | None = None,
    holder: int = PROCESS_HOLDER,
) -> list[Claimed]:
    """Claim up to ``limit`` shipments due at ``now`` (oldest due first) for ``holder``."""
    conn = connections.get("default")
    until = now + (lease or CLAIM_LEASE)
    expired = Status.EXPIRED.value
    if sql_ids.is_postgres(conn):
        rows = await conn.execute_query_dict(_PG_CLAIM, [now, expired, limit, until, holder])
    else:
        taken = await conn.execute_query_dict(
            _SQLITE_CLAIM, [holder, until, now, expired, now, limit]
        )
        ids = [int(r["shipment_id"]) for r in taken]
        rows = (
            await conn.execute_query_dict(
                f"SELECT {_RETURNING} FROM shipment WHERE {sql_ids.in_ids(conn, 'id', len(ids))}",
                ids,
            )
            if ids
            else []
        )
    return [
        Claimed(
            id=int(r["id"]),
            merchant_id=int(r["merchant_id"]),
            carrier_account_id=r["carrier_account_id"],
            carrier_key=r["carrier_key"],
            tracking_number=r["tracking_number"],
            status=Status(r["status"]),
            poll_failures=int(r["poll_failures"]),
            poll_digest=r["poll_digest"],
        )
        for r in sorted(rows, key=lambda r: r["id"])
    ]


async def reschedule(rows: Sequence[tuple[int, datetime]], *, now: datetime) -> None:
    """Give claimed shipments back untouched, due again at the given times."""
    await store.bulk_update(
        connections.get("default"),
        "shipment",
        (("next_poll_at", "timestamptz"),),
        rows,
        also={"updated_at": now},
    )


async def record_failures(rows: Sequence[tuple[int, datetime, int, str]], *, now: datetime) -> None:
    """Give back shipments whose poll failed: ``(id, next_poll_at, poll_failures, error)``."""
    await store.bulk_update(
        connections.get("default"),
        "shipment",
        (("next_poll_at", "timestamptz"), ("poll_failures", "int"), ("last_error", "text")),
        rows,
        also={"updated_at": now},
    )


async def renew(
    ids: Sequence[int],
    *,
    now: datetime,
    lease: timedelta | None = None,
    holder: int = PROCESS_HOLDER,
) -> int:
    """Extend ``holder``'s leases on the shipments of ``ids`` still held; how many."""
    if not ids:
        return 0
    conn = connections.get("default")
    until = now + (lease or CLAIM_LEASE)
    if sql_ids.is_postgres(conn):
        sql = (
            "UPDATE poll_lease SET until = $2 "
            "WHERE shipment_id = ANY($1::int[]) AND holder = $3 AND until > $4"
        )
        count, _ = await conn.execute_query(sql, [list(ids), until, holder, now])
        return int(count)
    marks = ", ".join("?" * len(ids))
    sql = (
        "UPDATE poll_lease SET until = ? "
        f"WHERE holder = ? AND until > ? AND shipment_id IN ({marks})"
    )
    count, _ = await conn.execute_query(sql, [until, holder, now, *ids])
    return int(count)


async def release(ids: Sequence[int], *, holder: int = PROCESS_HOLDER) -> int:
    """Remove ``holder``'s leases on ``ids``; how many. After the write-back this ends the
    claim (the shipments are due when their results said); before it, it gives them
    back unpolled, due at once (a stopping worker)."""
    if not ids:
        return 0
    conn = connections.get("default")
    held = sql_ids.in_ids(conn, "shipment_id", len(ids))
    sql = f"DELETE FROM poll_lease WHERE {held} AND holder = "
    sql += "$2" if sql_ids.is_postgres(conn) else "?"
    count, _ = await conn.execute_query(sql, [*sql_ids.ids_param(conn, ids), holder])
    return int(count)


_FORGET_ORPHANS = """
DELETE FROM poll_lease WHERE until < {cutoff}
AND NOT EXISTS (
    SELECT 1 FROM shipment AS s WHERE s.id = poll_lease.shipment_id
    AND s.next_poll_at IS NOT NULL AND s.status <> {expired}
)
"""


async def forget_orphans(now: datetime) -> int:
    """Remove the ended leases of shipments that are gone or settled (no next poll, or
    expired); how many. A worker killed while holding a claim leaves its leases behind;
    a shipment still polled has its lease replaced by its next claim, but one deleted
    or settled meanwhile is never claimed again, so its row would stay for good. Only
    leases ended a whole :data:`CLAIM_LEASE` ago go (a worker whose clock runs behind
    may still count on a lease just ended); a live one is its holder's to remove. The
    worker's ``housekeeping`` job calls this."""
    conn = connections.get("default")
    cutoff = now - CLAIM_LEASE
    expired = Status.EXPIRED.value
    if sql_ids.is_postgres(conn):
        sql = _FORGET_ORPHANS.format(cutoff="$1", expired="$2")
    else:
        sql = _FORGET_ORPHANS.format(cutoff="?", expired="?")
    count, _ = await conn.execute_query(sql, [cutoff, expired])
    return int(count)


async def any_due(now: datetime) -> bool:
    """True when some shipment is due and not held (a cheap check for "more work is
    waiting")."""
    conn = connections.get("default")
    if sql_ids.is_postgres(conn):
        sql = _ANY_DUE.format(now="$1", expired="$2")
        return bool(await conn.execute_query_dict(sql, [now, Status.EXPIRED.value]))
    sql = _ANY_DUE.format(now="?", expired="?")
    return bool(await conn.execute_query_dict(sql, [now, Status.EXPIRED.value, now]))


async def make_due(now: datetime, shipment_ids: Sequence[int] | None = None) -> int:
    """Bring shipments forward so the next sweep polls them (operators' ``portal poll
    --shipment`` and ``--all-now``); returns how many. Without ids: every shipment still
    polled at all; a finished one (no next poll) comes back only when named by id. A
    shipment another worker holds right now keeps its lease; the holder's result then
    sets its next poll."""
    if shipment_ids is None:
        query = Shipment.filter(next_poll_at__isnull=False)
    else:
        query = Shipment.filter(id__in=list(shipment_ids))
    return await query.update(next_poll_at=now)
