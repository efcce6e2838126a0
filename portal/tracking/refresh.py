"""On-demand refresh: a customer opens the page of a shipment we have not asked about lately.

Many viewers, possibly served by several processes, cause one carrier call: whoever
moves ``shipment.refresh_lease_until`` forward with a conditional UPDATE (exactly one row
changed) makes the call; the others show what is stored. The page never waits longer
than ``timeout``: a slow call carries on in the background and its answer is ingested
for the next view (the lease keeps others from calling meanwhile). An adapter that takes
hints gets the parcel's (:mod:`portal.tracking.hints`), as in a sweep.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx
from tortoise.expressions import Q

from carriers.base import AuthError, CarrierAdapter, RateLimited
from portal.crypto import DecryptionError
from portal.models import CarrierAccount, EventSource, Shipment
from portal.settings import Settings
from portal.tracking import accounts
from portal.tracking.hints import hint_for, track_numbers
from portal.tracking.ingest import ingest_many

log = logging.getLogger(__name__)

#: Shortest lease; the adapter's own timeout (plus a margin) when that is longer.
MIN_LEASE = timedelta(seconds=30)

#: Refreshes still running after their viewer stopped waiting (kept so they are not
#: garbage-collected mid-flight, and so shutdown can drain them).
_background: set[asyncio.Task[bool]] = set()


def needs_refresh(shipment: Shipment, now: datetime, max_age: timedelta) -> bool:
    """True when the stored picture is older than ``max_age`` and could still change."""
    if shipment.status.is_final and shipment.next_poll_at is None:
        return False
    return shipment.last_polled_at is None or now - shipment.last_polled_at >= max_age


async def account_for(shipment: Shipment) -> CarrierAccount | None:
    """The account to ask, as the sweep chooses it
    (:func:`portal.tracking.accounts.polling_account`)."""
    if shipment.carrier_account_id is not None:
        return await CarrierAccount.get_or_none(id=shipment.carrier_account_id)
    found = await CarrierAccount.filter(
        merchant_id=shipment.merchant_id, carrier_key=shipment.carrier_key
    )
    return accounts.polling_account(shipment, found)


async def take_lease(shipment_id: int, now: datetime, max_age: timedelta, until: datetime) -> bool:
    """True for exactly one caller among those racing for a stale shipment."""
    changed = await Shipment.filter(
        Q(id=shipment_id),
        Q(refresh_lease_until__isnull=True) | Q(refresh_lease_until__lte=now),
        Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now - max_age),
    ).update(refresh_lease_until=until)
    return changed == 1


async def _refresh(
    shipment: Shipment,
    account: CarrierAccount,
    adapter: CarrierAdapter,
    now: datetime,
    settings: Settings,
) -> bool:
    """One carrier call and its ingest; carrier trouble is recorded, never raised."""
    try:
        number = shipment.tracking_number
        given = {number: await hint_for(shipment)} if adapter.accepts_hints else None
        results = await track_numbers(adapter, [number], given)
        if len(results) != 1:
            raise ValueError(f"expected one result, got {len(results)}")
        await ingest_many(
            [(shipment.id, results[0])], source=EventSource.REFRESH, now=now, settings=settings
        )
    except RateLimited as exc:
        wait = exc.retry_after
        until = now + (
            timedelta(seconds=wait) if wait is not None else accounts.DEFAULT_RATE_LIMIT_BACKOFF
        )
        await accounts.record_rate_limited(account.id, until, str(exc), now)
        return False
    except AuthError as exc:
        await accounts.pause(account, str(exc) or "credentials rejected", now, settings)
        return False
    except Exception:
        log.warning("refresh of shipment %s failed", shipment.id, exc_info=True)
        return False
    return True


async def refresh_if_stale(
    shipment: Shipment,
    settings: Settings,
    *,
    client: httpx.AsyncClient,
    max_age: timedelta = timedelta(minutes=5),
    timeout: float = 3.0,  # noqa: ASYNC109 - the page's budget, not a cancel scope
    now: datetime | None = None,
) -> bool:
    """Refresh ``shipment`` from its carrier if it is stale and nobody else is doing it.

    True when a fresh answer was stored within ``timeout`` (``shipment`` is then reloaded);
    False when there was nothing to do, another viewer holds the lease, the account is
    unusable, the carrier failed, or it was too slow (its answer lands later).
    """
    now = now or datetime.now(UTC)
    if not needs_refresh(shipment, now, max_age):
        return False
    account = await account_for(shipment)
    if account is None or accounts.retry_at(account, now) is not None:
        return False
    try:
        adapter = accounts.build_adapter(account, settings, client)
    except (KeyError, DecryptionError):
        return False
    lease = max(MIN_LEASE, timedelta(seconds=adapter.timeout + 5))
    if not await take_lease(shipment.id, now, max_age, now + lease):
        return False
    task = asyncio.create_task(_refresh(shipment, account, adapter, now, settings))
    _background.add(task)
    task.add_done_callback(_background.discard)
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if task not in done or not task.result():
        return False
    await shipment.refresh_from_db()
    return True


async def drain(within: float | None = None) -> None:
    """Wait (at most ``within`` seconds) for background refreshes: on shutdown, in tests."""
    if _background:
        await asyncio.wait(set(_background), timeout=within)
