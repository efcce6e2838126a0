"""Late and stuck parcels, caught before the customer asks: once per episode.

*Late*: the parcel is not delivered and the last day of its window has passed — the
carrier's window when it gave one, else ours (:func:`portal.core.promise.promise_of`).
Days are those of the destination's calendar (:func:`portal.core.timezones.delivery_zone`:
its country's clock, a US address's state's, else the shop's; the clock the prediction
counted on and the tracking page goes by): the episode starts at the local midnight after
that last day, not UTC's; delivery, a final status, or a new date that has not passed yet
ends it. A new date that passes too starts a new episode.

*Stuck*: no scan for longer than the carrier's usual gap after a scan of that status
(:class:`portal.models.ScanGap`, learned nightly), and never less than :data:`FLOOR`.
The episode starts at the last scan; the next scan or a final status ends it.

A worker job (no domain event marks "a day passed") opens episodes in
``shipment_alert``, whose unique key (shipment, kind, start) lets exactly one worker open
each: only the insert that wrote a row emits ``shipment.late`` / ``shipment.stuck``, in
the same transaction, so the customer's message, the webhook and whatever else listens
(an attention queue) happen exactly once. Ended episodes emit
``shipment.episode_ended``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from carriers.base import FINAL_STATUSES, Status
from portal import events, sql_ids
from portal.core.promise import Promise, promise_of
from portal.core.timezones import delivery_zone
from portal.event_catalogue import (
    SHIPMENT_EPISODE_ENDED,
    SHIPMENT_LATE,
    SHIPMENT_STUCK,
    ShipmentEpisodeEnded,
    ShipmentLate,
    ShipmentStuck,
)
from portal.models import (
    AlertKind,
    Direction,
    Merchant,
    Order,
    ScanGap,
    Shipment,
    ShipmentAlert,
)
from portal.settings import Settings

log = logging.getLogger(__name__)

#: Shortest silence that counts as stuck, whatever the carrier's history says.
FLOOR = timedelta(hours=48)
#: Statuses during which a parcel is expected to keep being scanned.
WATCHED: tuple[Status, ...] = (
    Status.INFO_RECEIVED,
    Status.IN_TRANSIT,
    Status.OUT_FOR_DELIVERY,
    Status.FAILED_ATTEMPT,
)
#: Parcels looked at per unit of work.
BATCH = 200
_FINAL = [s.value for s in FINAL_STATUSES]


def late_since(promise: Promise, zone: tzinfo = UTC) -> datetime:
    """The start of a late episode: the midnight after the window's last day on the
    destination's clock ``zone``."""
    return promise.over_at(zone)


