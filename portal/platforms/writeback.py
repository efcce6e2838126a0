"""Writing back to the store: tracking statuses and return outcomes, through a queue.

Listeners run inside the cause's transaction (a poll sweep's, a return move's) and only
write :class:`~portal.models.PlatformPush` rows, one per (shipment, status) or return, so
the tracking engine never waits on a store. :func:`push_job` claims due rows with
:class:`~portal.leased_queue.LeasedQueue` (SKIP LOCKED on PostgreSQL), calls the store,
and retries with backoff; a 401/403 pauses the connection and parks its rows until the
merchant reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from portal import events
from portal.event_catalogue import RETURN_RESOLVED
from portal.leased_queue import LeasedQueue, backoff_delay
from portal.models import (
    DomainEvent,
    Exchange,
    Merchant,
    Platform,
    PlatformConnection,
    PlatformPush,
    PlatformRecord,
    PushState,
    RecordKind,
    Shipment,
)
from portal.models.returns import ReturnItem, ReturnRequest
from portal.notifications import phrases
from portal.notifications.context import carrier_name
from portal.platforms.base import PlatformError, Revoked
from portal.platforms.connections import PlatformClient, client_for, pause
from portal.platforms.shopify_returns import Refused, return_reason
from portal.settings import Settings

log = logging.getLogger(__name__)

#: A push's lease, renewed before each push of a batch (:func:`_still_ours`): long enough
#: for every call of one push to wait out a throttling store (a call may wait ten minutes),
#: so no other worker takes a push while this one is still sending it. A refund sent by two
#: workers is money paid twice.
LEASE = timedelta(minutes=30)
BATCH = 20
MAX_ATTEMPTS = 10
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)

_QUEUE = LeasedQueue(PlatformPush, due_field="next_attempt_at")


#: How the order note words a status (WooCommerce), and Shopify's event message.
def tracking_note(shipment: Shipment, status: str, locale: str) -> str:
    """The order note (WooCommerce) or fulfilment event message (Shopify) for a status, in
    the shop's language: "Coletul 1SDY241067423 (Sameday): livrat." """
    return phrases.words(locale)["sms_status"].format(
        number=shipment.tracking_number,
        carrier=carrier_name(shipment.carrier_key, locale),
        status=phrases.status_words(status, locale),
    )


def refund_note(number: str, locale: str) -> str:
    """The refund's reason in the store, in the shop's language: "Повернення R-1 завершено
    в Doorstep." """
    return phrases.words(locale)["refund_note"].format(number=number)


async def _live_connections(ids: set[int], conn: Any, flag: str) -> dict[int, PlatformConnection]:
    if not ids:
        return {}
    found = await PlatformConnection.filter(
        id__in=list(ids), enabled=True, paused_reason__isnull=True, **{flag: True}
    ).using_db(conn)
    return {c.id: c for c in found}


async def _any_live_connection(merchant_ids: set[int], conn: Any, flag: str) -> bool:
    return await (
        PlatformConnection.filter(
            merchant_id__in=sorted(merchant_ids),
            enabled=True,
            paused_reason__isnull=True,
            **{flag: True},
        )
        .using_db(conn)
        .exists()
    )


