"""Late and stuck parcels: one message, one webhook and one domain event per episode, and
nothing more on the next runs; delivery (late) or the next scan (stuck) ends the episode."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from carriers.base import Status
from portal.event_catalogue import SHIPMENT_EPISODE_ENDED, SHIPMENT_LATE, SHIPMENT_STUCK
from portal.models import (
    AttentionItem,
    AttentionKind,
    DomainEvent,
    Merchant,
    OutboxMessage,
    ScanGap,
    Shipment,
    ShipmentAlert,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.tracking import alerts
from portal.tracking.alerts import watch
from tests import factories

#: Thursday 3 December 2026, 09:00 UTC.
NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)


async def _shop(**fields: object) -> Merchant:
    shop = await factories.merchant(**fields)
    await WebhookEndpoint.create(
        merchant=shop,
        url="https://hooks.shop.test/doorstep",
        secret_encrypted="unused",
        topics=["shipment.late", "shipment.stuck"],
    )
    return shop


async def _parcel(shop: Merchant, **fields: object) -> Shipment:
    customer = await factories.customer(shop, name="Anna Nowak", locale="pl")
    order = await factories.order(shop, customer=customer, ship_country="PL")
    fields.setdefault("status", Status.IN_TRANSIT)
    fields.setdefault("last_event_at", NOW - timedelta(hours=5))
    parcel = await factories.shipment(shop, order=order, carrier_key="dhl", **fields)
    await Shipment.filter(id=parcel.id).update(created_at=NOW - timedelta(days=7))
    return parcel


async def _counts(parcel: Shipment) -> tuple[int, int, int, int]:
    return (
        await ShipmentAlert.filter(shipment_id=parcel.id).count(),
        await DomainEvent.filter(
            subject_id=parcel.id, kind__in=[SHIPMENT_LATE, SHIPMENT_STUCK]
        ).count(),
        await OutboxMessage.filter(shipment_id=parcel.id).count(),
        await WebhookDelivery.all().count(),
    )


async def test_a_parcel_past_its_predicted_window_is_late_once(db: str) -> None:
    shop = await _shop()
    parcel = await _parcel(
        shop, predicted_start=date(2026, 11, 30), predicted_end=date(2026, 12, 2)
    )
    settings = factories.app_settings()
    await watch(settings, NOW)
    assert await _counts(parcel) == (1, 1, 1, 1)
    message = await OutboxMessage.get(shipment_id=parcel.id)
    assert message.trigger == "late"
    assert "spóźniona" in message.subject
    event = await DomainEvent.get(kind=SHIPMENT_LATE)
    # midnight after the last day in Warsaw, where the parcel is delivered (UTC+1)
    assert event.payload["episode_started_at"] == "2026-12-02T23:00:00+00:00"
    assert event.payload["window_source"] == "predicted"
    assert event.payload["order_id"] == parcel.order_id
    delivery = await WebhookDelivery.get()
    assert delivery.topic == "shipment.late"

    for later in (NOW + timedelta(hours=1), NOW + timedelta(days=1)):
        await watch(settings, later)
    assert await _counts(parcel) == (1, 1, 1, 1)


async def test_delivery_ends_the_late_episode(db: str) -> None:
    shop = await _shop()
    parcel = await _parcel(shop, predicted_end=date(2026, 12, 2))
    settings = factories.app_settings()
    await watch(settings, NOW)
    await Shipment.filter(id=parcel.id).update(
        status=Status.DELIVERED, delivered_at=NOW + timedelta(hours=2)
    )
    await watch(settings, NOW + timedelta(hours=3))
    alert = await ShipmentAlert.get(shipment_id=parcel.id)
    assert alert.ended_at == NOW + timedelta(hours=3)
    ended = await DomainEvent.get(kind=SHIPMENT_EPISODE_ENDED)
    assert (ended.payload["kind"], ended.payload["why"]) == ("late", "delivered")
    await watch(settings, NOW + timedelta(days=1))
    assert await _counts(parcel) == (1, 1, 1, 1)


async def test_every_open_episode_ends_when_more_are_open_than_one_page(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A carrier's outage leaves many parcels late at once; once they are delivered, every
    episode ends, not only the oldest page of them."""
    monkeypatch.setattr(alerts, "EPISODE_PAGE", 2)
    shop = await _shop()
    parcels = [await _parcel(shop, predicted_end=date(2026, 12, 2)) for _ in range(5)]
    settings = factories.app_settings()
    await watch(settings, NOW)
    assert await ShipmentAlert.filter(ended_at__isnull=True).count() == 5
    await Shipment.filter(id__in=[p.id for p in parcels]).update(
        status=Status.DELIVERED, delivered_at=NOW + timedelta(hours=2)
    )
    await watch(settings, NOW + timedelta(hours=3))
    assert await ShipmentAlert.filter(ended_at__isnull=True).count() == 0
    assert await DomainEvent.filter(kind=SHIPMENT_EPISODE_ENDED).count() == 5


