"""When to ask the carrier next: a pure function of a shipment's picture and the clock.

Often near delivery, rarely when nothing moves, never once the story is over. Failed
polls back off exponentially with jitter; the result is stored as ``next_poll_at`` so
any worker process can pick the shipment up when it is due.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from carriers.base import Status

Rand = Callable[[], float]

#: How often to poll, by status, while things are moving.
INTERVALS: dict[Status, timedelta] = {
    Status.PENDING: timedelta(hours=2),
    Status.INFO_RECEIVED: timedelta(hours=6),
    Status.IN_TRANSIT: timedelta(hours=3),
    Status.OUT_FOR_DELIVERY: timedelta(minutes=30),
    Status.FAILED_ATTEMPT: timedelta(minutes=30),
    Status.AVAILABLE_FOR_PICKUP: timedelta(hours=6),
    Status.EXCEPTION: timedelta(hours=3),
}
#: How long a status may sit without news before it counts as stale (and polls thin out).
QUIET_LIMITS: dict[Status, timedelta] = {
    Status.PENDING: timedelta(days=3),
    Status.INFO_RECEIVED: timedelta(days=3),
    Status.IN_TRANSIT: timedelta(days=3),
    Status.OUT_FOR_DELIVERY: timedelta(days=1),
    Status.FAILED_ATTEMPT: timedelta(days=2),
    Status.AVAILABLE_FOR_PICKUP: timedelta(days=7),
    Status.EXCEPTION: timedelta(days=3),
}
#: Polling interval for a stale shipment.
SPARSE = timedelta(hours=12)
#: After delivery we still look for late corrections (a wrong scan, a signer added).
DELIVERED_GRACE = timedelta(hours=24)
#: A parcel on its way back is still followed until it is back with the merchant.
RETURNED_GRACE = timedelta(days=7)
GRACE_RECHECK = timedelta(hours=12)
#: Backoff after failed polls: base * 2^(failures-1), capped, with "equal jitter".
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_CAP = timedelta(hours=6)
#: Regular intervals are spread by +-10 % so bulk imports do not poll in lockstep.
JITTER = 0.1


#: Backoff after a failed carrier call (the carrier answered others meanwhile): short and
#: capped, so a shipment caught in a bad call is current again within minutes.
CALL_BACKOFF_BASE = timedelta(seconds=30)
CALL_BACKOFF_CAP = timedelta(minutes=15)


def backoff(
    failures: int,
    rand: Rand = random.random,
    *,
    base: timedelta = BACKOFF_BASE,
    cap: timedelta = BACKOFF_CAP,
) -> timedelta:
    """Delay after ``failures`` consecutive failed polls: half fixed, half random."""
    exponent = min(max(failures, 1) - 1, 20)
    delay = min(cap, base * (1 << exponent))
    return delay / 2 + delay / 2 * rand()


def call_backoff(failures: int, rand: Rand = random.random) -> timedelta:
    """Delay for a shipment whose carrier call failed ``failures`` times in a row: 30 s
    doubling, at most 15 min, jittered per shipment so a failed batch does not come back
    as one batch."""
    return backoff(failures, rand, base=CALL_BACKOFF_BASE, cap=CALL_BACKOFF_CAP)


def _grace(status: Status) -> timedelta | None:
    if status is Status.DELIVERED:
        return DELIVERED_GRACE
    if status is Status.RETURNED_TO_SENDER:
        return RETURNED_GRACE
    return None


def next_poll_at(
    status: Status,
    last_event_at: datetime | None,
    now: datetime,
    failures: int = 0,
    *,
    since: datetime | None = None,
    rand: Rand = random.random,
) -> datetime | None:
    """When to poll next, or None when polling is over.

    ``last_event_at`` is the newest carrier scan (``since``, e.g. the shipment's creation,
    stands in when there is none yet). Delivered and returned shipments are checked every
    12 h during a grace period after their last scan, then never again; ``expired`` is
    never polled (a merchant re-activates it).
    """
    reference = last_event_at or since or now
    grace = _grace(status)
    if status is Status.EXPIRED:
        return None
    if grace is not None:
        end = reference + grace
        if now >= end:
            return None
        if failures > 0:
            return min(now + backoff(failures, rand), end)
        return min(now + GRACE_RECHECK, end)
    if failures > 0:
        return now + backoff(failures, rand)
    interval = SPARSE if is_stale(status, last_event_at, now, since=since) else INTERVALS[status]
    return now + interval * (1 + JITTER * (2 * rand() - 1))


def is_stale(
    status: Status, last_event_at: datetime | None, now: datetime, *, since: datetime | None = None
) -> bool:
    """True when a live shipment has had no news for longer than its status warrants.

    Computed, never stored (DESIGN.md). Final statuses are never stale.
    """
    limit = QUIET_LIMITS.get(status)
    reference = last_event_at or since
    if limit is None or reference is None:
        return False
    return now - reference > limit


def expires_at(last_update_at: datetime, expire_after_days: int) -> datetime:
    """The moment a shipment with no carrier update since ``last_update_at`` expires."""
    return last_update_at + timedelta(days=max(1, expire_after_days))


def is_expired(
    status: Status, last_update_at: datetime, now: datetime, expire_after_days: int
) -> bool:
    """True when a live shipment has had no carrier update for ``expire_after_days``."""
    if status.is_final:
        return False
    return now >= expires_at(last_update_at, expire_after_days)
