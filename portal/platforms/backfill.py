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

A store that keeps a journal of order events (BaseLinker, :class:`JournalClient`) has it
read first, from the last entry read: the orders it names are read again by id after the
pass (those whose package was created always, the others unless the pass read them),
and while the journal is trusted (it answered with entries before, and was read within
its span) the pass reads only the confirmations since the watermark instead of the
last two weeks. A journal that answers an error, or stays silent while orders move, is
off: the reconciliation stays as without one, and the merchant is told once
(:data:`JOURNAL_OFF` as the connection's last error). Likewise a client's notices
(:class:`NoticeClient`: a PrestaShop key refused the shop's languages) are the last error
while they hold and no problem takes it, and the first sync that finds one gone clears it.

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
from portal.i18n import lazy
from portal.models import PlatformConnection
from portal.platforms import baselinker_journal
from portal.platforms.base import Journal, Page, PlatformError, Revoked, ShopOrder
from portal.platforms.connections import (
    JournalClient,
    NoticeClient,
    PlatformClient,
    client_for,
    notice_columns,
    pause,
)
from portal.platforms.sync import (
    SyncReport,
    Target,
    apply_order_parcels,
    apply_orders,
    apply_products,
)
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
#: Told once, as the connection's last error, when the store's journal is found off.
JOURNAL_OFF = lazy(
    "BaseLinker's event journal is off for this account: a package added to an order "
    "confirmed more than two weeks ago is seen by a full sync only. Ask Base's support "
    "to turn on the journal (getJournalList)."
)
#: An order moved this long after the journal's last read should have been listed.
JOURNAL_SLACK = timedelta(minutes=1)


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
    read: Journal | None = None
    #: Orders the pass read, and whether one moved after the journal's last read.
    seen: set[str] = set()
    moved = False
    try:
        if isinstance(client, JournalClient):
            read = await client.journal(connection.journal_log_id)
            if not full and _journal_trusted(connection, read, now):
                client.recheck = timedelta(0)
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
                    seen.add(order.external_id)
                    if order.updated_at and (newest is None or order.updated_at > newest):
                        newest = order.updated_at
                    if (
                        order.updated_at
                        and connection.journal_read_at
                        and order.updated_at > connection.journal_read_at + JOURNAL_SLACK
                    ):
                        moved = True
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
        if read is not None and not full and isinstance(client, JournalClient):
            report.merge(await _apply_journal(client, connection, read, seen, offered, now))
        notices = await client.notices() if isinstance(client, NoticeClient) else {}
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
    # The journal's columns, and the last error (the problems, or the notice).
    journal = _journal_columns(connection, read, moved, problem, now) if read else {}
    if journal.get("journal") == "off" and connection.journal != "off":
        problem = JOURNAL_OFF
    elif journal.get("journal") == "on" and connection.last_error == JOURNAL_OFF:
        journal.update(last_error=None, last_error_at=None)
    if problem:
        journal.update(last_error=problem, last_error_at=now)
    else:  # a notice only where no problem takes the last error
        journal.update(notice_columns(connection, notices, now))
    await PlatformConnection.filter(id=connection.id).update(
        last_sync_at=now,
        synced_until=connection.synced_until,
        next_sync_at=connection.next_sync_at,
        sync_lease_until=None,
        **journal,
    )
    for name, value in journal.items():
        setattr(connection, name, value)
    log.info("store %s synced: %s", connection.id, report.summary())
    return report


def _journal_trusted(connection: PlatformConnection, read: Journal, now: datetime) -> bool:
    """Whether the journal names every order that moved since the last sync: it answered
    with entries before, answers now, and was last read within its span."""
    return (
        read.answered
        and connection.journal == "on"
        and connection.journal_read_at is not None
        and now - connection.journal_read_at < baselinker_journal.TRUSTED
    )


async def _apply_journal(
    client: JournalClient,
    connection: PlatformConnection,
    read: Journal,
    seen: set[str],
    offered: list[str],
    now: datetime,
) -> SyncReport:
    """The orders the journal named, read again by id and applied; a package created
    without the order's status moving leaves the order's copy unchanged, so its parcels
    are applied by themselves (a parcel already recorded changes nothing)."""
    report = SyncReport()
    wanted = read.packages | (read.orders - seen)
    if not wanted:
        return report
    orders = await client.orders_by_id(wanted, read.packages)
    async with in_transaction() as conn:
        target = Target(connection, offered, now, conn)
        report.merge(await apply_orders(target, orders))
        for order in orders:
            if order.external_id in read.packages and order.parcels:
                added = await apply_order_parcels(target, order.external_id, order.parcels)
                if added is not None:
                    report.merge(added)
    return report


def _journal_columns(
    connection: PlatformConnection,
    read: Journal,
    moved: bool,
    problem: str | None,
    now: datetime,
) -> dict[str, object]:
    """The journal's state after a complete sync: on once it lists entries; off when it
    answers an error, or lists nothing although an order moved after its last read (its
    documented default: an empty answer). Off is decided only when no other problem
    takes the last error, so that the merchant is told."""
    state = connection.journal
    if read.answered and read.last_id != connection.journal_log_id:
        state = "on"
    elif not read.answered or (moved and state != "on"):
        state = "off" if problem is None or state == "off" else state
    return {"journal": state, "journal_log_id": read.last_id, "journal_read_at": now}


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
