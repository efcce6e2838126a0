"""Expiry after N days without carrier news, and a merchant's re-activation."""

from __future__ import annotations

from datetime import timedelta

import httpx

from carriers.base import Status, TrackingEvent, TrackingResult
from carriers.sandbox import SCENARIO_EXAMPLES
from portal import events
from portal.models import DomainEvent, EventSource, Shipment
from portal.settings import Settings
from portal.tracking.expiry import SHIPMENT_REACTIVATED, reactivate
from portal.tracking.ingest import ingest
from portal.tracking.sweep import sweep_once
from tests import factories
from tests.tracking.helpers import NOW, Carrier, make_shipments

#: Labelled 2026-01-05 and never handed over: the carrier has had nothing new since.
LABEL_ONLY = SCENARIO_EXAMPLES["label_only"]
DAY = timedelta(days=1)


async def expired_shipment(settings: Settings, client: httpx.AsyncClient) -> Shipment:
    shop = await factories.merchant(expire_after_days=10)
    account = await factories.carrier_account(shop, settings=settings)
    await make_shipments(shop, account, [LABEL_ONLY])
    await sweep_once(settings, client=client, now=NOW)
    return await Shipment.get(tracking_number=LABEL_ONLY)


async def test_a_shipment_without_carrier_news_for_the_merchants_days_expires(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await expired_shipment(settings, client)

    assert shipment.status is Status.EXPIRED
    assert shipment.next_poll_at is None
    [change] = await DomainEvent.filter(kind=events.SHIPMENT_STATUS_CHANGED)
    assert (change.payload["old_status"], change.payload["new_status"]) == ("pending", "expired")
    assert change.occurred_at == NOW


async def test_a_young_shipment_does_not_expire_before_its_time(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop = await factories.merchant(expire_after_days=10)
    account = await factories.carrier_account(shop, settings=settings)
    [shipment] = await make_shipments(
        shop, account, [SCENARIO_EXAMPLES["not_found"]], created_at=NOW - 9 * DAY
    )

    await sweep_once(settings, client=client, now=NOW)
    assert (await Shipment.get(id=shipment.id)).status is Status.PENDING
    await Shipment.filter(id=shipment.id).update(next_poll_at=NOW + DAY)
    await sweep_once(settings, client=client, now=NOW + DAY)
    assert (await Shipment.get(id=shipment.id)).status is Status.EXPIRED


async def test_reactivation_restores_the_carrier_status_and_restarts_the_clock(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await expired_shipment(settings, client)
    later = NOW + DAY

    assert await reactivate(shipment, now=later, settings=settings)

    stored = await Shipment.get(id=shipment.id)
    assert (stored.status, stored.next_poll_at) == (Status.INFO_RECEIVED, later)
    assert shipment.status is Status.INFO_RECEIVED
    assert await DomainEvent.filter(kind=SHIPMENT_REACTIVATED, subject_id=shipment.id).count() == 1
    last = await DomainEvent.filter(kind=events.SHIPMENT_STATUS_CHANGED).order_by("-id").first()
    assert last is not None and last.payload["new_status"] == "info_received"

    polled = await sweep_once(settings, client=client, now=later)
    assert polled.polled == 1
    assert (await Shipment.get(id=shipment.id)).status is Status.INFO_RECEIVED

    await Shipment.filter(id=shipment.id).update(next_poll_at=later + 10 * DAY)
    await sweep_once(settings, client=client, now=later + 10 * DAY)
    assert (await Shipment.get(id=shipment.id)).status is Status.EXPIRED


async def test_only_an_expired_shipment_can_be_reactivated(db: str) -> None:
    shipment = await factories.shipment(status=Status.IN_TRANSIT)

    assert not await reactivate(shipment, now=NOW, settings=factories.app_settings())
    assert await DomainEvent.all().count() == 0


async def test_old_scans_arriving_after_a_reactivation_do_not_expire_it_again(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop = await factories.merchant(expire_after_days=10)
    account = await factories.carrier_account(shop, settings=settings)
    [shipment] = await make_shipments(
        shop, account, [SCENARIO_EXAMPLES["not_found"]], created_at=NOW - 20 * DAY
    )
    await sweep_once(settings, client=client, now=NOW)
    shipment = await Shipment.get(id=shipment.id)
    assert shipment.status is Status.EXPIRED
    assert await reactivate(shipment, now=NOW, settings=settings)

    old_scan = TrackingEvent(NOW - 300 * DAY, Status.INFO_RECEIVED, carrier_code="LBL")
    result = TrackingResult(shipment.tracking_number, events=[old_scan])
    await ingest(shipment, result, source=EventSource.PUSH, now=NOW + DAY, settings=settings)

    assert (await Shipment.get(id=shipment.id)).status is Status.INFO_RECEIVED
