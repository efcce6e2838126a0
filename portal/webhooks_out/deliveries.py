"""Writing pending webhook deliveries for a domain event: one row per endpoint, never two.

Every family's listener (shipments, returns, surveys) ends here, so the envelope, the due
time and the replay rule live in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import DomainEvent, WebhookDelivery, WebhookEndpoint
from portal.webhooks_out.admin import envelope


async def write_deliveries(
    event: DomainEvent,
    chosen: Iterable[tuple[WebhookEndpoint, str]],
    data: dict[str, Any],
    conn: BaseDBAsyncClient,
) -> None:
    """A pending delivery of ``data`` under its topic for each (endpoint, topic), due at
    once: the earlier of the event's time and the moment it was recorded. An endpoint that
    already has this event is skipped (the table holds one row per endpoint and event), so
    a replayed event writes nothing."""
    created_at: datetime = event.occurred_at
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            event=event,
            topic=topic,
            payload=envelope(f"evt_{event.id}", topic, created_at, data),
            next_attempt_at=min(created_at, event.created_at or created_at),
        )
        for endpoint, topic in chosen
    ]
    if rows:
        await WebhookDelivery.bulk_create(rows, ignore_conflicts=True, using_db=conn)
