"""The nightly recomputation: settled history → transit-time figures and usual scan gaps.

The database does the heavy part. For each stage one grouped statement turns every settled
parcel of the last :data:`HISTORY_DAYS` into a histogram, (shop, carrier, service, origin,
destination, postcode prefix, business days) → parcels, with the business days taken from
the calendar table (two joins and a subtraction, see :mod:`portal.tracking.calendar`). A
histogram has a few rows per group however many parcels it counts, so the percentiles of
every level, per shop and for all shops, are read off it in Python
(:func:`portal.tracking.transit.rollup`) and the tables are replaced in one transaction.

Scan gaps are learned the same way: one statement with a window function measures the time
from each scan of a settled parcel to its next one, as a histogram of whole hours per
carrier and status; the 90th percentile is "the usual gap" behind stuck detection.

Every worker runs the job; :func:`recompute_job` skips when the figures are fresher than
:data:`EVERY`, and PostgreSQL serialises two that start together with an advisory lock.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import httpx
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal.analytics.sql import Sql
from portal.core import region_zones
from portal.models import Direction, Merchant, Order, ScanGap, Shipment, TransitStat
from portal.settings import Settings
from portal.tracking.calendar import ensure_calendar
from portal.tracking.transit import STAGES, HistogramRow, StatRow, percentiles, rollup

log = logging.getLogger(__name__)

#: How far back settled parcels are learned from.
HISTORY_DAYS = 180
#: How often the figures are recomputed.
EVERY = timedelta(hours=20)
#: Statuses whose following gap is learned (a parcel waiting at a locker is not stuck).
GAP_STAGES: tuple[str, ...] = (
    Status.INFO_RECEIVED.value,
    Status.IN_TRANSIT.value,
    Status.OUT_FOR_DELIVERY.value,
    Status.FAILED_ATTEMPT.value,
)
#: The longest gap counted (hours); longer ones count as this, so a lost week does not
#: stretch the histogram.
_GAP_CAP = 24 * 21
_LOCK = 424242  # pg_advisory_xact_lock key of this job


@dataclass(frozen=True, slots=True)
class Recomputed:
    parcels: int
    groups: int
    gaps: int
    seconds: float


def _stage_start(q: Sql, stage: str) -> tuple[str, str]:
    """(extra join, start column) of ``stage``."""
    if stage == "shipped":
        return "", "s.shipped_at"
    status = {"label": Status.INFO_RECEIVED.value, "out_for_delivery": stage}[stage]
    join = (
        "JOIN (SELECT shipment_id, MIN(occurred_at) AS began FROM tracking_event "
        f"WHERE status = '{status}' GROUP BY shipment_id) st ON st.shipment_id = s.id"
    )
    return join, "st.began"


@dataclass(frozen=True, slots=True)
class Clocks:
    """What deciding each settled parcel's delivery clock needs
    (:meth:`portal.analytics.sql.Sql.delivery_day`): the destinations (country, and the
    region where it names the clock) and the shops' zones."""

    destinations: tuple[tuple[str, str | None], ...]
    shop_zones: dict[int, str | None]

    def day(self, q: Sql, column: str, first: datetime, last: datetime) -> str:
        """``column``'s day on the parcel's delivery clock (``o`` its order, ``s`` it)."""
        return q.delivery_day(
            column,
            first,
            last,
            country="upper(o.ship_country)",
            region="o.ship_region",
            destinations=self.destinations,
            merchant="s.merchant_id",
            shop_zones=self.shop_zones,
        )


async def clocks(conn: BaseDBAsyncClient | None = None) -> Clocks:
    shops = await Merchant.all().using_db(conn).values_list("id", "time_zone")
    countries = await settled_countries(conn)
    regions = await settled_regions(conn)
    return Clocks(
        tuple([(c, None) for c in countries] + regions), {int(i): str(z) for i, z in shops}
    )


#: How long before the first delivery learned from a stage may have begun: the clocks'
#: changes are looked up from then on.
_LONGEST_TRANSIT = timedelta(days=60)


