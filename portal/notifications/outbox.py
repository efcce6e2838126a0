"""Writing a rendered message to the outbox: timed around quiet hours, never twice.

Called by the composer for every message family, so the schedule rules and the unique-key
guard live in one place.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import Channel, OutboxMessage
from portal.notifications import schedule
from portal.notifications.templates import Rendered


async def enqueue(
    *,
    merchant_id: int,
    customer_id: int,
    shipment_id: int | None,
    channel: Channel,
    recipient: str,
    trigger: str,
    unique_key: str,
    locale: str,
    rendered: Rendered,
    due: datetime,
    zone: ZoneInfo,
    quiet_hours: tuple[time, time] | None,
    using_db: BaseDBAsyncClient,
    payload: dict[str, Any] | None = None,
    release_window: timedelta = timedelta(0),
) -> datetime:
    """Insert the message (ignored when ``unique_key`` exists); returns its send time.

    ``quiet_hours`` None: this channel is not held by quiet hours (the shop's choice).
    """
    scheduled_for = await schedule.send_time(
        due=due,
        zone=zone,
        quiet_start=quiet_hours[0] if quiet_hours else None,
        quiet_end=quiet_hours[1] if quiet_hours else None,
        channel=channel,
        shipment_id=shipment_id,
        using_db=using_db,
        release_key=unique_key,
        release_window=release_window,
    )
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                merchant_id=merchant_id,
                customer_id=customer_id,
                shipment_id=shipment_id,
                channel=channel,
                recipient=recipient,
                trigger=trigger,
                unique_key=unique_key,
                locale=locale,
                subject=rendered.subject[:500],
                body_text=rendered.text,
                body_html=rendered.html,
                payload=payload,
                scheduled_for=scheduled_for,
            )
        ],
        ignore_conflicts=True,
        using_db=using_db,
    )
    return scheduled_for