@events.listen_batch(events.SHIPMENT_STATUS_CHANGED)
async def queue_tracking(batch: Sequence[DomainEvent], ctx: events.ListenerContext) -> None:
    """A push per status change of a parcel that came from (or belongs to) a store."""
    conn = ctx.conn
    shipment_ids = sorted({e.subject_id for e in batch if e.subject_type == "shipment"})
    if not shipment_ids:
        return
    # A store's records belong to its merchant: a sweep's batch of merchants without a
    # store to write to (the common case) costs one cheap query, not three reads.
    merchants = {e.merchant_id for e in batch if e.subject_type == "shipment"}
    if not await _any_live_connection(merchants, conn, "write_tracking"):
        return
    parcels = {
        r.local_id: r
        for r in await PlatformRecord.filter(
            kind=RecordKind.PARCEL, local_id__in=shipment_ids
        ).using_db(conn)
    }
    shipments = {s.id: s for s in await Shipment.filter(id__in=shipment_ids).using_db(conn)}
    # Parcels added here to an order that came from a WooCommerce or PrestaShop store.
    orders = {
        r.local_id: r
        for r in await PlatformRecord.filter(
            kind=RecordKind.ORDER,
            local_id__in=[s.order_id for s in shipments.values() if s.order_id],
        ).using_db(conn)
    }
    connections = await _live_connections(
        {r.connection_id for r in (*parcels.values(), *orders.values())}, conn, "write_tracking"
    )
    locales = dict(
        await Merchant.filter(id__in=sorted({c.merchant_id for c in connections.values()}))
        .using_db(conn)
        .values_list("id", "default_locale")
    )
    pushes = []
    for event in batch:
        shipment = shipments.get(event.subject_id)
        if shipment is None:
            continue
        parcel = parcels.get(shipment.id)
        order = orders.get(shipment.order_id or 0)
        record = parcel or order
        if record is None or record.connection_id not in connections:
            continue
        connection = connections[record.connection_id]
        if parcel is None and connection.platform == Platform.SHOPIFY:
            continue  # a Shopify event needs the store's fulfilment
        status = str(event.payload.get("new_status") or "")
        if connection.platform == Platform.BASELINKER and (
            status != "delivered" or connection.delivered_status_id is None
        ):
            continue  # only delivery moves a BaseLinker order, to the merchant's status
        pushes.append(
            PlatformPush(
                connection_id=connection.id,
                kind="tracking",
                dedupe_key=f"{shipment.id}:{status}",
                next_attempt_at=ctx.now,
                payload={
                    "shipment_id": shipment.id,
                    "status": status,
                    "occurred_at": str(event.payload.get("occurred_at") or ctx.now.isoformat()),
                    "tracking_number": shipment.tracking_number,
                    "carrier_key": shipment.carrier_key,
                    "carrier_name": (parcel.data.get("carrier_name") if parcel else None),
                    "fulfilment_id": parcel.data.get("fulfilment_id") if parcel else None,
                    "order_id": parcel.data.get("order_id")
                    if parcel
                    else order.external_id
                    if order
                    else None,
                    "from_store": parcel is not None,
                    "message": tracking_note(
                        shipment, status, locales.get(connection.merchant_id) or "en"
                    ),
                    # BaseLinker: the merchant's status a delivered order moves to.
                    **(
                        {"order_status_id": connection.delivered_status_id}
                        if connection.platform == Platform.BASELINKER
                        else {}
                    ),
                },
            )
        )
    if pushes:
        await PlatformPush.bulk_create(pushes, using_db=conn, ignore_conflicts=True)


