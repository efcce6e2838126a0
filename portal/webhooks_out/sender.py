"""The webhook sender: claim due deliveries, POST them signed, record what happened.

A claim writes a lease (``lease_until``) and counts the attempt in one atomic statement —
on PostgreSQL ``UPDATE … WHERE (id, created_at) IN (SELECT … FOR UPDATE SKIP LOCKED)``, on SQLite a
conditional update per row that counts only when it changed exactly one row — so any
number of senders can run side by side, never POST one row twice at once, and a crashed
sender's deliveries come back when the lease runs out. A 2xx answer marks the delivery
delivered; anything else (another status, a timeout, a refused connection) is retried
with exponential backoff and jitter stored as ``next_attempt_at``, until ``MAX_ATTEMPTS``,
then the delivery is failed. Response status and a short excerpt are kept for the log.
Claims, loads, outcomes, lease renewals and hand-backs name deliveries by (id,
``created_at``), so on PostgreSQL each statement reads only the months it concerns.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from portal.core import draining
from portal.crypto import DecryptionError
from portal.leased_queue import LeasedQueue
from portal.leased_queue import backoff_delay as queue_backoff
from portal.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from portal.row_keys import Key, RowKeys
from portal.settings import Settings
from portal.webhooks_out import signing
from portal.webhooks_out.admin import endpoint_secret

log = logging.getLogger(__name__)

#: A claim's lease, renewed every :data:`HEARTBEAT` while the batch is being sent.
LEASE = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)
MAX_ATTEMPTS = 8
BATCH = 20
TIMEOUT = 10.0
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=12)
EXCERPT = 500
USER_AGENT = "Doorstep-Webhooks/1"

_QUEUE = LeasedQueue(WebhookDelivery, due_field="next_attempt_at", partition_key="created_at")
#: Every statement names deliveries by (id, created_at): on PostgreSQL the table is
#: partitioned by month and only the whole key prunes partitions (portal/row_keys.py).
_ROWS = RowKeys(WebhookDelivery)


def backoff_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """1, 2, 4, … minutes (capped at 12 hours) after the n-th attempt, ±20 % jitter."""
    return queue_backoff(attempts, base=BACKOFF_BASE, cap=BACKOFF_CAP, rng=rng)


async def claim_due(
    *, now: datetime, limit: int = BATCH, lease: timedelta | None = None
) -> list[int]:
    """Lease up to ``limit`` due deliveries to this sender; returns their ids."""
    return await _QUEUE.claim_due(now=now, limit=limit, lease=lease or LEASE)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def headers_for(
    delivery: WebhookDelivery, secret: str, body: bytes, now: datetime
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.HEADER: signing.sign(secret, body, now),
        "Doorstep-Event-Id": str(delivery.payload.get("id") or f"dlv_{delivery.id}"),
        "Doorstep-Topic": delivery.topic,
    }


async def _finish(
    settings: Settings,
    delivery: WebhookDelivery,
    now: datetime,
    *,
    ok: bool,
    status: int | None,
    excerpt: str,
    permanent: bool = False,
) -> str:
    """Record one attempt; returns the delivery's new state."""
    common: dict[str, Any] = {
        "lease_until": None,
        "response_status": status,
        "response_excerpt": excerpt[:EXCERPT],
    }
    if ok:
        await _ROWS.this(delivery).update(state=DeliveryState.DELIVERED, delivered_at=now, **common)
        return DeliveryState.DELIVERED.value
    max_attempts = int(getattr(settings, "webhook_max_attempts", None) or MAX_ATTEMPTS)
    if permanent or delivery.attempts >= max_attempts:
        await _ROWS.this(delivery).update(state=DeliveryState.FAILED, **common)
        return DeliveryState.FAILED.value
    await _ROWS.this(delivery).update(
        next_attempt_at=now + backoff_delay(delivery.attempts), **common
    )
    return DeliveryState.PENDING.value


async def send_one(
    settings: Settings, delivery: WebhookDelivery, *, client: httpx.AsyncClient, now: datetime
) -> str:
    """POST one claimed delivery and record the outcome; returns the new state."""
    endpoint: WebhookEndpoint = delivery.endpoint
    if not endpoint.enabled:
        return await _finish(
            settings,
            delivery,
            now,
            ok=False,
            status=None,
            excerpt="endpoint disabled",
            permanent=True,
        )
    try:
        secret = endpoint_secret(settings, endpoint)
    except DecryptionError:
        log.error("webhook endpoint %s: secret cannot be decrypted", endpoint.id)
        return await _finish(
            settings, delivery, now, ok=False, status=None, excerpt="signing secret unreadable"
        )
    body = body_of(delivery)
    try:
        status, excerpt = await _post(
            client, endpoint.url, body, headers_for(delivery, secret, body, now)
        )
    except httpx.HTTPError as exc:
        return await _finish(
            settings, delivery, now, ok=False, status=None, excerpt=f"{type(exc).__name__}: {exc}"
        )
    return await _finish(
        settings, delivery, now, ok=200 <= status < 300, status=status, excerpt=excerpt
    )


async def _post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str]:
    """POST and read at most a few KB of the answer (a receiver may send anything back)."""
    async with client.stream(
        "POST", url, content=body, headers=headers, timeout=TIMEOUT, follow_redirects=False
    ) as response:
        head = b""
        async for chunk in response.aiter_raw():
            head += chunk
            if len(head) >= EXCERPT * 4:
                break
    return response.status_code, head[: EXCERPT * 4].decode("utf-8", "replace")[:EXCERPT]


async def deliver_once(
    settings: Settings,
    *,
    client: httpx.AsyncClient,
    now: datetime | None = None,
    limit: int = BATCH,
) -> bool:
    """One unit of work for the scheduler: send up to ``limit`` due deliveries.
    True when the batch was full (more are probably waiting)."""
    now = now or datetime.now(UTC)
    if draining.stop_requested():
        return False
    keys: list[Key] = await _QUEUE.claim_keys(now=now, limit=limit, lease=LEASE)
    if not keys:
        return False
    unstarted = dict(keys)

    async def renew() -> None:
        await _QUEUE.renew_keys(keys, now=datetime.now(UTC), lease=LEASE)

    try:
        async with draining.Heartbeat(renew, HEARTBEAT.total_seconds(), "webhooks"):
            deliveries = await _ROWS.among(keys).prefetch_related("endpoint").order_by("id")
            for delivery in deliveries:
                if draining.stop_requested():
                    break  # the worker is stopping: the rest goes back below
                unstarted.pop(delivery.id, None)
                try:
                    await send_one(settings, delivery, client=client, now=now)
                except Exception:  # one bad row must not stop the batch; its lease brings it back
                    log.exception("webhook delivery %s failed unexpectedly", delivery.id)
    finally:
        if unstarted:
            await _release_quietly(sorted(unstarted.items()))
    return len(keys) >= limit


async def _release_quietly(batch: list[Key]) -> None:
    """Hand back deliveries not started (stopping, or cancelled); if the database does not
    answer, their leases lapse anyway."""
    try:
        await asyncio.wait_for(_QUEUE.release_keys(batch), timeout=5)
    except Exception as exc:
        log.warning("could not hand back %d webhook deliveries: %r", len(batch), exc)


async def run_unit(settings: Settings, client: httpx.AsyncClient | None = None) -> bool:
    """The scheduler job's unit: :func:`deliver_once` with the worker's client (or a fresh one)."""
    if client is not None:
        return await deliver_once(settings, client=client)
    async with httpx.AsyncClient(headers={"User-Agent": USER_AGENT}) as own:
        return await deliver_once(settings, client=own)
