"""Naming rows of a table partitioned by month by their whole primary key, (id, ``created_at``).

On PostgreSQL ``outbox_message``, ``webhook_delivery``, ``domain_event`` and
``tracking_event`` are partitioned by month of ``created_at`` and their primary key is
``(id, created_at)`` (portal/history/partitions.py). A statement that finds rows by id
alone looks in every monthly partition, and worse, the planner no longer knows that an
id names one row: on rows not yet analysed (a fresh burst; autovacuum analyses late) it
took ``id = ANY(…)`` for half the table and chose sequential scans and other indexes over
the key. Named by the whole key, every statement is an index probe into one partition.

A :class:`RowKeys` for a model gives:

- :meth:`~RowKeys.this`: one row (ORM), for single-row writes;
- :meth:`~RowKeys.among`: a batch of rows (ORM), ids bounded by their ``created_at`` range;
- :meth:`~RowKeys.matching`: a batch for plain SQL on PostgreSQL, as (id, created_at) pairs.

SQLite keeps plain tables: ids alone are enough there, and the extra terms cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)

#: A partitioned row's primary key on PostgreSQL: (id, created_at).
Key = tuple[int, datetime]


def bounded(batch: Sequence[Key], column: str = "created_at") -> dict[str, Any]:
    """ORM filters for the rows of ``batch`` (not empty): the ids, and the range of their
    partition column, so PostgreSQL reads only the partitions of those months."""
    created = [created_at for _, created_at in batch]
    return {
        "id__in": [row_id for row_id, _ in batch],
        f"{column}__gte": min(created),
        f"{column}__lte": max(created),
    }


@dataclass(frozen=True)
class RowKeys(Generic[M]):
    """How to name rows of ``model``, partitioned on ``column``."""

    model: type[M]
    column: str = "created_at"

    def key(self, row: M) -> Key:
        return (int(row.pk), getattr(row, self.column))

    def keys(self, rows: Iterable[M]) -> list[Key]:
        return [self.key(row) for row in rows]

    def this(self, row: M, **more: Any) -> QuerySet[M]:
        """The row itself."""
        return self.model.filter(id=row.pk, **{self.column: getattr(row, self.column)}, **more)

    def among(self, batch: Sequence[Key]) -> QuerySet[M]:
        """The rows of ``batch`` (not empty): ids within their ``created_at`` range, so
        PostgreSQL reads only the partitions of those months and estimates a few rows."""
        return self.model.filter(**bounded(batch, self.column))

    def matching(self, batch: Sequence[Key], first: int, alias: str = "o") -> tuple[str, list[Any]]:
        """PostgreSQL: ``(o.id, o.created_at) IN (($first, $first+1), …)`` for the table
        aliased ``alias``, and its parameters. Each pair names one row by the whole
        primary key: PostgreSQL plans only the partitions of those months and probes the
        key's index. (An ``unnest`` of two arrays joined on the key cost more: the planner
        cannot prune partitions by a join and, with no statistics, preferred other indexes.)"""
        pairs = ", ".join(f"(${n}, ${n + 1})" for n in range(first, first + 2 * len(batch), 2))
        params: list[Any] = [value for pair in batch for value in pair]
        return f"({alias}.id, {alias}.{self.column}) IN ({pairs})", params
