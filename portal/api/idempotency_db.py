"""The ``Idempotency-Key`` records in the database (``api_idempotency_record``), so every web
process sees the same reservations and answers.

* Reserve: one insert that does nothing when the (API key, key) pair exists — ``INSERT …
  ON CONFLICT DO NOTHING`` on PostgreSQL, an insert whose ``IntegrityError`` is caught on
  SQLite. Exactly one concurrent request wins; the others read the row the winner wrote.
* A reservation whose lease ran out (its process died) or a record past retention is taken
  over with a conditional ``UPDATE`` on the values just read, so again only one wins.
* ``finish`` fills in the answer; ``release`` deletes a reservation whose request failed.
* :func:`purge_records` forgets records older than the retention (an hourly job).
"""

from __future__ import annotations

from datetime import datetime

from tortoise import connections
from tortoise.exceptions import IntegrityError

from portal.api.idempotency import (
    IN_FLIGHT_LEASE,
    RETENTION,
    Begin,
    Outcome,
    StoredResponse,
)
from portal.models import IdempotencyRecord

_PG_RESERVE = """
INSERT INTO api_idempotency_record
    (api_key_id, "key", fingerprint, media_type, lease_until, created_at)
VALUES ($1, $2, $3, 'application/json', $4, $5)
ON CONFLICT (api_key_id, "key") DO NOTHING
RETURNING id
"""


async def _reserve(api_key_id: int, key: str, fingerprint: str, now: datetime) -> bool:
    """Insert the reservation; False when the pair already has a row."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        # execute_query_dict: the asyncpg client's execute_query drops an INSERT's rows.
        rows = await conn.execute_query_dict(
            _PG_RESERVE, [api_key_id, key, fingerprint, now + IN_FLIGHT_LEASE, now]
        )
        return bool(rows)
    try:
        await IdempotencyRecord.create(
            api_key_id=api_key_id,
            key=key,
            fingerprint=fingerprint,
            lease_until=now + IN_FLIGHT_LEASE,
            created_at=now,
        )
    except IntegrityError:
        return False
    return True


def _stored(record: IdempotencyRecord) -> StoredResponse:
    return StoredResponse(
        status=int(record.status or 0),
        body=(record.body or "").encode("utf-8"),
        media_type=record.media_type,
        location=record.location,
    )


class DatabaseIdempotencyStore:
    """:class:`portal.api.idempotency.IdempotencyStore` on ``IdempotencyRecord`` rows."""

    async def begin(self, api_key_id: int, key: str, fingerprint: str, now: datetime) -> Begin:
        for _ in range(3):  # a row deleted between our insert and read: try again
            if await _reserve(api_key_id, key, fingerprint, now):
                return Begin(Outcome.NEW)
            record = await IdempotencyRecord.get_or_none(api_key_id=api_key_id, key=key)
            if record is None:
                continue
            stale = now - record.created_at >= RETENTION
            lapsed = record.status is None and record.lease_until <= now
            if stale or lapsed:
                if await self._take_over(record, fingerprint, now):
                    return Begin(Outcome.NEW)
                continue  # someone else took it over first: read again
            if record.fingerprint != fingerprint:
                return Begin(Outcome.MISMATCH)
            if record.status is None:
                return Begin(Outcome.IN_FLIGHT)
            return Begin(Outcome.REPLAY, _stored(record))
        return Begin(Outcome.IN_FLIGHT)

    async def _take_over(self, record: IdempotencyRecord, fingerprint: str, now: datetime) -> bool:
        """Reuse the row only if nobody changed it since we read it (one winner)."""
        changed = await IdempotencyRecord.filter(
            id=record.id,
            created_at=record.created_at,
            lease_until=record.lease_until,
            fingerprint=record.fingerprint,
        ).update(
            fingerprint=fingerprint,
            status=None,
            body=None,
            location=None,
            media_type="application/json",
            lease_until=now + IN_FLIGHT_LEASE,
            created_at=now,
        )
        return changed == 1

    async def finish(
        self, api_key_id: int, key: str, response: StoredResponse, now: datetime
    ) -> None:
        await IdempotencyRecord.filter(api_key_id=api_key_id, key=key, status__isnull=True).update(
            status=response.status,
            media_type=response.media_type,
            body=response.body.decode("utf-8", errors="replace"),
            location=response.location,
        )

    async def release(self, api_key_id: int, key: str) -> None:
        await IdempotencyRecord.filter(api_key_id=api_key_id, key=key, status__isnull=True).delete()


async def purge_records(now: datetime) -> int:
    """Delete records older than the retention; returns how many."""
    return int(await IdempotencyRecord.filter(created_at__lt=now - RETENTION).delete())