async def test_the_carriers_date_wins_over_ours(db: str) -> None:
    shop = await _shop()
    parcel = await _parcel(
        shop, estimated_delivery=date(2026, 12, 4), predicted_end=date(2026, 12, 1)
    )
    await watch(factories.app_settings(), NOW)
    assert await _counts(parcel) == (0, 0, 0, 0)
    await watch(factories.app_settings(), NOW + timedelta(days=2))
    late = await DomainEvent.get(kind=SHIPMENT_LATE)
    assert (late.payload["window_end"], late.payload["window_source"]) == ("2026-12-04", "carrier")


async def test_a_new_date_that_passes_again_is_a_new_episode(db: str) -> None:
    shop = await _shop()
    parcel = await _parcel(shop, estimated_delivery=date(2026, 12, 1))
    settings = factories.app_settings()
    await watch(settings, NOW)
    await Shipment.filter(id=parcel.id).update(estimated_delivery=date(2026, 12, 4))
    await watch(settings, NOW + timedelta(hours=1))
    assert (await ShipmentAlert.get(shipment_id=parcel.id)).ended_at is not None
    await watch(settings, NOW + timedelta(days=2))
    assert await ShipmentAlert.filter(shipment_id=parcel.id, kind="late").count() == 2
    assert await OutboxMessage.filter(shipment_id=parcel.id, trigger="late").count() == 2


async def test_a_parcel_silent_for_longer_than_its_carriers_usual_gap_is_stuck_once(
    db: str,
) -> None:
    shop = await _shop()
    await ScanGap.create(
        carrier_key="dhl", stage="in_transit", samples=500, p90_hours=30.0, computed_at=NOW
    )
    last = NOW - timedelta(hours=60)
    parcel = await _parcel(shop, last_event_at=last)
    settings = factories.app_settings()
    await watch(settings, NOW)
    assert await _counts(parcel) == (1, 1, 1, 1)
    event = await DomainEvent.get(kind=SHIPMENT_STUCK)
    assert event.payload["usual_gap_hours"] == 48.0  # the floor: DHL's 30 h is shorter
    assert event.payload["silent_hours"] == 60.0
    assert (await OutboxMessage.get(shipment_id=parcel.id)).trigger == "stuck"
    await watch(settings, NOW + timedelta(hours=6))
    assert await _counts(parcel) == (1, 1, 1, 1)

    await Shipment.filter(id=parcel.id).update(last_event_at=NOW + timedelta(hours=7))
    await watch(settings, NOW + timedelta(hours=8))
    assert (await ShipmentAlert.get(shipment_id=parcel.id)).ended_at is not None
    ended = await DomainEvent.get(kind=SHIPMENT_EPISODE_ENDED)
    assert ended.payload["why"] == "scanned"


async def test_a_carrier_that_usually_goes_quiet_longer_is_given_its_usual_gap(db: str) -> None:
    shop = await _shop()
    await ScanGap.create(
        carrier_key="dhl", stage="in_transit", samples=500, p90_hours=96.0, computed_at=NOW
    )
    parcel = await _parcel(shop, last_event_at=NOW - timedelta(hours=72))
    await watch(factories.app_settings(), NOW)
    assert await _counts(parcel) == (0, 0, 0, 0)
    await watch(factories.app_settings(), NOW + timedelta(hours=25))
    assert await ShipmentAlert.filter(shipment_id=parcel.id, kind="stuck").count() == 1


async def test_a_merchant_who_switched_the_message_off_still_gets_event_and_webhook(
    db: str,
) -> None:
    shop = await _shop(notification_rules={"late": []})
    parcel = await _parcel(shop, predicted_end=date(2026, 12, 1))
    await watch(factories.app_settings(), NOW)
    assert await _counts(parcel) == (1, 1, 0, 1)


async def test_parcels_waiting_at_a_locker_or_delivered_are_not_watched(db: str) -> None:
    shop = await _shop()
    quiet = NOW - timedelta(days=5)
    waiting = await _parcel(shop, status=Status.AVAILABLE_FOR_PICKUP, last_event_at=quiet)
    done = await _parcel(
        shop, status=Status.DELIVERED, last_event_at=quiet, estimated_delivery=date(2026, 11, 20)
    )
    await watch(factories.app_settings(), NOW)
    assert await _counts(waiting) == (0, 0, 0, 0)
    assert await _counts(done) == (0, 0, 0, 0)


async def test_a_late_episode_puts_one_item_on_the_queue_until_delivery_closes_it(
    db: str,
) -> None:
    """Issue 16's "one message, one webhook and one queue item": the watch's events reach
    the attention queue through the one listener path, once, and delivery closes the item."""
    shop = await _shop()
    parcel = await _parcel(shop, predicted_end=date(2026, 12, 2))
    settings = factories.app_settings()

    await watch(settings, NOW)
    await watch(settings, NOW + timedelta(hours=1))

    [item] = await AttentionItem.filter(shipment_id=parcel.id)
    assert (item.kind, item.closed_at) == (AttentionKind.LATE, None)
    assert item.since == datetime(2026, 12, 2, 23, tzinfo=UTC), "the episode's own start"
    await Shipment.filter(id=parcel.id).update(
        status=Status.DELIVERED, delivered_at=NOW + timedelta(hours=2)
    )
    await watch(settings, NOW + timedelta(hours=3))
    assert (await AttentionItem.get(id=item.id)).closed_at is not None
    assert await AttentionItem.filter(shipment_id=parcel.id).count() == 1
