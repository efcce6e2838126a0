"""Settled parcels with transit times chosen by the test, as the live code leaves them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from carriers.base import Status
from portal.models import EventSource, Merchant, Order, Shipment, TrackingEvent
from portal.tracking.calendar import add_business_days


async def settled(
    shop: Merchant,
    *,
    carrier: str = "dhl",
    country: str = "PL",
    postcode: str = "31-100",
    shipped: date,
    business_days: int,
    first_eta: date | None = None,
) -> Shipment:
    """A delivered parcel handed over at 10:00 on ``shipped`` and delivered at 14:00
    ``business_days`` business days later (in ``country``), with its scans."""
    handed = datetime.combine(shipped, time(10), tzinfo=UTC)
    delivered = datetime.combine(
        add_business_days(country, shipped, business_days), time(14), tzinfo=UTC
    )
    order = await Order.create(
        merchant=shop,
        number=f"H-{handed:%y%m%d}-{await Order.filter(merchant=shop).count() + 1}",
        placed_at=handed - timedelta(days=1),
        ship_country=country,
        ship_postal_code=postcode,
    )
    parcel = await Shipment.create(
        merchant=shop,
        order=order,
        carrier_key=carrier,
        tracking_number=f"H{order.id:010d}",
        status=Status.DELIVERED,
        shipped_at=handed,
        delivered_at=delivered,
        first_estimated_delivery=first_eta,
        estimated_delivery=first_eta,
        last_event_at=delivered,
    )
    scans = [
        (handed - timedelta(hours=3), Status.INFO_RECEIVED),
        (handed, Status.IN_TRANSIT),
        (delivered - timedelta(hours=5), Status.OUT_FOR_DELIVERY),
        (delivered, Status.DELIVERED),
    ]
    await TrackingEvent.bulk_create(
        [
            TrackingEvent(
                shipment=parcel,
                occurred_at=when,
                status=status,
                dedupe_key=f"{status.value}|{when.isoformat()}",
                source=EventSource.POLL,
            )
            for when, status in scans
        ]
    )
    return parcel


async def spread(shop: Merchant, counts: dict[int, int], *, start: date, **kwargs: object) -> None:
    """``counts[days]`` parcels of each transit time, handed over on consecutive weekdays
    from ``start``."""
    day = start
    for days, parcels in sorted(counts.items()):
        for _ in range(parcels):
            while day.weekday() >= 5:
                day += timedelta(days=1)
            await settled(shop, shipped=day, business_days=days, **kwargs)  # type: ignore[arg-type]
            day += timedelta(days=1)
