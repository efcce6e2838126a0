"""Per-merchant retention of the history tables: forget what no merchant keeps any more.

Each merchant keeps ``history_retention_months`` whole months before the current one
(default 13, from :data:`MIN_MONTHS` to :data:`MAX_MONTHS`): at any moment in December
2026 a 13-month merchant keeps everything from 1 November 2025 on. Once a day, after
:data:`RUN_AFTER_HOUR` UTC (after the nightly jobs, such as analytics rollups), one worker:

1. runs the :func:`before_retention` hooks (a hook that fails stops the day's run: nothing
   is deleted that a hook could not prepare for, e.g. roll up);
2. on PostgreSQL, drops each monthly partition that ended before every merchant's cutoff,
   unless it still holds rows that must be kept (then only the others are deleted from it
   and it is looked at again the next day);
3. deletes, table by table, the rows older than each merchant's own cutoff (on
   PostgreSQL only older partitions and the default one are read; on SQLite this is all
   retention does).

Rows never removed, however old:

- outbox messages not yet sent (``pending``, ``sending``) and any message a withdrawal's
  acknowledgement points to (the shop's proof of a durable-medium confirmation);
- domain events not yet handled (``processed_at`` empty);
- webhook deliveries still pending (owed to the endpoint);
- scans of shipments not in a final status (delivered, returned, expired): their scans'
  dedupe keys stop a carrier's old scans being taken for new ones. Expiry
  (``expire_after_days``, at most 365) makes every shipment final in the end.

Analytics read shipments and their own daily rollups, not these tables' old months, so
their figures outlive the partitions (see docs/analytics.md).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from carriers.base import FINAL_STATUSES
from portal.history import partitions
from portal.models import MaintenanceRun, Merchant
from portal.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_MONTHS = 13
MIN_MONTHS = 3
MAX_MONTHS = 120
#: Retention runs once a day, after this hour (UTC).
RUN_AFTER_HOUR = 3
RUN_NAME = "retention"
#: How long one drop or delete may take (the pool's statement timeout is for requests).
STATEMENT_TIMEOUT = "30min"
#: How long a drop waits for the lock it needs before trying again the next day.
LOCK_TIMEOUT = "10s"

_FINAL = ", ".join(f"'{status.value}'" for status in sorted(FINAL_STATUSES))


@dataclass(frozen=True)
class Kept:
    """How retention reads one table: whose rows they are and which it must keep."""

    table: str
    column: str
    #: Rows of the merchants ``{ids}`` (a comma-separated list of ids).
    owner: str
    #: Rows never removed, whatever their age.
    protected: str


#: In the order they are cleaned: deliveries and messages before the events behind them.
TABLES: tuple[Kept, ...] = (
    Kept(
        "tracking_event",
        "occurred_at",
        "shipment_id IN (SELECT id FROM shipment WHERE merchant_id IN ({ids}))",
        f"shipment_id IN (SELECT id FROM shipment WHERE status NOT IN ({_FINAL}))",
    ),
    Kept(
        "webhook_delivery",
        "created_at",
        "endpoint_id IN (SELECT id FROM webhook_endpoint WHERE merchant_id IN ({ids}))",
        "state = 'pending'",
    ),
    Kept(
        "outbox_message",
        "created_at",
        "merchant_id IN ({ids})",
        "state IN ('pending', 'sending') OR id IN "
        "(SELECT acknowledgement_id FROM withdrawal WHERE acknowledgement_id IS NOT NULL)",
    ),
    Kept("domain_event", "created_at", "merchant_id IN ({ids})", "processed_at IS NULL"),
)


@dataclass(frozen=True)
class Plan:
    """What a run removes: rows older than each merchant's cutoff."""

    now: datetime
    #: Retention in months → the merchants keeping that many.
    groups: dict[int, list[int]]

    def cutoff(self, months: int) -> datetime:
        return cutoff(self.now, months)

    @property
    def earliest_cutoff(self) -> datetime:
        """The cutoff of the longest retention: older partitions belong to no one."""
        return self.cutoff(max(self.groups, default=DEFAULT_MONTHS))


@dataclass
class Outcome:
    dropped: list[str]
    deleted: dict[str, int]


Hook = Callable[[Plan], Awaitable[None]]
_HOOKS: list[Hook] = []


def before_retention(hook: Hook) -> Hook:
    """Register ``hook`` to run before each retention run removes anything (usable as a
    decorator). Analytics rollups use it to recount dirty days before rows go
    (``portal.analytics.rollups``)."""
    _HOOKS.append(hook)
    return hook


def clamp(months: int) -> int:
    return max(MIN_MONTHS, min(MAX_MONTHS, months))


def cutoff(now: datetime, months: int) -> datetime:
    """The first instant a merchant keeping ``months`` months still keeps at ``now``."""
    return partitions.add_months(partitions.month_start(now), -clamp(months))


