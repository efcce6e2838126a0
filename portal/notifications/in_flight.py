"""The dispatcher's per-message outbox writes, many messages per statement, in plain SQL.

Each send is bracketed by two writes: the in-flight mark (``attempt_id``,
``sending_since``) before the provider is called, and the outcome after. Through the ORM
that was two statements a message, each built by pypika, and together more CPU than
sending an e-mail. Here a lane marks all its messages with one ``UPDATE`` before its first
send (so every mark is still written before its send), and records their ``sent``
outcomes a batch per ``UPDATE`` (``dispatcher._Recorder``).

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
from portal.notifications.base import Sent

_TABLE = OutboxMessage._meta.db_table
_PENDING = MessageState.PENDING.value
_SENT = MessageState.SENT.value


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


async def mark(ids: Sequence[int], attempt: str, since: datetime) -> set[int]:
    """Mark the still-pending rows of ``ids`` as being sent by ``attempt`` since ``since``;
    returns the ids marked (a row settled meanwhile is no longer ours to send)."""
    if not ids:
        return set()
    conn = _conn()
    if _postgres(conn):
        sql = (
            f"UPDATE {_TABLE} SET attempt_id = $1, sending_since = $2 "
            f"WHERE id = ANY($3::int[]) AND state = '{_PENDING}' RETURNING id"
        )
        rows = await conn.execute_query_dict(sql, [attempt, since, list(ids)])
    else:
        sql = (
            f"UPDATE {_TABLE} SET attempt_id = ?, sending_since = ? "
            f"WHERE id IN ({_marks(len(ids))}) AND state = '{_PENDING}' RETURNING id"
        )
        rows = await conn.execute_query_dict(sql, [attempt, _time(conn, since), *ids])
    return {int(row["id"]) for row in rows}


async def record_sent(outcomes: Sequence[tuple[int, Sent]], now: datetime) -> int:
    """Record ``(id, Sent)`` outcomes in one statement: sent, lease and mark cleared."""
    if not outcomes:
        return 0
    conn = _conn()
    ids = [row_id for row_id, _ in outcomes]
    providers = [sent.provider_id[:100] for _, sent in outcomes]
    statuses = [sent.status[:32] for _, sent in outcomes]
    settled = (
        "lease_until = NULL, error = NULL, attempt_id = NULL, sending_since = NULL, "
        f"state = '{_SENT}'"
    )
    if _postgres(conn):
        sql = (
            f"UPDATE {_TABLE} AS o SET {settled}, sent_at = $1, "
            "provider_id = v.provider_id, delivery_status = v.status "
            "FROM unnest($2::int[], $3::text[], $4::text[]) AS v(id, provider_id, status) "
            "WHERE o.id = v.id"
        )
        count, _ = await conn.execute_query(sql, [now, ids, providers, statuses])
        return int(count)
    cases = " ".join("WHEN ? THEN ?" for _ in ids)
    sql = (
        f"UPDATE {_TABLE} SET {settled}, sent_at = ?, "
        f"provider_id = CASE id {cases} END, delivery_status = CASE id {cases} END "
        f"WHERE id IN ({_marks(len(ids))})"
    )
    values: list[Any] = [_time(conn, now)]
    values += [v for pair in zip(ids, providers, strict=True) for v in pair]
    values += [v for pair in zip(ids, statuses, strict=True) for v in pair]
    count, _ = await conn.execute_query(sql, [*values, *ids])
    return int(count)


async def release(ids: Sequence[int], attempt: str) -> int:
    """Hand back leased rows never handed to a provider: due again at once, the claim's
    attempt uncounted, and ``attempt``'s in-flight mark taken off (a mark left by an
    attempt that died stays: whether that one was sent is still to be found out)."""
    if not ids:
        return 0
    conn = _conn()
    if _postgres(conn):
        sql = (
            f"UPDATE {_TABLE} SET lease_until = NULL, attempts = attempts - 1, "
            "sending_since = CASE WHEN attempt_id = $1 THEN NULL ELSE sending_since END, "
            "attempt_id = CASE WHEN attempt_id = $1 THEN NULL ELSE attempt_id END "
            f"WHERE id = ANY($2::int[]) AND state = '{_PENDING}' AND lease_until IS NOT NULL"
        )
        count, _ = await conn.execute_query(sql, [attempt, list(ids)])
        return int(count)
    sql = (
        f"UPDATE {_TABLE} SET lease_until = NULL, attempts = attempts - 1, "
        "sending_since = CASE WHEN attempt_id = ? THEN NULL ELSE sending_since END, "
        "attempt_id = CASE WHEN attempt_id = ? THEN NULL ELSE attempt_id END "
        f"WHERE id IN ({_marks(len(ids))}) AND state = '{_PENDING}' AND lease_until IS NOT NULL"
    )
    count, _ = await conn.execute_query(sql, [attempt, attempt, *ids])
    return int(count)
