"""Forget old webhook deliveries: the log keeps 30 days of finished ones.

Pending deliveries are never purged, however old: they are still owed to the endpoint.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.models import DeliveryState, WebhookDelivery

#: How long delivered and failed deliveries stay in the log.
KEEP = timedelta(days=30)


async def purge_deliveries(now: datetime, keep: timedelta = KEEP) -> int:
    """Delete delivered and failed deliveries created more than ``keep`` ago; how many."""
    deleted = await WebhookDelivery.filter(
        state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED], created_at__lt=now - keep
    ).delete()
    return int(deleted)
