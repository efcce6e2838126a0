"""Monthly partitions of the history tables on PostgreSQL (declarative, RANGE by month).

Each table is split on one timestamp column into ``<table>_pYYYY_MM`` partitions (from the
first of the month, inclusive, to the first of the next) plus ``<table>_default``, which
catches any row no monthly partition covers (a carrier scan dated years back, a month
whose partition was dropped), so an insert never fails for want of a partition. The
worker creates the previous month's, the current one's and :data:`AHEAD` more
(:func:`ensure`), so inserts land in monthly partitions, not in the default one.

A partition is created beside the table, filled with the default partition's rows of its
month (usually none) and then attached: ``CREATE TABLE … PARTITION OF`` would fail as soon
as the default partition holds a row of that month, and attaching takes a weaker lock
(inserts go on). Every partition of ``tracking_event`` carries its own unique index on
(shipment_id, dedupe_key), which the partitioned parent cannot (a parent's unique key must
include the partition key): a dedupe key contains the scan's time to the second, so two
copies of a scan always fall in the same month, and a per-partition unique index
forbids the second copy as the old table-wide one did (``ON CONFLICT DO NOTHING`` skips
it). See :mod:`portal.history.convert` for the other tables' unique keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

#: Months created after the current one.
AHEAD = 2
#: Months created before the current one (late scans of last month stay out of default).
BEHIND = 1
#: Serialises partition changes between workers (pg_advisory_xact_lock key).
LOCK_KEY = 20_260_601


@dataclass(frozen=True)
class Partitioned:
    """One partitioned table: its partition key and what each partition must carry."""

    table: str
    column: str
    #: Columns of a unique index every partition gets (see the module's docstring).
    local_unique: tuple[str, ...] = ()


TABLES: tuple[Partitioned, ...] = (
    Partitioned("tracking_event", "occurred_at", local_unique=("shipment_id", "dedupe_key")),
    Partitioned("domain_event", "created_at"),
    Partitioned("outbox_message", "created_at"),
    Partitioned("webhook_delivery", "created_at"),
)
BY_TABLE = {spec.table: spec for spec in TABLES}
_NAME = re.compile(r"_p(\d{4})_(\d{2})$")


def month_start(moment: datetime) -> datetime:
    """The first instant (UTC) of ``moment``'s month."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_months(month: datetime, count: int) -> datetime:
    """The first of the month ``count`` months after (before, if negative) ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(table: str, month: datetime) -> str:
    return f"{table}_p{month.year:04d}_{month.month:02d}"


def month_of(name: str) -> datetime | None:
    """The month a monthly partition's name stands for (None for the default one)."""
    found = _NAME.search(name)
    if found is None:
        return None
    return datetime(int(found.group(1)), int(found.group(2)), 1, tzinfo=UTC)


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return bool(conn.capabilities.dialect == "postgres")


async def is_partitioned(conn: BaseDBAsyncClient, table: str) -> bool:
    rows = await conn.execute_query_dict(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace",
        [table],
    )
    return bool(rows)


async def monthly(conn: BaseDBAsyncClient, table: str) -> dict[datetime, str]:
    """The table's monthly partitions by month (the default one left out)."""
    rows = await conn.execute_query_dict(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent "
        "WHERE p.relname = $1 AND p.relnamespace = current_schema()::regnamespace",
        [table],
    )
    found: dict[datetime, str] = {}
    for row in rows:
        month = month_of(str(row["name"]))
        if month is not None:
            found[month] = str(row["name"])
    return found


def _literal(moment: datetime) -> str:
    return f"'{moment.strftime('%Y-%m-%d %H:%M:%S')}+00'"


def local_index_sql(spec: Partitioned, partition: str) -> str:
    """The per-partition unique index of ``spec`` on ``partition`` ("" when none)."""
    if not spec.local_unique:
        return ""
    columns = ", ".join(spec.local_unique)
    return f'CREATE UNIQUE INDEX IF NOT EXISTS "{partition}_key" ON "{partition}" ({columns})'


async def create_month(conn: BaseDBAsyncClient, spec: Partitioned, month: datetime) -> str:
    """Create and attach ``spec``'s partition for ``month``, moving in the default
    partition's rows of that month; returns its name. Call inside a transaction."""
    name = partition_name(spec.table, month)
    start, end = _literal(month), _literal(add_months(month, 1))
    default = f"{spec.table}_default"
    statements = [
        f'CREATE TABLE "{name}" (LIKE "{spec.table}" INCLUDING DEFAULTS)',
        f'WITH moved AS (DELETE FROM "{default}" WHERE {spec.column} >= {start} '
        f"AND {spec.column} < {end} RETURNING *) "
        f'INSERT INTO "{name}" SELECT * FROM moved',
        local_index_sql(spec, name),
        f'ALTER TABLE "{spec.table}" ATTACH PARTITION "{name}" '
        f"FOR VALUES FROM ({start}) TO ({end})",
    ]
    for sql in statements:
        if sql:
            await conn.execute_script(sql)
    return name


def wanted_months(now: datetime) -> list[datetime]:
    """The months that should have a partition at ``now``."""
    current = month_start(now)
    return [add_months(current, n) for n in range(-BEHIND, AHEAD + 1)]


async def ensure(conn: BaseDBAsyncClient, now: datetime) -> list[str]:
    """Create the missing partitions of :func:`wanted_months` for every table; returns the
    names created. A no-op on SQLite and on tables that are not partitioned."""
    if not is_postgres(conn):
        return []
    from tortoise.transactions import in_transaction

    created: list[str] = []
    async with in_transaction(conn.connection_name) as tx:
        await tx.execute_query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY])
        for spec in TABLES:
            if not await is_partitioned(tx, spec.table):
                continue
            have = await monthly(tx, spec.table)
            for month in wanted_months(now):
                if month not in have:
                    created.append(await create_month(tx, spec, month))
    return created
