"""Replaying the settled history: train on the past, predict the following week, repeat.

For each week of the replay the figures are learned only from parcels delivered before the
week began (exactly as the nightly recomputation would have had them), and every parcel
handed over during that week gets the window the figures gave at its hand-over. The
result is measured the way the analytics screen measures live predictions
(:mod:`portal.analytics.accuracy`): inside the window, and the days between delivery and
the expected day, beside the carrier's first date for the same parcels.

``portal predict backtest`` prints the figures; the demo loader stores the predictions
so the analytics screen has ours to show beside the carriers'.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from portal.analytics.sql import Sql
from portal.tracking.calendar import EPOCH
from portal.tracking.transit import HistogramRow, Key, Stats, Window, postcode_prefix, rollup
from portal.tracking.transit_sql import clocks

STAGE = "shipped"


@dataclass(frozen=True, slots=True)
class Record:
    """One settled parcel as the replay sees it."""

    shipment_id: int
    merchant_id: int
    key: Key
    shipped: date
    delivered: date
    business_days: int
    carrier_eta: date | None


@dataclass
class Tally:
    parcels: int = 0
    inside: int = 0
    error_days: int = 0

    def add(self, delivered: date, start: date, end: date, expected: date) -> None:
        self.parcels += 1
        self.inside += start <= delivered <= end
        self.error_days += abs((delivered - expected).days)

    @property
    def inside_rate(self) -> float | None:
        return 100 * self.inside / self.parcels if self.parcels else None

    @property
    def mean_error(self) -> float | None:
        return self.error_days / self.parcels if self.parcels else None


@dataclass
class CarrierResult:
    ours: Tally = field(default_factory=Tally)
    carrier: Tally = field(default_factory=Tally)
    #: Parcels the replay had no figures for (too little history before their week).
    unpredicted: int = 0


@dataclass
class Replay:
    weeks: int
    by_carrier: dict[str, CarrierResult]
    #: (shipment id, window) of every prediction made.
    predictions: list[tuple[Record, Window]]

    def lines(self) -> list[str]:
        """The figures as a plain table."""

        def pct(value: float | None) -> str:
            return f"{value:5.1f} %" if value is not None else "    – "

        def days(value: float | None) -> str:
            return f"{value:4.2f} d" if value is not None else "   – "

        out = [
            f"backtest over {self.weeks} week(s): train on parcels delivered before each "
            "week, predict the parcels handed over during it",
            f"{'carrier':<12} {'parcels':>7} {'ours inside':>11} {'ours error':>10} "
            f"{'no window':>9} {'carrier on day':>14} {'carrier error':>13}",
        ]
        for carrier, result in sorted(self.by_carrier.items()):
            ours, theirs = result.ours, result.carrier
            out.append(
                f"{carrier:<12} {ours.parcels:>7} {pct(ours.inside_rate):>11} "
                f"{days(ours.mean_error):>10} {result.unpredicted:>9} "
                f"{pct(theirs.inside_rate):>14} {days(theirs.mean_error):>13}"
            )
        return out


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def load(merchant_id: int | None = None) -> list[Record]:
    """Every settled outbound parcel (of one shop, or all) with its business days, from
    the calendar table (:func:`portal.tracking.transit_sql.learn` fills it), its days on
    its delivery clock as the live predictions count them."""
    q = Sql()
    found = await clocks()
    first, last = datetime.combine(EPOCH, time(), tzinfo=UTC), datetime.now(UTC)
    shipped, delivered = (found.day(q, c, first, last) for c in ("s.shipped_at", "s.delivered_at"))
    scope = f"AND s.merchant_id = {q.p(merchant_id)}" if merchant_id is not None else ""
    rows = await q.rows(
        f"""
        SELECT s.id, s.merchant_id, s.carrier_key, s.service, s.origin_country,
               upper(o.ship_country) AS dest, o.ship_postal_code AS postcode,
               bs.day AS shipped, bd.day AS delivered, bd.ordinal - bs.ordinal AS days,
               s.first_estimated_delivery AS carrier_eta
        FROM shipment s
        JOIN orders o ON o.id = s.order_id
        JOIN business_day bs ON bs.country = upper(o.ship_country) AND bs.day = {shipped}
        JOIN business_day bd ON bd.country = upper(o.ship_country) AND bd.day = {delivered}
        WHERE s.status = 'delivered' AND s.direction = 'outbound'
          AND s.shipped_at <= s.delivered_at {scope}
        ORDER BY s.shipped_at, s.id
        """
    )
    return [
        Record(
            shipment_id=int(r["id"]),
            merchant_id=int(r["merchant_id"]),
            key=(
                r["carrier_key"],
                r["service"] or "",
                (r["origin_country"] or "").upper(),
                r["dest"] or "",
                postcode_prefix(r["postcode"]),
            ),
            shipped=_day(r["shipped"]),
            delivered=_day(r["delivered"]),
            business_days=int(r["days"]),
            carrier_eta=_day(r["carrier_eta"]) if r["carrier_eta"] else None,
        )
        for r in rows
    ]


def _histogram(records: Iterable[Record]) -> list[HistogramRow]:
    counts = Counter((r.merchant_id, r.key, r.business_days) for r in records)
    return [
        HistogramRow(merchant, STAGE, key, days, parcels)
        for (merchant, key, days), parcels in counts.items()
    ]


def replay(records: list[Record], *, weeks: int | None = None) -> Replay:
    """Predict each week's parcels from the parcels delivered before it. ``weeks`` counts
    back from the last hand-over; None replays every week after the first."""
    if not records:
        return Replay(0, {}, [])
    by_shipped = sorted(records, key=lambda r: (r.shipped, r.shipment_id))
    by_delivered = sorted(records, key=lambda r: r.delivered)
    delivered_days = [r.delivered for r in by_delivered]
    last = by_shipped[-1].shipped
    first = by_shipped[0].shipped + timedelta(days=7)
    start = first if weeks is None else max(first, last - timedelta(days=7 * weeks - 1))
    result: dict[str, CarrierResult] = {}
    made: list[tuple[Record, Window]] = []
    week = start
    count = 0
    while week <= last:
        following = week + timedelta(days=7)
        known = by_delivered[: bisect_left(delivered_days, week)]
        stats = Stats(rollup(_histogram(known)))
        for record in by_shipped:
            if not week <= record.shipped < following:
                continue
            tally = result.setdefault(record.key[0], CarrierResult())
            if record.carrier_eta is not None:
                eta = record.carrier_eta
                tally.carrier.add(record.delivered, eta, eta, eta)
            window = stats.predict(
                record.merchant_id, STAGE, record.key, record.key[3], record.shipped
            )
            if window is None:
                tally.unpredicted += 1
                continue
            tally.ours.add(record.delivered, window.start, window.end, window.expected)
            made.append((record, window))
        week = following
        count += 1
    return Replay(count, result, made)
