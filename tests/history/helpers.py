"""Rows of the four history tables at chosen moments, for the partition and retention tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise import connections

from carriers.base import Status
from portal.models import (
    Channel,
    DeliveryState,
    DomainEvent,
    Merchant,
    MessageState,
    OutboxMessage,
    Shipment,
    TrackingEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests import factories


def at(year: int, month: int, day: int = 15) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


async def scan(shipment: Shipment, when: datetime, key: str = "") -> TrackingEvent:
    return await TrackingEvent.create(
        shipment=shipment,
        occurred_at=when,
        status=Status.IN_TRANSIT,
        dedupe_key=key or f"scan|{when.isoformat()}",
    )


async def event(shop: Merchant, when: datetime, *, handled: bool = True) -> DomainEvent:
    return await DomainEvent.create(
        merchant=shop,
        kind="shipment.status_changed",
        subject_type="shipment",
        subject_id=1,
        occurred_at=when,
        created_at=when,
        processed_at=when if handled else None,
    )


async def message(
    shop: Merchant, when: datetime, *, state: MessageState = MessageState.SENT, key: str = ""
) -> OutboxMessage:
    return await OutboxMessage.create(
        merchant=shop,
        channel=Channel.EMAIL,
        recipient="buyer@example.test",
        trigger="delivered",
        unique_key=key or f"test:{shop.id}:{when.isoformat()}:{state.value}",
        scheduled_for=when,
        created_at=when,
        state=state,
    )


async def endpoint(shop: Merchant) -> WebhookEndpoint:
    return await WebhookEndpoint.create(
        merchant=shop, url="https://hooks.example.test/", secret_encrypted="x"
    )


async def delivery(
    hook: WebhookEndpoint,
    when: datetime,
    *,
    state: DeliveryState = DeliveryState.DELIVERED,
    cause: DomainEvent | None = None,
) -> WebhookDelivery:
    return await WebhookDelivery.create(
        endpoint=hook,
        event=cause,
        topic="shipment.delivered",
        next_attempt_at=when,
        created_at=when,
        state=state,
    )


async def delivered_shipment(shop: Merchant) -> Shipment:
    return await factories.shipment(shop, status=Status.DELIVERED)


async def partition_of(table: str, row_id: int) -> str:
    """The partition (PostgreSQL) holding the row ``row_id`` of ``table``."""
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(
        f"SELECT tableoid::regclass::text AS part FROM {table} WHERE id = $1", [row_id]
    )
    return str(rows[0]["part"])
