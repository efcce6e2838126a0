"""When a message may go out: quiet hours in the recipient's zone and per-contact limits.

The zone and quiet-hour rules themselves are :mod:`portal.core.timezones`; this module adds
the per-contact limits that need the outbox.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.core.timezones import (
    defer_out_of_quiet_hours,
    local_day_bounds,
)
from portal.models import Channel, MessageState, OutboxMessage

#: At most this many SMS per shipment in one local day of the recipient; the rest wait.
SMS_PER_SHIPMENT_PER_DAY = 3


async def send_time(
    *,
    due: datetime,
    zone: ZoneInfo,
    quiet_start: time | None,
    quiet_end: time | None,
    channel: Channel,
    shipment_id: int | None,
    using_db: BaseDBAsyncClient | None = None,
) -> datetime:
    """When a message due at ``due`` may be sent: out of quiet hours (when the channel
    keeps them: ``quiet_start``/``quiet_end`` None when it does not) and within limits."""

    def defer(moment: datetime) -> datetime:
        if quiet_start is None or quiet_end is None:
            return moment
        return defer_out_of_quiet_hours(moment, zone, quiet_start, quiet_end)

    candidate = defer(due)
    if channel != Channel.SMS or shipment_id is None:
        return candidate
    for _ in range(31):
        day_start, day_end = local_day_bounds(candidate, zone)
        taken = (
            await OutboxMessage.filter(
                shipment_id=shipment_id,
                channel=Channel.SMS,
                scheduled_for__gte=day_start,
                scheduled_for__lt=day_end,
            )
            .exclude(state__in=(MessageState.CANCELLED, MessageState.FAILED))
            .using_db(using_db)
            .count()
        )
        if taken < SMS_PER_SHIPMENT_PER_DAY:
            return candidate
        candidate = defer(day_end)
    return candidate
