"""When a message may go out: quiet hours in the recipient's zone and per-contact limits.

The zone and quiet-hour rules themselves are :mod:`portal.core.timezones`; this module adds
the per-contact limits that need the outbox.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.core.timezones import (
    defer_out_of_quiet_hours,
    local_day_bounds,
)
from portal.models import Channel, MessageState, OutboxMessage

#: At most this many SMS per shipment in one local day of the recipient; the rest wait.
SMS_PER_SHIPMENT_PER_DAY = 3


def release_fraction(key: str) -> float:
    """A stable number in [0, 1) for ``key``, evenly spread over many keys."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


async def send_time(
    *,
    due: datetime,
    zone: ZoneInfo,
    quiet_start: time | None,
    quiet_end: time | None,
    channel: Channel,
    shipment_id: int | None,
    using_db: BaseDBAsyncClient | None = None,
    release_key: str = "",
    release_window: timedelta = timedelta(0),
) -> datetime:
    """When a message due at ``due`` may be sent: out of quiet hours (when the channel
    keeps them: ``quiet_start``/``quiet_end`` None when it does not) and within limits.

    A message held by quiet hours is released at a moment within ``release_window`` after
    they end in the recipient's zone, the same moment every time for the same
    ``release_key``: the night's messages leave spread over the window instead of all at
    08:00, and a replayed event lands where the first one did.
    """

    def defer(moment: datetime) -> datetime:
        if quiet_start is None or quiet_end is None:
            return moment
        released = defer_out_of_quiet_hours(moment, zone, quiet_start, quiet_end)
        if released == moment:
            return moment
        return released + release_window * release_fraction(release_key)

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
