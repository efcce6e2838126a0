"""Claiming due shipments so that any number of workers share them, and giving them back.

A claim is one statement that picks due shipments and pushes their ``next_poll_at`` a
lease into the future: no other worker sees them as due until the claimer has written
a result (or the lease runs out because it died). On PostgreSQL the pick uses
``FOR UPDATE SKIP LOCKED``, so concurrent claims never wait for each other and never
return the same row; on SQLite the single ``UPDATE ... RETURNING`` is atomic.

The lease is short (:data:`CLAIM_LEASE`) and renewed by the claimer while it works
(:func:`renew`), so a killed worker's shipments are due again within a lease; a stopping
worker gives back what it had not polled yet at once (:func:`release`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections

from carriers.base import Status
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
    SELECT id FROM shipment
    WHERE next_poll_at <= $1 AND status <> $2
    ORDER BY next_poll_at
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE shipment AS s SET next_poll_at = $4 FROM due WHERE s.id = due.id
RETURNING {", ".join(f"s.{c.strip()}" for c in _RETURNING.split(","))}
"""
_SQLITE_CLAIM = f"""
UPDATE shipment SET next_poll_at = ?
WHERE id IN (
    SELECT id FROM shipment WHERE next_poll_at <= ? AND status <> ?
    ORDER BY next_poll_at LIMIT ?
)
RETURNING {_RETURNING}
"""


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


async def claim_due(now: datetime, limit: int, *, lease: timedelta | None = None) -> list[Claimed]:
    """Claim up to ``limit`` shipments due at ``now`` (oldest due first)."""
    conn = connections.get("default")
    until = now + (lease or CLAIM_LEASE)
    if store.is_postgres(conn):
        rows = await conn.execute_query_dict(_PG_CLAIM, [now, Status.EXPIRED.value, limit, until])
    else:
        rows = await conn.execute_query_dict(
            _SQLITE_CLAIM, [until, now, Status.EXPIRED.value, limit]
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


async def renew(ids: Sequence[int], *, now: datetime, lease: timedelta | None = None) -> int:
    """Extend the claim on the shipments of ``ids`` still held (due in the future); how many."""
    if not ids:
        return 0
    return await Shipment.filter(id__in=list(ids), next_poll_at__gt=now).update(
        next_poll_at=now + (lease or CLAIM_LEASE)
    )


async def release(ids: Sequence[int], *, now: datetime) -> int:
    """Give back claimed shipments unpolled, due at once (a stopping worker); how many."""
    if not ids:
        return 0
    return await Shipment.filter(id__in=list(ids), next_poll_at__gt=now).update(next_poll_at=now)


async def any_due(now: datetime) -> bool:
    """True when some shipment is due (a cheap check for "more work is waiting")."""
    return await Shipment.filter(next_poll_at__lte=now).exclude(status=Status.EXPIRED).exists()


async def make_due(now: datetime, shipment_ids: Sequence[int] | None = None) -> int:
    """Bring shipments forward so the next sweep polls them (operators' ``portal poll
    --shipment`` and ``--all-now``); returns how many. Without ids: every shipment still
    polled at all; a finished one (no next poll) comes back only when named by id. A
    shipment another worker holds right now is polled again after it: harmless, scans
    are deduplicated."""
    if shipment_ids is None:
        query = Shipment.filter(next_poll_at__isnull=False)
    else:
        query = Shipment.filter(id__in=list(shipment_ids))
    return await query.update(next_poll_at=now)
