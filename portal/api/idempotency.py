"""``Idempotency-Key`` on POST: the same key and body get the first answer again.

Keys are scoped to the API key that sent them and kept for 24 hours. A request is
fingerprinted by method, path and its JSON body (parsed and re-serialised with sorted keys,
so whitespace and key order do not matter). Outcomes:

* a new key → the request runs, and its answer (any status below 500) is stored;
* same key, same fingerprint, answer stored → that answer is replayed (same status and body,
  with ``Idempotent-Replayed: true``);
* same key, other fingerprint → 422;
* same key while the first request still runs → 409 (retry later).

A 5xx answer is not stored: the client may retry with the same key.

The records live behind :class:`IdempotencyStore`. The default is
:class:`portal.api.idempotency_db.DatabaseIdempotencyStore` (shared by every process);
:class:`MemoryIdempotencyStore` here is **per process**, for tests and single-process tools.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

#: How long a key is remembered.
RETENTION = timedelta(hours=24)
#: How long a reservation holds before a crashed request's key can be used again.
IN_FLIGHT_LEASE = timedelta(minutes=1)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    media_type: str
    location: str | None = None


class Outcome(Enum):
    NEW = "new"
    REPLAY = "replay"
    MISMATCH = "mismatch"
    IN_FLIGHT = "in_flight"


@dataclass(frozen=True)
class Begin:
    outcome: Outcome
    stored: StoredResponse | None = None


class IdempotencyStore(Protocol):
    async def begin(self, api_key_id: int, key: str, fingerprint: str, now: datetime) -> Begin:
        """Reserve ``key`` for this request, or say why not (replay, mismatch, in flight)."""
        ...

    async def finish(
        self, api_key_id: int, key: str, response: StoredResponse, now: datetime
    ) -> None:
        """Store the answer for replays."""
        ...

    async def release(self, api_key_id: int, key: str) -> None:
        """Forget a reservation whose request failed on our side (5xx)."""
        ...


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


@dataclass
class _Record:
    fingerprint: str
    created_at: datetime
    lease_until: datetime
    response: StoredResponse | None = None


class MemoryIdempotencyStore:
    """Records in this process's memory (see the module note)."""

    def __init__(self) -> None:
        self._records: dict[tuple[int, str], _Record] = {}
        self._lock = asyncio.Lock()
        self._pruned_at: datetime | None = None

    def _prune(self, now: datetime) -> None:
        if self._pruned_at is not None and now - self._pruned_at < timedelta(minutes=1):
            return
        self._pruned_at = now
        expired = [k for k, r in self._records.items() if now - r.created_at >= RETENTION]
        for k in expired:
            del self._records[k]

    async def begin(self, api_key_id: int, key: str, fingerprint: str, now: datetime) -> Begin:
        async with self._lock:
            self._prune(now)
            record = self._records.get((api_key_id, key))
            if record is not None and now - record.created_at >= RETENTION:
                record = None
            if record is None or (record.response is None and record.lease_until <= now):
                self._records[(api_key_id, key)] = _Record(fingerprint, now, now + IN_FLIGHT_LEASE)
                return Begin(Outcome.NEW)
            if record.fingerprint != fingerprint:
                return Begin(Outcome.MISMATCH)
            if record.response is None:
                return Begin(Outcome.IN_FLIGHT)
            return Begin(Outcome.REPLAY, record.response)

    async def finish(
        self, api_key_id: int, key: str, response: StoredResponse, now: datetime
    ) -> None:
        async with self._lock:
            record = self._records.get((api_key_id, key))
            if record is not None:
                record.response = response

    async def release(self, api_key_id: int, key: str) -> None:
        async with self._lock:
            self._records.pop((api_key_id, key), None)
