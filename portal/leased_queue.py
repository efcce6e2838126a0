"""Claiming due rows of a work table (outbox messages, webhook deliveries) with a lease.

A worker leases rows whose ``state`` is pending, whose due time has come and whose lease
has lapsed; counting the attempt in the same statement. On PostgreSQL one UPDATE over a
``FOR UPDATE SKIP LOCKED`` sub-select, so any number of workers share the table; on
SQLite a conditional update per row (exactly one row changed: it is ours). Leases are
short and renewed (:meth:`LeasedQueue.renew_keys`) while the claimer works, so a crashed
worker's rows come back within a lease; a stopping worker hands back what it has not
started (:meth:`LeasedQueue.release_keys`) at once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.models import Model

from portal.row_keys import bounded

#: A claimed row: its id and, for a table partitioned on a column, that column's value
#: (None for an unpartitioned queue).
RowKey = tuple[int, Any]


@dataclass(frozen=True)
class LeasedQueue:
    model: type[Model]
    #: The column that says when a row is due (``scheduled_for``, ``next_attempt_at``).
    due_field: str
    pending: str = "pending"
    #: The column the table is partitioned on (PostgreSQL): the claim then matches rows
    #: by (id, that column), the primary key, and returns both; by id alone the update
    #: would look for each row in every partition, and without statistics the planner
    #: cannot tell that an id names one row.
    partition_key: str | None = None

    @property
    def _key(self) -> str:
        return f"id, {self.partition_key}" if self.partition_key else "id"

    @property
    def _table(self) -> str:
        return self.model._meta.db_table

    def _postgres_claim(self) -> str:
        table, due, key = self._table, self.due_field, self._key
        match = f"({key})" if self.partition_key else key
        return f"""
UPDATE {table} SET lease_until = $1, attempts = attempts + 1
WHERE {match} IN (
    SELECT {key} FROM {table}
    WHERE state = '{self.pending}' AND {due} <= $2
      AND (lease_until IS NULL OR lease_until <= $2)
    ORDER BY {due}, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
RETURNING {key}
"""

    async def claim_due(self, *, now: datetime, limit: int, lease: timedelta) -> list[int]:
        """Lease up to ``limit`` due rows to this worker; returns their ids."""
        return [row_id for row_id, _ in await self.claim_keys(now=now, limit=limit, lease=lease)]

    async def claim_keys(self, *, now: datetime, limit: int, lease: timedelta) -> list[RowKey]:
        """Lease up to ``limit`` due rows to this worker; returns their keys by id."""
        conn = connections.get("default")
        lease_until = now + lease
        part = self.partition_key
        if conn.capabilities.dialect == "postgres":
            rows = await conn.execute_query_dict(self._postgres_claim(), [lease_until, now, limit])
            return sorted((int(row["id"]), row[part] if part else None) for row in rows)
        expired = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
        candidates = (
            await self.model.filter(expired, state=self.pending, **{f"{self.due_field}__lte": now})
            .order_by(self.due_field, "id")
            .limit(limit)
            .values_list("id", part or "id")
        )
        claimed: list[RowKey] = []
        for row_id, value in candidates:
            changed = await self.model.filter(expired, id=row_id, state=self.pending).update(
                lease_until=lease_until, attempts=F("attempts") + 1
            )
            if changed == 1:
                claimed.append((int(row_id), value if part else None))
        return claimed

    def _rows(self, batch: Sequence[RowKey]) -> dict[str, Any]:
        """Filters naming the rows of ``batch`` (not empty): by id, and on a partitioned
        queue by the range of their partition key too, so only those months are read."""
        if not self.partition_key:
            return {"id__in": [row_id for row_id, _ in batch]}
        return bounded(batch, self.partition_key)

    async def renew_keys(self, batch: Sequence[RowKey], *, now: datetime, lease: timedelta) -> int:
        """Extend the lease of the rows of ``batch`` (as :meth:`claim_keys` returns them)
        still pending and leased; how many."""
        if not batch:
            return 0
        return await self.model.filter(
            state=self.pending, lease_until__gt=now, **self._rows(batch)
        ).update(lease_until=now + lease)

    async def release_keys(self, batch: Sequence[RowKey]) -> int:
        """Hand back leased rows of ``batch`` this worker never started: due again at once,
        and the attempt the claim counted uncounted; how many."""
        if not batch:
            return 0
        return await self.model.filter(
            state=self.pending, lease_until__isnull=False, **self._rows(batch)
        ).update(lease_until=None, attempts=F("attempts") - 1)


def backoff_delay(
    attempts: int, *, base: timedelta, cap: timedelta, rng: random.Random | None = None
) -> timedelta:
    """``base`` doubled per attempt after the first, capped at ``cap``, ±20 % jitter."""
    delay = min(base * (1 << max(attempts - 1, 0)), cap)
    return delay * (rng or random).uniform(0.8, 1.2)