def histogram_sql(q: Sql, stage: str, since: datetime, until: datetime, found: Clocks) -> str:
    """One stage's histogram of settled parcels delivered in ``[since, until)``, each
    day taken on the parcel's delivery clock (its destination country's, else its US state's,
    else its shop's)."""
    join, began = _stage_start(q, stage)
    began_day = found.day(q, began, since - _LONGEST_TRANSIT, until)
    delivered_day = found.day(q, "s.delivered_at", since, until)
    prefix = "upper(substr(replace(replace(o.ship_postal_code, ' ', ''), '-', ''), 1, 2))"
    return f"""
        SELECT s.merchant_id AS merchant_id, s.carrier_key AS carrier_key,
               s.service AS service, s.origin_country AS origin,
               upper(o.ship_country) AS dest, {prefix} AS prefix,
               bd.ordinal - bs.ordinal AS days, COUNT(*) AS parcels
        FROM shipment s
        JOIN orders o ON o.id = s.order_id
        {join}
        JOIN business_day bs ON bs.country = upper(o.ship_country) AND bs.day = {began_day}
        JOIN business_day bd ON bd.country = upper(o.ship_country) AND bd.day = {delivered_day}
        WHERE s.status = 'delivered' AND s.direction = 'outbound'
          AND s.delivered_at >= {q.p(since)} AND s.delivered_at < {q.p(until)}
          AND {began} <= s.delivered_at
        GROUP BY s.merchant_id, s.carrier_key, s.service, s.origin_country,
                 upper(o.ship_country), {prefix}, bd.ordinal - bs.ordinal
    """


def gaps_sql(q: Sql, since: datetime, until: datetime) -> str:
    hours = (
        "EXTRACT(EPOCH FROM (g.next_at - g.occurred_at)) / 3600"
        if q.postgres
        else "(julianday(g.next_at) - julianday(g.occurred_at)) * 24"
    )
    stages = ", ".join(f"'{s}'" for s in GAP_STAGES)
    least = "LEAST" if q.postgres else "MIN"
    floor = "FLOOR" if q.postgres else ""
    whole = f"CAST({floor}({least}({hours}, {_GAP_CAP})) AS INTEGER)"
    return f"""
        SELECT g.carrier_key AS carrier_key, g.status AS stage,
               {whole} AS hours, COUNT(*) AS gaps
        FROM (
            SELECT s.carrier_key, e.status, e.occurred_at,
                   LEAD(e.occurred_at) OVER (PARTITION BY e.shipment_id ORDER BY e.occurred_at)
                       AS next_at
            FROM tracking_event e JOIN shipment s ON s.id = e.shipment_id
            WHERE s.status = 'delivered' AND s.direction = 'outbound'
              AND s.delivered_at >= {q.p(since)} AND s.delivered_at < {q.p(until)}
        ) g
        WHERE g.next_at IS NOT NULL AND g.status IN ({stages})
        GROUP BY g.carrier_key, g.status, {whole}
    """


async def histogram(
    stage: str,
    since: datetime,
    until: datetime,
    conn: BaseDBAsyncClient | None = None,
    found: Clocks | None = None,
) -> list[HistogramRow]:
    """The histogram of one stage (the calendar must already cover the countries)."""
    q = Sql(conn)
    found = found or await clocks(conn)
    rows = await q.rows(histogram_sql(q, stage, since, until, found))
    return [
        HistogramRow(
            merchant_id=int(r["merchant_id"]),
            stage=stage,
            key=(
                r["carrier_key"],
                r["service"] or "",
                r["origin"] or "",
                r["dest"] or "",
                r["prefix"] or "",
            ),
            days=int(r["days"]),
            parcels=int(r["parcels"]),
        )
        for r in rows
    ]


async def settled_countries(conn: BaseDBAsyncClient | None = None) -> list[str]:
    """Destination countries of outbound parcels: the calendar must hold each of them."""
    found = (
        await Order.filter(shipments__direction=Direction.OUTBOUND)
        .using_db(conn)
        .distinct()
        .values_list("ship_country", flat=True)
    )
    return sorted({str(c or "").upper() for c in found})