async def calendars(
    conn: BaseDBAsyncClient | None, shipments: Sequence[Shipment]
) -> dict[int, ZoneInfo]:
    """Each shipment's :func:`~portal.core.timezones.delivery_zone`, from its order's
    country and region (a US state) and its shop's zone (two small reads for the whole
    batch)."""
    order_ids = sorted({s.order_id for s in shipments if s.order_id is not None})
    shop_ids = sorted({s.merchant_id for s in shipments})
    addresses: dict[int, tuple[str | None, str | None]] = (
        {
            order_id: (country, region)
            for order_id, country, region in await Order.filter(id__in=order_ids)
            .using_db(conn)
            .values_list("id", "ship_country", "ship_region")
        }
        if order_ids
        else {}
    )
    shop_zones = dict(
        await Merchant.filter(id__in=shop_ids).using_db(conn).values_list("id", "time_zone")
    )
    nowhere: tuple[str | None, str | None] = (None, None)
    return {
        s.id: delivery_zone(
            *(addresses.get(s.order_id, nowhere) if s.order_id is not None else nowhere),
            shop_zones.get(s.merchant_id),
        )
        for s in shipments
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def _open(
    conn: BaseDBAsyncClient,
    shipment: Shipment,
    kind: AlertKind,
    started_at: datetime,
    now: datetime,
    detail: dict[str, Any],
) -> bool:
    """Open an episode unless it exists; True when this call opened it."""
    postgres = sql_ids.is_postgres(conn)
    marks = ", ".join(f"${i}" if postgres else "?" for i in range(1, 8))
    started, raised = started_at.astimezone(UTC), now.astimezone(UTC)
    rows = await conn.execute_query_dict(
        "INSERT INTO shipment_alert (merchant_id, shipment_id, kind, started_at, raised_at, "
        f"ended_at, detail) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING id",
        [
            shipment.merchant_id,
            shipment.id,
            kind.value,
            started if postgres else started.isoformat(sep=" "),
            raised if postgres else raised.isoformat(sep=" "),
            None,
            json.dumps(detail),
        ],
    )
    return bool(rows)


async def _gaps(conn: BaseDBAsyncClient) -> dict[tuple[str, str], float]:
    rows = await ScanGap.all().using_db(conn).values_list("carrier_key", "stage", "p90_hours")
    return {(carrier, stage): hours for carrier, stage, hours in rows}


def stuck_after(gaps: dict[tuple[str, str], float], carrier: str, status: str) -> timedelta:
    """How long this carrier may go without a scan at this status before we worry."""
    usual = gaps.get((carrier, status))
    return max(FLOOR, timedelta(hours=usual)) if usual is not None else FLOOR


def _open_alerts(kind: AlertKind) -> Subquery:
    return Subquery(ShipmentAlert.filter(kind=kind, ended_at__isnull=True).values("shipment_id"))


async def _late_candidates(now: datetime, after: tuple[datetime, int] | None) -> list[Shipment]:
    """Parcels whose stored instant of lateness (``late_at``,
    :mod:`portal.tracking.late_clock`) has come and that are not in a late episode, oldest
    instant first, from after ``after`` (the last page's last (late_at, id)): a page of
    those, not every parcel due today. The exact test follows in Python, on the promise and
    calendar as they are now."""
    query = Shipment.filter(late_at__lte=now, direction=Direction.OUTBOUND)
    if after is not None:
        query = query.filter(Q(late_at__gt=after[0]) | Q(late_at=after[0], id__gt=after[1]))
    return (
        await query.exclude(status__in=_FINAL)
        .exclude(id__in=_open_alerts(AlertKind.LATE))
        .order_by("late_at", "id")
        .limit(BATCH)
    )


async def raise_late(settings: Settings, now: datetime) -> int:
    """Open the late episodes due at ``now``; returns how many were opened.

    Candidates that turn out not late (an instant stored before the parcel's calendar
    changed) are passed over page by page, so they never hold back late parcels behind
    them."""
    specs: list[events.EventSpec] = []
    after: tuple[datetime, int] | None = None
    while len(specs) < BATCH:
        candidates = await _late_candidates(now, after)
        if not candidates:
            break
        last = candidates[-1]
        assert last.late_at is not None  # the query asked for late_at <= now
        after = (last.late_at, last.id)
        specs += await _open_late(settings, candidates, now)
    return len(specs)


async def _open_late(
    settings: Settings, candidates: Sequence[Shipment], now: datetime
) -> list[events.EventSpec]:
    specs: list[events.EventSpec] = []
    async with in_transaction() as conn:
        zones = await calendars(conn, candidates)
        for shipment in candidates:
            zone = zones[shipment.id]
            promise = promise_of(shipment, zone)
            if promise is None or not promise.late_at(now, zone):
                continue
            started = late_since(promise, zone)
            payload = ShipmentLate(
                tracking_number=shipment.tracking_number,
                carrier_key=shipment.carrier_key,
                order_id=shipment.order_id,
                status=Status(shipment.status).value,
                episode_started_at=started.isoformat(),
                window_start=promise.start.isoformat(),
                window_end=promise.end.isoformat(),
                window_source=promise.source,
                last_scan_at=_iso(shipment.last_event_at),
            )
            if await _open(conn, shipment, AlertKind.LATE, started, now, dict(payload)):
                specs.append(
                    events.EventSpec(kind=SHIPMENT_LATE, **_about(shipment, dict(payload), now))
                )
        await events.emit_many(specs, using_db=conn, settings=settings, now=now)
    return specs


async def raise_stuck(settings: Settings, now: datetime) -> int:
    """Open the stuck episodes due at ``now``; returns how many were opened."""
    candidates = (
        await Shipment.filter(
            direction=Direction.OUTBOUND,
            status__in=[s.value for s in WATCHED],
            last_event_at__lt=now - FLOOR,
        )
        .exclude(id__in=_open_alerts(AlertKind.STUCK))
        .order_by("last_event_at", "id")
        .limit(BATCH)
    )
    if not candidates:
        return 0
    specs: list[events.EventSpec] = []
    async with in_transaction() as conn:
        gaps = await _gaps(conn)
        zones = await calendars(conn, candidates)
        for shipment in candidates:
            last = shipment.last_event_at
            status = Status(shipment.status).value
            allowed = stuck_after(gaps, shipment.carrier_key, status)
            if last is None or now - last <= allowed:
                continue
            promise = promise_of(shipment, zones[shipment.id])
            payload = ShipmentStuck(
                tracking_number=shipment.tracking_number,
                carrier_key=shipment.carrier_key,
                order_id=shipment.order_id,
                status=status,
                episode_started_at=last.isoformat(),
                last_scan_at=last.isoformat(),
                silent_hours=round((now - last).total_seconds() / 3600, 1),
                usual_gap_hours=round(allowed.total_seconds() / 3600, 1),
                window_end=promise.end.isoformat() if promise else None,
            )
            if await _open(conn, shipment, AlertKind.STUCK, last, now, dict(payload)):
                specs.append(
                    events.EventSpec(kind=SHIPMENT_STUCK, **_about(shipment, dict(payload), now))
                )
        await events.emit_many(specs, using_db=conn, settings=settings, now=now)
    return len(specs)


def _about(shipment: Shipment, payload: dict[str, Any], at: datetime) -> dict[str, Any]:
    """An event's arguments besides its kind (the kind stays at the call, where
    tests/test_event_catalogue.py can read it)."""
    return {
        "merchant_id": shipment.merchant_id,
        "subject_type": "shipment",
        "subject_id": shipment.id,
        "payload": payload,
        "occurred_at": at,
    }


def _why_ended(
    alert: ShipmentAlert, shipment: Shipment, now: datetime, zone: ZoneInfo
) -> str | None:
    """Why an open episode is over, or None while it lasts (``zone``: the shipment's
    delivery calendar)."""
    status = Status(shipment.status)
    if status.is_final:
        return status.value
    if alert.kind == AlertKind.STUCK:
        last = shipment.last_event_at
        return "scanned" if last is not None and last > alert.started_at else None
    promise = promise_of(shipment, zone)
    if promise is None or late_since(promise, zone) != alert.started_at:
        return "new_date" if promise is not None and not promise.late_at(now, zone) else None
    return None


#: Open episodes looked at together by :func:`end_episodes`.
EPISODE_PAGE = BATCH * 5


async def end_episodes(settings: Settings, now: datetime) -> int:
    """Close the open episodes that are over; returns how many.

    Every open episode is looked at, page by page: with more open than one page (a
    carrier's outage), reading only the oldest page would leave the later ones open for
    good, their parcels delivered and their queue items never cleared."""
    ended = 0
    after_id = 0
    while True:
        page = (
            await ShipmentAlert.filter(ended_at__isnull=True, id__gt=after_id)
            .select_related("shipment")
            .order_by("id")
            .limit(EPISODE_PAGE)
        )
        if not page:
            return ended
        after_id = page[-1].id
        ended += await _end_over(settings, page, now)
        if len(page) < EPISODE_PAGE:
            return ended


async def _end_over(settings: Settings, open_alerts: Sequence[ShipmentAlert], now: datetime) -> int:
    """Close those of ``open_alerts`` that are over; returns how many."""
    zones = await calendars(None, [alert.shipment for alert in open_alerts])
    ended: list[tuple[ShipmentAlert, str]] = []
    for alert in open_alerts:
        why = _why_ended(alert, alert.shipment, now, zones[alert.shipment.id])
        if why is not None:
            ended.append((alert, why))
    if not ended:
        return 0
    async with in_transaction() as conn:
        await (
            ShipmentAlert.filter(id__in=[a.id for a, _ in ended])
            .using_db(conn)
            .update(ended_at=now)
        )
        await events.emit_many(
            [
                events.EventSpec(
                    kind=SHIPMENT_EPISODE_ENDED,
                    **_about(
                        alert.shipment,
                        dict(
                            ShipmentEpisodeEnded(
                                tracking_number=alert.shipment.tracking_number,
                                kind=AlertKind(alert.kind).value,
                                episode_started_at=alert.started_at.isoformat(),
                                ended_at=now.isoformat(),
                                why=why,
                            )
                        ),
                        now,
                    ),
                )
                for alert, why in ended
            ],
            using_db=conn,
            settings=settings,
            now=now,
        )
    return len(ended)


async def watch(settings: Settings, now: datetime) -> bool:
    """One unit: end what is over, then open what is due; True when more may be waiting."""
    ended = await end_episodes(settings, now)
    late = await raise_late(settings, now)
    stuck = await raise_stuck(settings, now)
    if late or stuck or ended:
        log.info("late/stuck: %d late, %d stuck opened, %d ended", late, stuck, ended)
    return late >= BATCH or stuck >= BATCH or ended >= BATCH * 5


async def watch_job(settings: Settings, client: httpx.AsyncClient) -> bool:
    """The worker's unit (:mod:`portal.scheduler`)."""
    return await watch(settings, datetime.now(UTC))
