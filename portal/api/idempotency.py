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

The records live behind :class:`IdempotencyStore`, implemented by
:class:`portal.api.idempotency_db.DatabaseIdempotencyStore` (shared by every process).
"""

from __future__ import annotations

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