@events.listen(RETURN_RESOLVED)
async def queue_return(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """A resolved return's refunded items (and, for Shopify, its exchanged ones), for
    stores whose merchant turned it on."""
    conn = ctx.conn
    request = await ReturnRequest.get_or_none(id=event.subject_id, using_db=conn)
    if request is None:
        return
    order = (
        await PlatformRecord.filter(kind=RecordKind.ORDER, local_id=request.order_id)
        .using_db(conn)
        .first()
    )
    if order is None:
        return
    connections = await _live_connections({order.connection_id}, conn, "write_returns")
    if not connections:
        return
    merchant = await Merchant.get(id=request.merchant_id, using_db=conn)
    locale = merchant.default_locale or "en"
    line_items = order.data.get("line_items") or {}
    returned = [
        item
        for item in await ReturnItem.filter(
            return_request_id=request.id, resolution__in=["refund", "exchange"]
        )
        .using_db(conn)
        .prefetch_related("order_item", "exchange_variant", "reason")
        if item.order_item.sku in line_items
    ]
    items = [
        {
            "line_item_id": line_items[item.order_item.sku],
            "quantity": item.quantity,
            "amount": str(item.amount),
        }
        for item in returned
        if item.resolution == "refund"
    ]
    # Shopify alone takes an exchange (returnCreate): the new variant by its SKU, the
    # reason as Shopify's ReturnReason (portal/platforms/shopify_returns.py).
    exchanges = (
        [
            {
                "line_item_id": line_items[item.order_item.sku],
                "quantity": item.quantity,
                "reason": return_reason(item.reason.code if item.reason else None),
                "variant_sku": item.exchange_variant.sku,
            }
            for item in returned
            if item.resolution == "exchange" and item.exchange_variant is not None
        ]
        if connections[order.connection_id].platform == Platform.SHOPIFY
        else []
    )
    if not items and not exchanges:
        return
    await PlatformPush.bulk_create(
        [
            PlatformPush(
                connection_id=order.connection_id,
                kind="return",
                dedupe_key=str(request.id),
                next_attempt_at=ctx.now,
                payload={
                    "order_id": order.external_id,
                    "return_number": request.number,
                    "amount": str(request.refund_total),
                    "items": items,
                    **({"exchanges": exchanges} if exchanges else {}),
                    "note": refund_note(request.number, locale),
                },
            )
        ],
        using_db=conn,
        ignore_conflicts=True,
    )


async def push_once(
    settings: Settings, *, client: httpx.AsyncClient, now: datetime | None = None
) -> bool:
    """Send up to a batch of due pushes; True when the batch was full."""
    now = now or datetime.now(UTC)
    ids = await _QUEUE.claim_due(now=now, limit=BATCH, lease=LEASE)
    if not ids:
        return False
    # One store client per connection and pass. (BaseLinker's 100 requests a minute are
    # paced per connection whatever the client, with its sync too: portal/pacing.py.)
    stores: dict[int, PlatformClient] = {}
    pushes = await PlatformPush.filter(id__in=ids).prefetch_related("connection").order_by("id")
    claimed = time.monotonic()
    for done, push in enumerate(pushes):
        try:
            # A batch paced by a throttling store can outlast the claim's lease; a push whose
            # lease ran out may be another worker's by now, and is left to it.
            if await _still_ours(push, now + timedelta(seconds=time.monotonic() - claimed)):
                await send(settings, push, client=client, now=now, stores=stores)
        except asyncio.CancelledError:  # stopped: the pushes not started are due again
            await _QUEUE.release_keys([(p.id, None) for p in pushes[done + 1 :]])
            raise
        except Exception:  # one bad row must not stop the batch; its lease brings it back
            log.exception("store push %s failed unexpectedly", push.id)
    return len(ids) >= BATCH


async def _still_ours(push: PlatformPush, now: datetime) -> bool:
    """Renew ``push``'s lease, unless it ran out or another worker claimed the push since
    (a claim counts an attempt, so ``attempts`` is this claim's own count)."""
    renewed = await PlatformPush.filter(
        id=push.id, state=PushState.PENDING, attempts=push.attempts, lease_until__gt=now
    ).update(lease_until=now + LEASE)
    return renewed == 1


async def send(
    settings: Settings,
    push: PlatformPush,
    *,
    client: httpx.AsyncClient,
    now: datetime,
    stores: dict[int, PlatformClient] | None = None,
) -> PushState:
    connection: PlatformConnection = push.connection
    if connection.paused_reason or not connection.enabled:
        # Parked: tried again once the merchant reconnects (the lease lapses meanwhile).
        await PlatformPush.filter(id=push.id).update(
            next_attempt_at=now + BACKOFF_CAP, lease_until=None, attempts=push.attempts - 1
        )
        return PushState.PENDING
    held = {} if stores is None else stores
    store = held.get(connection.id) or client_for(connection, settings, client)
    held[connection.id] = store
    # A write of several steps (Shopify: a refund, then an exchange) notes in the payload
    # what the store made, kept whatever happens next, so a retry skips what is done.
    payload = dict(push.payload)
    try:
        if push.kind == "tracking":
            await store.write_tracking(payload)
        else:
            await store.write_return(payload)
    except Revoked as exc:
        await pause(connection, str(exc), now)
        await PlatformPush.filter(id=push.id).update(
            lease_until=None, last_error=str(exc), next_attempt_at=now + BACKOFF_CAP,
            payload=payload,
        )  # fmt: skip
        return PushState.PENDING
    except Refused as exc:
        # The store read the request and said no: asking again changes nothing. The
        # merchant sees why on the Stores screen (the connection's last error).
        message = str(exc)[:500]
        await PlatformPush.filter(id=push.id).update(
            state=PushState.FAILED, lease_until=None, last_error=message, payload=payload
        )
        await PlatformConnection.filter(id=connection.id).update(
            last_error=message, last_error_at=now
        )
        return PushState.FAILED
    except (PlatformError, httpx.HTTPError) as exc:
        if push.attempts >= MAX_ATTEMPTS:
            await PlatformPush.filter(id=push.id).update(
                state=PushState.FAILED, lease_until=None, last_error=str(exc)[:500],
                payload=payload,
            )  # fmt: skip
            return PushState.FAILED
        delay = backoff_delay(push.attempts, base=BACKOFF_BASE, cap=BACKOFF_CAP)
        await PlatformPush.filter(id=push.id).update(
            lease_until=None, last_error=str(exc)[:500], next_attempt_at=now + delay,
            payload=payload,
        )  # fmt: skip
        return PushState.PENDING
    await _record_exchange_lines(push, payload)
    await PlatformPush.filter(id=push.id).update(
        state=PushState.DONE, done_at=now, lease_until=None, last_error=None, payload=payload
    )
    if payload.get("refund_shortfall"):
        # Done, but not all the money moved: the merchant refunds the rest by hand.
        await PlatformConnection.filter(id=connection.id).update(
            last_error=(
                f"Return {payload.get('return_number')}: {payload['refund_shortfall']} of "
                "the refund could not be paid back through the order's payments in the "
                "store (cash on delivery, a manual payment, or refunded already); refund "
                "it by hand."
            ),
            last_error_at=now,
        )
    return PushState.DONE


async def _record_exchange_lines(push: PlatformPush, payload: dict[str, Any]) -> None:
    """The line items Shopify added for a return's exchange, each recorded as Doorstep's
    replacement order's (portal/returns/exchanges.py ``fulfil``): the fulfilment that ships
    them is that order's parcel, not the original order's (portal/platforms/sync.py)."""
    lines = payload.get("shopify_exchange_line_items") or []
    if push.kind != "return" or not lines or not push.dedupe_key.isdigit():
        return
    # One replacement order carries all of a return's exchanges (``fulfil`` makes one).
    swap = (
        await Exchange.filter(
            return_item__return_request_id=int(push.dedupe_key), outbound_order_id__isnull=False
        )
        .order_by("id")
        .first()
    )
    if swap is None or swap.outbound_order_id is None:
        log.warning(
            "return %s: Shopify made its exchange, but Doorstep has no replacement order; "
            "its parcel will be the original order's",
            payload.get("return_number"),
        )
        return
    await PlatformRecord.bulk_create(
        [
            PlatformRecord(
                connection_id=push.connection_id,
                kind=RecordKind.EXCHANGE_LINE,
                external_id=str(line),
                local_id=swap.outbound_order_id,
                data={"order_id": payload.get("order_id"), "return": payload.get("return_number")},
            )
            for line in lines
        ],
        ignore_conflicts=True,
    )


async def push_job(settings: Settings, client: httpx.AsyncClient) -> bool:
    """Scheduler unit."""
    return await push_once(settings, client=client)
