"""The demo shop's delivery predictions: as if Doorstep had been predicting all along, and
a few parcels that are late or stuck right now.

The settled history gets the predictions the week-by-week replay makes
(:mod:`portal.tracking.backtest`: each parcel's window learned only from parcels delivered
before its week), stored with the time they would have been made, so the analytics screen
compares ours with the carriers' from the first ``make run``. The figures are then learned
for real, so the sandbox parcels moving now get live predictions at their first scan.

The late and stuck parcels are outbound DHL parcels nobody polls (no carrier account in
the demo): one past our predicted window, one past the carrier's date, one without a scan
for days. The late/stuck watch raises them on its first run, so the dev mailbox shows the
messages and the workspace whatever listens to those events.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal import sql_ids
from portal.models import (
    Customer,
    Direction,
    EventSource,
    Merchant,
    Order,
    Shipment,
    ShipmentPrediction,
    TrackingEvent,
)
from portal.tracking import backtest, store
from portal.tracking.transit_sql import learn, recompute

#: (order number, name, locale, what is wrong, days since the last scan)
WATCHED = (
    ("NW-L0001", "Maria Popescu", "ro", "late_predicted", 1),
    ("NW-L0002", "Piotr Nowak", "pl", "late_carrier", 1),
    ("NW-L0003", "Eleni Papadopoulou", "el", "stuck", 10),
)


async def seed_predictions(shop: Merchant, now: datetime) -> int:
    """Store the replay's predictions for the shop's settled parcels (once); returns how
    many were added."""
    await learn(now)  # the business-day calendar for the shop's destinations
    replayed = backtest.replay(await backtest.load(shop.id))
    have = set(
        await ShipmentPrediction.filter(merchant_id=shop.id).values_list("shipment_id", flat=True)
    )
    rows = [
        [
            record.shipment_id,
            shop.id,
            backtest.STAGE,
            datetime.combine(record.shipped, time(12), tzinfo=UTC),
            window.start,
            window.end,
            window.expected,
            record.carrier_eta,
            json.dumps(window.basis()),
        ]
        for record, window in replayed.predictions
        if record.shipment_id not in have
    ]
    async with in_transaction() as conn:
        if not sql_ids.is_postgres(conn):
            rows = [[v.isoformat() if type(v) is date else v for v in row] for row in rows]
        await store.bulk_insert_ignore(conn, "shipment_prediction", _COLUMNS, rows)
    await recompute(now)
    return len(rows)


_COLUMNS = (
    ("shipment_id", "int"),
    ("merchant_id", "int"),
    ("stage", "varchar"),
    ("made_at", "timestamptz"),
    ("window_start", "date"),
    ("window_end", "date"),
    ("expected", "date"),
    ("carrier_eta", "date"),
    ("basis", "jsonb"),
)


async def watched_parcels(shop: Merchant, conn: BaseDBAsyncClient, now: datetime) -> int:
    """The late and stuck parcels (idempotent); returns how many were added."""
    added = 0
    for number, name, locale, trouble, quiet_days in WATCHED:
        if await Order.filter(merchant=shop, number=number).using_db(conn).exists():
            continue
        customer = await Customer.create(
            merchant=shop,
            email=f"{number.lower()}@example.com",
            name=name,
            locale=locale,
            country="PL",
            using_db=conn,
        )
        order = await Order.create(
            merchant=shop,
            customer=customer,
            number=number,
            email=customer.email,
            currency="EUR",
            placed_at=now - timedelta(days=13),
            ship_name=name,
            ship_line1="ul. Długa 7",
            ship_city="Kraków",
            ship_postal_code="31-147",
            ship_country="PL",
            using_db=conn,
        )
        shipped = now - timedelta(days=12)
        last = now - timedelta(days=quiet_days, hours=2)
        today = now.date()
        parcel = await Shipment.create(
            merchant=shop,
            order=order,
            carrier_key="dhl",
            tracking_number=f"JJD0000{number[-4:]}DEMO",
            direction=Direction.OUTBOUND,
            status=Status.IN_TRANSIT,
            shipped_at=shipped,
            last_event_at=last,
            estimated_delivery=today - timedelta(days=2) if trouble == "late_carrier" else None,
            first_estimated_delivery=today - timedelta(days=2)
            if trouble == "late_carrier"
            else None,
            predicted_start=today - timedelta(days=4) if trouble == "late_predicted" else None,
            predicted_end=today - timedelta(days=2) if trouble == "late_predicted" else None,
            next_poll_at=None,
            using_db=conn,
        )
        await TrackingEvent.bulk_create(
            [
                TrackingEvent(
                    shipment=parcel,
                    occurred_at=when,
                    status=Status.IN_TRANSIT,
                    carrier_code=code,
                    description=text,
                    city=city,
                    country="DE",
                    dedupe_key=f"{code}|{when:%Y%m%dT%H%M%S}",
                    source=EventSource.POLL,
                )
                for when, code, text, city in (
                    (shipped, "PU", "Picked up", "Berlin"),
                    (last, "AR", "Arrived at the sorting centre", "Leipzig"),
                )
            ],
            using_db=conn,
        )
        await Shipment.filter(id=parcel.id).using_db(conn).update(created_at=shipped)
        added += 1
    return added
