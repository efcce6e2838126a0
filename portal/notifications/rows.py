"""How the dispatcher names outbox rows: by id **and** ``created_at``, in one place.

On PostgreSQL ``outbox_message`` is partitioned by month of ``created_at`` and its primary
key is ``(id, created_at)`` (portal/history/partitions.py). A statement that finds rows
by id alone looks in every monthly partition, and worse, the planner no longer knows that
an id names one row: on rows not yet analysed (a fresh burst of messages; autovacuum
analyses late or, on some machines, never) it took ``id = ANY(…)`` for half the table and
chose sequential scans, parallel workers and the ``state`` index over the key (measured:
the pass's load of 100 messages 25–45 ms, an outcome's ``UPDATE`` 0.6 ms). Named by the
whole key, every statement is an index probe into one partition.

- :func:`this`: one message's row (ORM), for the rare single-row writes;
- :func:`among`: a batch of rows (ORM), ids bounded by their ``created_at`` range;
- :func:`matching`: a batch for plain SQL on PostgreSQL, as (id, created_at) pairs.

SQLite keeps a plain table: ids alone are enough there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from tortoise.queryset import QuerySet

from portal.models import OutboxMessage

#: An outbox row's primary key on PostgreSQL: (id, created_at).
Key = tuple[int, datetime]


def key(message: OutboxMessage) -> Key:
    return (message.id, message.created_at)


def keys(messages: Iterable[OutboxMessage]) -> list[Key]:
    return [key(message) for message in messages]


def this(message: OutboxMessage, **more: Any) -> QuerySet[OutboxMessage]:
    """The message's own row."""
    return OutboxMessage.filter(id=message.id, created_at=message.created_at, **more)


def among(batch: Sequence[Key]) -> QuerySet[OutboxMessage]:
    """The rows of ``batch`` (not empty): ids within their ``created_at`` range, so
    PostgreSQL reads only the partitions of those months and estimates a few rows."""
    created = [created_at for _, created_at in batch]
    return OutboxMessage.filter(
        id__in=[row_id for row_id, _ in batch],
        created_at__gte=min(created),
        created_at__lte=max(created),
    )


def matching(batch: Sequence[Key], first: int) -> tuple[str, list[Any]]:
    """PostgreSQL: ``(o.id, o.created_at) IN (($first, $first+1), …)`` for the table
    aliased ``o``, and its parameters. Each pair names one row by the whole primary key:
    PostgreSQL plans only the partitions of those months and probes the key's index.
    (An ``unnest`` of two arrays joined on the key cost more: the planner cannot prune
    partitions by a join and, with no statistics, preferred the ``state`` index.)"""
    pairs = ", ".join(f"(${n}, ${n + 1})" for n in range(first, first + 2 * len(batch), 2))
    params: list[Any] = [value for pair in batch for value in pair]
    return f"(o.id, o.created_at) IN ({pairs})", params
