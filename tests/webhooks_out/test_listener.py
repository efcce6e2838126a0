"""A shipment's status change writes deliveries for the endpoints that want it, in the
same transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal import events
from portal.models import Merchant, Shipment, WebhookDelivery, WebhookEndpoint
from portal.settings import Settings
from portal.webhooks_out import admin
from portal.webhooks_out import listener as _listener  # noqa: F401  (registers the listener)
from tests import factories
from tests.conftest import make_settings


@pytest.fixture
def hook_settings(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db)


async def _endpoint(settings: Settings, shop: Merchant, *topics: str) -> WebhookEndpoint:
    endpoint, _ = await admin.create_endpoint(
        settings, merchant_id=shop.id, url="https://x.test/h", topics_=list(topics)
    )
    return endpoint


async def _change(shipment: Shipment, new: Status, *, fail: bool = False) -> None:
    async with in_transaction() as conn:
        await Shipment.filter(id=shipment.id).using_db(conn).update(status=new)
        await events.emit(
            merchant_id=shipment.merchant_id,  # type: ignore[attr-defined]
            kind=events.SHIPMENT_STATUS_CHANGED,
            subject_type="shipment",
            subject_id=shipment.id,
            payload={
                "old_status": "in_transit",
                "new_status": new.value,
                "reason": None,
                "occurred_at": "2026-11-23T10:00:00+00:00",
                "tracking_number": shipment.tracking_number,
                "carrier_key": shipment.carrier_key,
                "source": "poll",
            },
            using_db=conn,
            settings=factories.app_settings(),
        )
        if fail:
            raise RuntimeError("the cause rolls back")


async def test_each_subscribed_endpoint_gets_the_most_specific_topic(
    hook_settings: Settings,
) -> None:
    shop = await factories.merchant()
    order = await factories.order(shop, number="W-1")
    shipment = await factories.shipment(shop, order=order)
    everything = await _endpoint(hook_settings, shop, "*")
    changes = await _endpoint(hook_settings, shop, "shipment.status_changed")
    delivered = await _endpoint(
        hook_settings, shop, "shipment.delivered", "shipment.status_changed"
    )
    await _endpoint(hook_settings, shop, "shipment.exception")
    disabled = await _endpoint(hook_settings, shop, "*")
    await admin.disable_endpoint(shop.id, disabled.id)
    await _endpoint(hook_settings, await factories.merchant(), "*")

    await _change(shipment, Status.DELIVERED)

    rows = {d.endpoint_id: d for d in await WebhookDelivery.all()}  # type: ignore[attr-defined]
    assert {k: d.topic for k, d in rows.items()} == {
        everything.id: "shipment.delivered",
        changes.id: "shipment.status_changed",
        delivered.id: "shipment.delivered",
    }
    payload = rows[changes.id].payload
    assert payload["topic"] == "shipment.status_changed" and payload["id"].startswith("evt_")
    assert payload["data"]["shipment"]["status"] == "delivered"
    assert payload["data"]["shipment"]["order_number"] == "W-1"
    assert payload["data"]["change"]["new_status"] == "delivered"


async def test_nothing_is_queued_when_the_cause_rolls_back(hook_settings: Settings) -> None:
    shop = await factories.merchant()
    shipment = await factories.shipment(shop)
    await _endpoint(hook_settings, shop, "*")
    with pytest.raises(RuntimeError):
        await _change(shipment, Status.EXCEPTION, fail=True)
    assert await WebhookDelivery.all().count() == 0


async def test_an_ordinary_change_does_not_reach_delivered_only_endpoints(
    hook_settings: Settings,
) -> None:
    shop = await factories.merchant()
    shipment = await factories.shipment(shop)
    await _endpoint(hook_settings, shop, "shipment.delivered")
    await _change(shipment, Status.OUT_FOR_DELIVERY)
    assert await WebhookDelivery.all().count() == 0


async def test_a_delivered_scan_reaches_the_merchants_receiver(hook_settings: Settings) -> None:
    from datetime import UTC, datetime

    from carriers.base import TrackingEvent, TrackingResult
    from portal.models import EventSource
    from portal.tracking.ingest import ingest
    from portal.webhooks_out import sender
    from tests.webhooks_out.receiver import URL, Receiver

    shop = await factories.merchant()
    shipment = await factories.shipment(shop)
    _, secret = await admin.create_endpoint(
        hook_settings, merchant_id=shop.id, url=URL, topics_=["shipment.delivered"]
    )
    scanned = datetime.now(UTC).replace(microsecond=0)
    result = TrackingResult(
        number=shipment.tracking_number,
        status=Status.DELIVERED,
        events=[TrackingEvent(occurred_at=scanned, status=Status.DELIVERED, carrier_code="DL")],
        delivered_at=scanned,
    )
    await ingest(
        shipment,
        result,
        source=EventSource.PUSH,
        now=datetime.now(UTC),
        settings=factories.app_settings(),
    )

    receiver = Receiver(secret)
    async with receiver.client() as client:
        await sender.deliver_once(hook_settings, client=client)
    [payload] = receiver.accepted
    assert payload["topic"] == "shipment.delivered"
    assert payload["data"]["shipment"]["id"] == shipment.id
    assert payload["data"]["shipment"]["delivered_at"] == scanned.isoformat()
    assert payload["data"]["change"] == {
        "old_status": "pending",
        "new_status": "delivered",
        "reason": None,
        "occurred_at": scanned.isoformat(),
        "source": "push",
    }