async def plan(now: datetime) -> Plan:
    groups: dict[int, list[int]] = defaultdict(list)
    for merchant_id, months in await Merchant.all().values_list("id", "history_retention_months"):
        groups[clamp(int(months))].append(int(merchant_id))
    return Plan(now, dict(groups))


def _moment(conn: BaseDBAsyncClient, moment: datetime) -> str:
    """``moment`` as a literal comparable with the engine's stored datetimes."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"'{text}+00'::timestamptz" if partitions.is_postgres(conn) else f"'{text}+00:00'"


async def _run(conn: BaseDBAsyncClient, sql: str, *, drop: bool = False) -> int:
    """One statement, on PostgreSQL in its own transaction with retention's timeouts."""
    if not partitions.is_postgres(conn):
        count, _ = await conn.execute_query(sql)
        return int(count)
    async with in_transaction(conn.connection_name) as tx:
        await tx.execute_script(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
        if drop:
            await tx.execute_script(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        count, _ = await tx.execute_query(sql)
        return int(count)


async def _drop_old_partitions(conn: BaseDBAsyncClient, kept: Kept, plan: Plan) -> list[str]:
    """Drop ``kept``'s monthly partitions older than every cutoff; a partition that holds
    protected rows loses only its other rows."""
    dropped: list[str] = []
    limit = plan.earliest_cutoff
    for month, name in sorted((await partitions.monthly(conn, kept.table)).items()):
        if partitions.add_months(month, 1) > limit:
            continue
        rows = await conn.execute_query_dict(
            f'SELECT EXISTS (SELECT 1 FROM "{name}" WHERE {kept.protected}) AS held'
        )
        try:
            if rows[0]["held"]:
                await _run(conn, f'DELETE FROM "{name}" WHERE NOT ({kept.protected})')
                continue
            await _run(conn, f'DROP TABLE "{name}"', drop=True)
        except Exception:  # a lock not granted in time: tomorrow's run tries again
            log.exception("retention: %s not cleaned", name)
            continue
        dropped.append(name)
    return dropped


async def apply(plan: Plan, conn: BaseDBAsyncClient | None = None) -> Outcome:
    """Remove what ``plan`` says no merchant keeps; what was dropped and deleted."""
    conn = conn or connections.get("default")
    for hook in _HOOKS:
        await hook(plan)
    outcome = Outcome([], {})
    postgres = partitions.is_postgres(conn)
    for kept in TABLES:
        if postgres and await partitions.is_partitioned(conn, kept.table):
            outcome.dropped += await _drop_old_partitions(conn, kept, plan)
        deleted = 0
        for months, ids in sorted(plan.groups.items()):
            owner = kept.owner.format(ids=", ".join(str(i) for i in ids))
            deleted += await _run(
                conn,
                f"DELETE FROM {kept.table} WHERE {kept.column} < "
                f"{_moment(conn, plan.cutoff(months))} AND {owner} AND NOT ({kept.protected})",
            )
        outcome.deleted[kept.table] = deleted
    if postgres:
        # A delivery can only be written from its domain event: once the event is gone
        # its keys guard nothing (event ids only grow).
        await _run(
            conn,
            "DELETE FROM webhook_delivery_key WHERE event_id < "
            "(SELECT COALESCE(MIN(id), 0) FROM domain_event)",
        )
    return outcome


async def claim_run(now: datetime) -> bool:
    """Whether this worker runs today's retention: after :data:`RUN_AFTER_HOUR` and only
    the first to change the shared row (a conditional update)."""
    due = now.astimezone(UTC).replace(hour=RUN_AFTER_HOUR, minute=0, second=0, microsecond=0)
    if now < due:
        return False
    await MaintenanceRun.bulk_create(
        [MaintenanceRun(name=RUN_NAME, started_at=datetime(2000, 1, 1, tzinfo=UTC))],
        ignore_conflicts=True,
    )
    changed = await MaintenanceRun.filter(name=RUN_NAME, started_at__lt=due).update(started_at=now)
    return bool(changed == 1)


async def history_job(
    settings: Settings, client: httpx.AsyncClient, *, now: datetime | None = None
) -> bool:
    """The worker's unit: partitions ahead (PostgreSQL), then the day's retention once
    (``now``: the worker's clock, given by tests that run the job months later)."""
    now = now or datetime.now(UTC)
    conn = connections.get("default")
    created = await partitions.ensure(conn, now)
    if created:
        log.info("history: partitions %s created", ", ".join(created))
    if await claim_run(now):
        outcome = await apply(await plan(now), conn)
        log.info(
            "retention: partitions dropped %s, rows deleted %s",
            ", ".join(outcome.dropped) or "none",
            outcome.deleted,
        )
    return False
