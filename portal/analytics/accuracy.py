"""How right delivery dates were, ours and the carriers', side by side per carrier.

Both sides are measured on parcels delivered in the period, against what was said at the
time, never a later revision:

- ours: the first window Doorstep predicted for the parcel (``shipment_prediction``, the
  earliest row; predictions are stored as made);
- the carrier's: the first date it gave (``shipment.first_estimated_delivery``), a window
  of one day.

*Inside* means the delivered day lies within the window, both ends included. The day is
read on the calendar the window was made on, the destination's
(:func:`portal.core.timezones.delivery_zone`: its country's clock, a US address's state's,
else the shop's), the
same clock the tracking page and the late watch go by; which parcels count is still the
shop's period. The *error* is the number of days between the delivered day and the
expected day (our median day, the carrier's date), absolute, averaged.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.analytics.sql import Filters, Sql, shipment_filter


@dataclass(frozen=True, slots=True)
class Accuracy:
    parcels: int
    inside: int
    mean_error_days: float | None

    @property
    def inside_rate(self) -> float | None:
        return 100 * self.inside / self.parcels if self.parcels else None


@dataclass(frozen=True, slots=True)
class AccuracyRow:
    carrier_key: str
    ours: Accuracy
    carrier: Accuracy


def _days(q: Sql, first: str, last: str) -> str:
    if q.postgres:
        return f"({last} - {first})"
    return f"(julianday({last}) - julianday({first}))"


_COUNTRY = "upper(o.ship_country)"
_REGION = "o.ship_region"


async def _destinations(f: Filters) -> list[tuple[str | None, str | None]]:
    """The destinations (country, and the region where it names the clock) of the parcels
    measured."""
    q = Sql()
    where = shipment_filter(q, f, "s.delivered_at")
    region = q.region_that_counts(_COUNTRY, _REGION)
    rows = await q.rows(
        f"SELECT DISTINCT {_COUNTRY} AS country, {region} AS region FROM shipment s "
        f"LEFT JOIN orders o ON o.id = s.order_id WHERE {where} AND s.status = 'delivered'"
    )
    return [(r["country"], r["region"]) for r in rows]


def _delivered_day(q: Sql, f: Filters, destinations: list[tuple[str | None, str | None]]) -> str:
    return q.delivery_day(
        "s.delivered_at",
        f.start,
        f.end,
        country=_COUNTRY,
        region=_REGION,
        destinations=destinations,
        merchant="s.merchant_id",
        shop_zones={f.merchant_id: f.zone},
    )


async def _ours(
    f: Filters, destinations: list[tuple[str | None, str | None]]
) -> dict[str, Accuracy]:
    q = Sql()
    day = _delivered_day(q, f, destinations)
    where = shipment_filter(q, f, "s.delivered_at")
    rows = await q.rows(
        "SELECT s.carrier_key, COUNT(*) AS parcels, "
        f"SUM(CASE WHEN {day} BETWEEN p.window_start AND p.window_end THEN 1 ELSE 0 END) "
        f"AS inside, AVG(ABS({_days(q, 'p.expected', day)})) AS error "
        "FROM shipment s LEFT JOIN orders o ON o.id = s.order_id "
        "JOIN shipment_prediction p ON p.shipment_id = s.id "
        "AND p.id = (SELECT MIN(first.id) FROM shipment_prediction first "
        "WHERE first.shipment_id = s.id) "
        f"WHERE {where} AND s.status = 'delivered' GROUP BY s.carrier_key"
    )
    return {
        str(r["carrier_key"]): Accuracy(
            int(r["parcels"]),
            int(r["inside"]),
            float(r["error"]) if r["error"] is not None else None,
        )
        for r in rows
    }


async def _carriers(
    f: Filters, destinations: list[tuple[str | None, str | None]]
) -> dict[str, Accuracy]:
    q = Sql()
    day = _delivered_day(q, f, destinations)
    where = shipment_filter(q, f, "s.delivered_at")
    rows = await q.rows(
        "SELECT s.carrier_key, COUNT(*) AS parcels, "
        f"SUM(CASE WHEN {day} = s.first_estimated_delivery THEN 1 ELSE 0 END) AS inside, "
        f"AVG(ABS({_days(q, 's.first_estimated_delivery', day)})) AS error "
        "FROM shipment s LEFT JOIN orders o ON o.id = s.order_id "
        f"WHERE {where} AND s.status = 'delivered' "
        "AND s.first_estimated_delivery IS NOT NULL GROUP BY s.carrier_key"
    )
    return {
        str(r["carrier_key"]): Accuracy(
            int(r["parcels"]),
            int(r["inside"]),
            float(r["error"]) if r["error"] is not None else None,
        )
        for r in rows
    }


async def accuracy(f: Filters) -> list[AccuracyRow]:
    """Per carrier with any measured parcel: our accuracy and the carrier's."""
    destinations = await _destinations(f)
    ours, theirs = await _ours(f, destinations), await _carriers(f, destinations)
    none = Accuracy(0, 0, None)
    return [
        AccuracyRow(key, ours.get(key, none), theirs.get(key, none))
        for key in sorted(set(ours) | set(theirs))
    ]
