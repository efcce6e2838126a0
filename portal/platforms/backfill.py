"""Backfill and reconciliation: read the store's orders page by page and apply them.

The first sync of a connection reads every order and product (the backfill); later ones
read the orders changed since the last complete sync, with an overlap, so a webhook the
store never delivered is caught up (the reconciliation). Pages are applied in batches of
up to :data:`APPLY_BATCH` orders, each in its own transaction (a round trip per table per
batch rather than per page), so a failure half-way keeps what was written and the next
run starts over from the last watermark; idempotent upserts make the overlap harmless.
Pages are read and parsed by a task of their own, up to two batches ahead of the writer,
so the database's work on one batch overlaps the parsing of the next (one core parses,
the database has the other). A 401/403 pauses the connection; other failures are kept
as its last error and retried next run.

:func:`sync_job` is the worker's unit: it claims one due connection with a conditional
update (exactly one row changed: it is ours), so any number of workers share them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from portal.crypto import DecryptionError
from portal.models import PlatformConnection
from portal.platforms.base import Page, PlatformError, Revoked, ShopOrder
from portal.platforms.connections import PlatformClient, client_for, pause
from portal.platforms.sync import SyncReport, Target, apply_orders, apply_products
from portal.platforms.transport import Sleep
from portal.settings import Settings
from portal.tracking import accounts

log = logging.getLogger(__name__)

RECONCILE_EVERY = timedelta(minutes=15)
#: Reconciliation re-reads this much before the watermark (clocks and slow commits).
OVERLAP = timedelta(minutes=10)
LEASE = timedelta(minutes=10)
PAGE_SIZE = 100
#: Orders written per transaction (pages are gathered up to this many).
APPLY_BATCH = 1000


async def sync_connection(
    connection: PlatformConnection,
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    now: datetime | None = None,
    full: bool | None = None,
    sleep: Sleep | None = None,
    page_size: int = PAGE_SIZE,
) -> SyncReport:
    """Read and apply the store's orders (and, on a full sync, its products)."""
    now = now or datetime.now(UTC)
    report = SyncReport()
    full = connection.synced_until is None if full is None else full
    try:
        client = client_for(connection, settings, http, sleep=sleep)
    except DecryptionError:
        await _failed(connection, "The saved credentials cannot be read; save them again.", now)
        return report
    offered = accounts.offered(settings)
    since = None if full or connection.synced_until is None else connection.synced_until - OVERLAP
    newest = connection.synced_until
    try:
        if full:
            cursor: str | None = None
            while True:
                products = await client.products(cursor)
                async with in_transaction() as conn:
                    report.merge(
                        await apply_products(
                            Target(connection, offered, now, conn), products.records
                        )
                    )
                if products.next is None:
                    break
                cursor = products.next
        # Pages are read (and parsed) by a task of their own while batches are written,
        # so the store's answers and PostgreSQL's work overlap the parsing here.
        pages: asyncio.Queue[Page[ShopOrder] | BaseException] = asyncio.Queue(
            max(2, 2 * APPLY_BATCH // page_size)
        )
        reader = asyncio.create_task(_read_orders(client, since, page_size, pages))
        try:
            batch: list[ShopOrder] = []
            while True:
                page = await pages.get()
                if isinstance(page, BaseException):
                    raise page
                batch += page.records
                for order in page.records:
                    if order.updated_at and (newest is None or order.updated_at > newest):
                        newest = order.updated_at
                if len(batch) >= APPLY_BATCH or page.next is None:
                    async with in_transaction() as conn:
                        report.merge(
                            await apply_orders(Target(connection, offered, now, conn), batch)
                        )
                    batch = []
                if page.next is None:
                    break
        finally:
            if not reader.done():
                reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
    except Revoked as exc:
        await pause(connection, str(exc), now)
        report.problems.append(str(exc))
        return report
    except PlatformError as exc:
        await _failed(connection, str(exc), now)
        report.problems.append(str(exc))
        return report
    connection.last_sync_at = now
    connection.synced_until = newest or now
    connection.next_sync_at = now + RECONCILE_EVERY
    problem = "; ".join(report.problems[:3]) or None
    await PlatformConnection.filter(id=connection.id).update(
        last_sync_at=now,
        synced_until=connection.synced_until,
        next_sync_at=connection.next_sync_at,
        sync_lease_until=None,
        **({"last_error": problem, "last_error_at": now} if problem else {}),
    )
    log.info("store %s synced: %s", connection.id, report.summary())
    return report


async def _read_orders(
    client: PlatformClient,
    since: datetime | None,
    page_size: int,
    pages: asyncio.Queue[Page[ShopOrder] | BaseException],
) -> None:
    """Every page of orders into ``pages``, in order; a failure is queued in its place
    (cursor pagination: the next page is asked for as soon as this one names it)."""
    cursor: str | None = None
    while True:
        try:
            page = await client.orders(cursor, since, page_size)
        except Exception as exc:  # handed to the writer, which raises it
            await pages.put(exc)
            return
        await pages.put(page)
        if page.next is None:
            return
        cursor = page.next


async def _failed(connection: PlatformConnection, message: str, now: datetime) -> None:
    connection.last_error = message
    await PlatformConnection.filter(id=connection.id).update(
        last_error=message,
        last_error_at=now,
        sync_lease_until=None,
        next_sync_at=now + RECONCILE_EVERY,
    )


async def claim_due(now: datetime) -> PlatformConnection | None:
    """One connection due for a sync, leased to this worker."""
    free = Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lte=now)
    due = (
        PlatformConnection.filter(
            free, enabled=True, paused_reason__isnull=True, next_sync_at__lte=now
        )
        .order_by("next_sync_at", "id")
        .first()
    )
    candidate = await due
    if candidate is None:
        return None
    changed = await PlatformConnection.filter(free, id=candidate.id).update(
        sync_lease_until=now + LEASE
    )
    return candidate if changed == 1 else None


async def sync_job(settings: Settings, client: httpx.AsyncClient) -> bool:
    """Scheduler unit: sync one due connection; True when another may be due."""
    now = datetime.now(UTC)
    connection = await claim_due(now)
    if connection is None:
        return False
    await sync_connection(connection, settings, client, now=now)
    return True
