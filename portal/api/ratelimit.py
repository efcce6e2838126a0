"""Per-API-key rate limits, reported in ``RateLimit-*`` headers: GCRA on ``api_key.rate_limit_tat``.

The API promises (docs/api.md) that a quiet key may send its whole allowance in one burst,
that requests then refill evenly, and that refused requests do not use up the allowance.
Window counts (:mod:`portal.core.rate_limit`, which the pages and sign-in use) cannot keep
that promise, so the API keeps one number per key, on the key's own row, and answers with the
same :class:`~portal.core.rate_limit.Decision` and headers.

GCRA (the generic cell rate algorithm) keeps the *theoretical arrival time* (TAT): when the
key's allowance would be fully used up if requests kept arriving at exactly the permitted
rate. A request at ``now`` moves it to ``max(tat, now) + interval`` and is allowed when that
lies at most ``burst`` seconds ahead of ``now``. Both the test and the move happen in ONE
conditional ``UPDATE … RETURNING``, so concurrent requests in any number of processes are
counted exactly once each and never exceed the limit. A refused request reads the TAT once
more, only to say when to retry.

``capacity`` requests per ``period`` seconds: ``interval = period / capacity`` and
``burst = period``, so a fresh key may send ``capacity`` requests at once.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

from tortoise import connections

from portal.core.rate_limit import Clock, Decision


class Limiter(Protocol):
    async def check(self, api_key_id: int) -> Decision:
        """Count one request for the API key and say whether it may go through."""
        ...


_SQL = {
    "postgres": (
        "UPDATE api_key SET rate_limit_tat = GREATEST(rate_limit_tat, $1) + $2 "
        "WHERE id = $3 AND GREATEST(rate_limit_tat, $1) + $2 - $1 <= $4 "
        "RETURNING rate_limit_tat"
    ),
    "sqlite": (
        "UPDATE api_key SET rate_limit_tat = MAX(rate_limit_tat, ?1) + ?2 "
        "WHERE id = ?3 AND MAX(rate_limit_tat, ?1) + ?2 - ?1 <= ?4 "
        "RETURNING rate_limit_tat"
    ),
}
_READ = {
    "postgres": "SELECT rate_limit_tat FROM api_key WHERE id = $1",
    "sqlite": "SELECT rate_limit_tat FROM api_key WHERE id = ?",
}
#: Slack for float rounding in ``tat - now`` comparisons.
_EPSILON = 1e-6


class ApiKeyLimiter:
    """``capacity`` requests per ``period`` seconds per API key, shared by all processes."""

    def __init__(self, capacity: int = 120, period: float = 60.0, *, clock: Clock = time.time):
        self.capacity = capacity
        self.period = float(period)
        self.interval = self.period / capacity
        self.clock = clock

    def _dialect(self) -> str:
        dialect = connections.get("default").capabilities.dialect
        return "postgres" if dialect == "postgres" else "sqlite"

    async def check(self, api_key_id: int | str) -> Decision:
        key_id = int(str(api_key_id).removeprefix("key:"))
        conn = connections.get("default")
        dialect = self._dialect()
        now = float(self.clock())
        burst = self.period + _EPSILON
        # execute_query_dict: the asyncpg client's execute_query drops an UPDATE's rows.
        rows = await conn.execute_query_dict(_SQL[dialect], [now, self.interval, key_id, burst])
        if rows:
            ahead = float(rows[0]["rate_limit_tat"]) - now
            return Decision(
                allowed=True,
                limit=self.capacity,
                remaining=max(int((self.period - ahead + _EPSILON) // self.interval), 0),
                reset=max(math.ceil(ahead - _EPSILON), 0),
                retry_after=0,
            )
        rows = await conn.execute_query_dict(_READ[dialect], [key_id])
        tat = float(rows[0]["rate_limit_tat"]) if rows else now
        ahead = max(tat, now) - now
        wait = ahead + self.interval - self.period
        return Decision(
            allowed=False,
            limit=self.capacity,
            remaining=0,
            reset=max(math.ceil(ahead - _EPSILON), 0),
            retry_after=max(math.ceil(wait - _EPSILON), 1),
        )