async def settled_regions(conn: BaseDBAsyncClient | None = None) -> list[tuple[str, str | None]]:
    """(country, region) of outbound parcels to the countries whose regions name a clock
    (:data:`portal.core.region_zones.COUNTRIES`: the United States' states)."""
    wanted = Q(*(Q(ship_country__iexact=c) for c in sorted(region_zones.COUNTRIES)), join_type="OR")
    found = (
        await Order.filter(wanted, shipments__direction=Direction.OUTBOUND)
        .using_db(conn)
        .distinct()
        .values_list("ship_country", "ship_region")
    )
    return sorted({(str(c or "").upper(), r) for c, r in found}, key=lambda p: (p[0], p[1] or ""))


async def learn(now: datetime, since: datetime | None = None) -> tuple[list[StatRow], int]:
    """The figures from parcels delivered in ``[since, now)``: (rows, parcels counted)."""
    since = since or now - timedelta(days=HISTORY_DAYS)
    async with in_transaction() as conn:
        await ensure_calendar(conn, await settled_countries(conn), now.date())
    rows: list[HistogramRow] = []
    found = await clocks()
    for stage in STAGES:
        rows += await histogram(stage, since, now, found=found)
    counted = sum(r.parcels for r in rows if r.stage == "shipped")
    return rollup(rows), counted


async def learn_gaps(now: datetime, since: datetime | None = None) -> list[ScanGap]:
    since = since or now - timedelta(days=HISTORY_DAYS)
    q = Sql()
    counts: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for r in await q.rows(gaps_sql(q, since, now)):
        counts[(r["carrier_key"], r["stage"])][int(r["hours"])] += int(r["gaps"])
    result = []
    for (carrier, stage), hist in sorted(counts.items()):
        figures = percentiles(hist)
        result.append(
            ScanGap(
                carrier_key=carrier,
                stage=stage,
                samples=figures.samples,
                p90_hours=float(figures.p90),
                computed_at=now,
            )
        )
    return result


async def recompute(now: datetime) -> Recomputed:
    """Learn from the settled history and replace the stored figures."""
    started = time.perf_counter()
    stats, parcels = await learn(now)
    gaps = await learn_gaps(now)
    async with in_transaction() as conn:
        if conn.capabilities.dialect == "postgres":
            await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [_LOCK])
        await TransitStat.all().using_db(conn).delete()
        await TransitStat.bulk_create(
            [
                TransitStat(
                    merchant_id=row.merchant_id,
                    level=row.level,
                    carrier_key=row.key[0],
                    service=row.key[1],
                    origin_country=row.key[2],
                    dest_country=row.key[3],
                    postcode_prefix=row.key[4],
                    stage=row.stage,
                    samples=row.figures.samples,
                    p10=row.figures.p10,
                    p50=row.figures.p50,
                    p90=row.figures.p90,
                    computed_at=now,
                )
                for row in stats
            ],
            batch_size=1000,
            using_db=conn,
        )
        await ScanGap.all().using_db(conn).delete()
        await ScanGap.bulk_create(gaps, using_db=conn)
    done = Recomputed(parcels, len(stats), len(gaps), time.perf_counter() - started)
    log.info(
        "transit figures: %d parcels, %d groups, %d scan gaps in %.1f s",
        done.parcels,
        done.groups,
        done.gaps,
        done.seconds,
    )
    return done


async def last_computed() -> datetime | None:
    found = (
        await TransitStat.all()
        .order_by("-computed_at")
        .limit(1)
        .values_list("computed_at", flat=True)
    )
    return cast("datetime", found[0]) if found else None


async def recompute_job(settings: Settings, client: httpx.AsyncClient) -> bool:
    """The worker's unit (:mod:`portal.scheduler`): recompute when the figures are stale."""
    now = datetime.now(UTC)
    last = await last_computed()
    if last is not None and now - last < EVERY:
        return False
    if not await Shipment.filter(status=Status.DELIVERED).exists():
        return False
    await recompute(now)
    return False
