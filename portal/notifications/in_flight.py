"""The dispatcher's per-message outbox writes, many messages per statement, in plain SQL.

Each send is bracketed by two writes: the in-flight mark (``attempt_id``,
``sending_since``) before the provider is called, and the outcome after. Through the ORM
that was two statements a message, each built by pypika, and together more CPU than
sending an e-mail. Here a lane marks all its messages with one ``UPDATE`` before its first
send (so every mark is still written before its send), and records their ``sent``
outcomes a batch per ``UPDATE`` (``lanes.Recorder``). Rows are named by their key,
(id, ``created_at``), through :mod:`portal.notifications.rows`.

What a crash costs is unchanged in kind: a row still marked after its lease lapsed is
looked up with the provider (SMS) or sent again under the same Message-ID (e-mail), once;
a row marked but never handed over is simply sent then. A stopping worker unmarks the
messages it marked but never started (:func:`release`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import MessageState, OutboxMessage
from portal.notifications import rows
from portal.notifications.base import Sent
from portal.notifications.rows import Key

_TABLE = OutboxMessage._meta.db_table
_PENDING = MessageState.PENDING.value
_SENT = MessageState.SENT.value
#: The state test of a keyed statement, written so that it cannot use the (state,
#: scheduled_for) index: with no statistics PostgreSQL takes 'pending' for 0.5 % of the
#: table and read every pending row (4 ms for 25 messages out of 2,000 pending) rather
#: than probe the key 25 times (0.1 ms).
_STILL_PENDING = f"(o.state = '{_PENDING}') IS TRUE"


def _conn() -> BaseDBAsyncClient:
    conn: BaseDBAsyncClient = connections.get("default")
    return conn


def _postgres(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "postgres"


def _time(conn: BaseDBAsyncClient, value: datetime) -> Any:
    """A timestamp as Tortoise would store it (text on SQLite, compared as text there)."""
    if _postgres(conn):
        return value
    return OutboxMessage._meta.fields_map["sending_since"].to_db_value(value, OutboxMessage)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


async def mark(batch: Sequence[Key], attempt: str, since: datetime) -> set[int]:
    """Mark the still-pending rows of ``batch`` as being sent by ``attempt`` since
    ``since``; returns the ids marked (a row settled meanwhile is no longer ours to send)."""
    if not batch:
        return set()
    conn = _conn()
    ids = [row_id for row_id, _ in batch]
    if _postgres(conn):
        match, params = rows.matching(batch, 3)
        sql = (
            f"UPDATE {_TABLE} AS o SET attempt_id = $1, sending_since = $2 "
            f"WHERE {match} AND {_STILL_PENDING} RETURNING o.id"
        )
        found = await conn.execute_query_dict(sql, [attempt, since, *params])
    else:
        sql = (
            f"UPDATE {_TABLE} SET attempt_id = ?, sending_since = ? "
            f"WHERE id IN ({_marks(len(ids))}) AND state = '{_PENDING}' RETURNING id"
        )
        found = await conn.execute_query_dict(sql, [attempt, _time(conn, since), *ids])
    return {int(row["id"]) for row in found}


async def record_sent(outcomes: Sequence[tuple[Key, Sent]], now: datetime) -> int:
    """Record ``(key, Sent)`` outcomes in one statement: sent, lease and mark cleared."""
    if not outcomes:
        return 0
    conn = _conn()
    ids = [row_id for (row_id, _), _ in outcomes]
    providers = [sent.provider_id[:100] for _, sent in outcomes]
    statuses = [sent.status[:32] for _, sent in outcomes]
    settled = (
        "lease_until = NULL, error = NULL, attempt_id = NULL, sending_since = NULL, "
        f"state = '{_SENT}'"
    )
    if _postgres(conn):
        count = len(outcomes)
        match, params = rows.matching([k for k, _ in outcomes], 2 + 4 * count)
        cases = " ".join(f"WHEN ${n}::bigint THEN ${n + 1}" for n in range(2, 2 + 2 * count, 2))
        more = " ".join(
            f"WHEN ${n}::bigint THEN ${n + 1}" for n in range(2 + 2 * count, 2 + 4 * count, 2)
        )
        sql = (
            f"UPDATE {_TABLE} AS o SET {settled}, sent_at = $1, "
            f"provider_id = CASE o.id {cases} END, delivery_status = CASE o.id {more} END "
            f"WHERE {match}"
        )
        values: list[Any] = [now]
        values += [v for pair in zip(ids, providers, strict=True) for v in pair]
        values += [v for pair in zip(ids, statuses, strict=True) for v in pair]
        changed, _ = await conn.execute_query(sql, [*values, *params])
        return int(changed)
    cases = " ".join("WHEN ? THEN ?" for _ in ids)
    sql = (
        f"UPDATE {_TABLE} SET {settled}, sent_at = ?, "
        f"provider_id = CASE id {cases} END, delivery_status = CASE id {cases} END "
        f"WHERE id IN ({_marks(len(ids))})"
    )
    values = [_time(conn, now)]
    values += [v for pair in zip(ids, providers, strict=True) for v in pair]
    values += [v for pair in zip(ids, statuses, strict=True) for v in pair]
    count, _ = await conn.execute_query(sql, [*values, *ids])
    return int(count)


async def release(batch: Sequence[Key], attempt: str) -> int:
    """Hand back leased rows never handed to a provider: due again at once, the claim's
    attempt uncounted, and ``attempt``'s in-flight mark taken off (a mark left by an
    attempt that died stays: whether that one was sent is still to be found out)."""
    if not batch:
        return 0
    conn = _conn()
    ids = [row_id for row_id, _ in batch]
    if _postgres(conn):
        match, params = rows.matching(batch, 2)
        sql = (
            f"UPDATE {_TABLE} AS o SET lease_until = NULL, attempts = o.attempts - 1, "
            "sending_since = CASE WHEN o.attempt_id = $1 THEN NULL ELSE o.sending_since END, "
            "attempt_id = CASE WHEN o.attempt_id = $1 THEN NULL ELSE o.attempt_id END "
            f"WHERE {match} AND {_STILL_PENDING} AND o.lease_until IS NOT NULL"
        )
        count, _ = await conn.execute_query(sql, [attempt, *params])
        return int(count)
    sql = (
        f"UPDATE {_TABLE} SET lease_until = NULL, attempts = attempts - 1, "
        "sending_since = CASE WHEN attempt_id = ? THEN NULL ELSE sending_since END, "
        "attempt_id = CASE WHEN attempt_id = ? THEN NULL ELSE attempt_id END "
        f"WHERE id IN ({_marks(len(ids))}) AND state = '{_PENDING}' AND lease_until IS NOT NULL"
    )
    count, _ = await conn.execute_query(sql, [attempt, attempt, *ids])
    return int(count)
