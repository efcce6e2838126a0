"""Folding a carrier result into a shipment's picture: pure, so every rule is testable alone.

The rules (DESIGN.md, "Polling and push"):

- an event is identified by its ``dedupe_key``; one already stored is never stored again;
- the status is the one of the newest event by ``occurred_at``: an event older than the
  newest one stored (late, out of order) is recorded but changes nothing, so a final
  status is only ever replaced by a newer scan;
- a not-found answer adds nothing and erases nothing;
- ETA, proof of delivery, the carrier link and the pickup point are taken only from a
  result that is at least as recent as what we hold; an ETA moving to a later day is a
  delay; a result that names no pickup point keeps the one we hold;
- a live shipment with no carrier update for the merchant's ``expire_after_days`` expires.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from carriers.base import DeliveryWindow, Reason, Status, TrackingEvent, TrackingResult
from portal.core import pickup
from portal.tracking import cadence

#: Longest dedupe key the ``tracking_event`` table stores.
DEDUPE_KEY_MAX = 255
#: Statuses that mean the parcel has not yet been handed to the carrier.
_NOT_SHIPPED = frozenset({Status.PENDING, Status.INFO_RECEIVED})


@dataclass(slots=True)
class ShipmentState:
    """The columns of a shipment that ingest reads and writes."""

    id: int
    merchant_id: int
    tracking_number: str
    carrier_key: str
    status: Status
    created_at: datetime
    reason: Reason | None = None
    estimated_delivery: date | None = None
    eta_window_start: datetime | None = None
    eta_window_end: datetime | None = None
    first_estimated_delivery: date | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    signed_by: str | None = None
    carrier_url: str | None = None
    last_event_at: datetime | None = None
    last_polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    poll_failures: int = 0
    last_error: str | None = None
    #: :func:`portal.tracking.pickup.to_json` of the point; saved only when it changes.
    pickup_point: dict[str, Any] | None = None
    pickup_deadline: datetime | None = None
    #: The adapter's digest of the last polled answer merged (None: none, or not to trust).
    poll_digest: str | None = None

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def copy(self) -> ShipmentState:
        """A shallow copy (``dataclasses.replace`` costs five times more, per shipment)."""
        return ShipmentState(*_state_values(self))


_state_values = operator.attrgetter(*ShipmentState.fields())


@dataclass(frozen=True, slots=True)
class StatusChange:
    old: Status
    new: Status
    reason: Reason | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Delay:
    old: date
    new: date


@dataclass(slots=True)
class Merge:
    """What one result does to one shipment."""

    after: ShipmentState
    new_events: list[TrackingEvent] = field(default_factory=list)
    #: Their dedupe keys, in the same order.
    new_keys: list[str] = field(default_factory=list)
    status_change: StatusChange | None = None
    delay: Delay | None = None
    #: The pickup point (or its deadline) differs from the stored one.
    pickup_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.new_events) or self.status_change is not None


def eta_day(state: ShipmentState) -> date | None:
    """The day delivery is expected, whether the carrier gave a date or a window."""
    if state.eta_window_start is not None:
        return state.eta_window_start.date()
    return state.estimated_delivery


def last_update_at(state: ShipmentState, reactivated_at: datetime | None = None) -> datetime:
    """When the carrier last told us something (or we started, or were told to restart)."""
    reference = state.last_event_at or state.created_at
    if reactivated_at is not None and reactivated_at > reference:
        return reactivated_at
    return reference


def might_expire(
    state: ShipmentState, result: TrackingResult, now: datetime, expire_after_days: int
) -> bool:
    """Whether merging ``result`` could expire the shipment: a cheap pre-check so that
    re-activations are looked up only for the few shipments where they matter."""
    latest = max((e.occurred_at for e in result.events), default=None)
    candidates = [t for t in (state.last_event_at, latest) if t is not None]
    reference = max(candidates) if candidates else state.created_at
    return now >= cadence.expires_at(reference, expire_after_days)


def event_key(event: TrackingEvent) -> str:
    """The dedupe key as stored: an over-long one keeps a prefix and a hash of the whole."""
    key = event.dedupe_key
    if len(key) <= DEDUPE_KEY_MAX:
        return key
    return key[:200] + "#" + hashlib.sha256(key.encode()).hexdigest()[:54]


def fresh_events(result: TrackingResult, known_keys: set[str]) -> list[tuple[str, TrackingEvent]]:
    """(key, event) for each event of ``result`` not stored yet, once, oldest first
    (stable for ties). Keys are computed once here and reused for the insert."""
    if result.not_found:
        return []
    seen = set(known_keys)
    fresh: list[tuple[str, TrackingEvent]] = []
    for event in result.events:
        key = event_key(event)
        if key not in seen:
            seen.add(key)
            fresh.append((key, event))
    fresh.sort(key=lambda pair: pair[1].occurred_at)
    return fresh


def _apply_eta(after: ShipmentState, eta: date | DeliveryWindow | None) -> Delay | None:
    old_day = eta_day(after)
    if isinstance(eta, DeliveryWindow):
        after.eta_window_start, after.eta_window_end = eta.start, eta.end
        after.estimated_delivery = eta.start.date()
    else:
        after.eta_window_start = after.eta_window_end = None
        after.estimated_delivery = eta
    new_day = eta_day(after)
    if after.first_estimated_delivery is None and new_day is not None:
        after.first_estimated_delivery = new_day
    if old_day is not None and new_day is not None and new_day > old_day:
        return Delay(old_day, new_day)
    return None


def merge_unchanged(
    state: ShipmentState,
    *,
    now: datetime,
    expire_after_days: int | None = None,
    reactivated_at: datetime | None = None,
) -> Merge:
    """The shipment after an answer whose digest is the one of the answer last merged into
    it: :func:`merge` of the same answer again would add no event and change no field, so
    only time can change the shipment, by expiring it (as :func:`merge` would)."""
    after = state.copy()
    out = Merge(after=after)
    if expire_after_days is not None and cadence.is_expired(
        after.status, last_update_at(after, reactivated_at), now, expire_after_days
    ):
        after.status, after.reason = Status.EXPIRED, None
    if after.status != state.status:
        out.status_change = StatusChange(state.status, after.status, after.reason, now)
    return out


def merge(
    state: ShipmentState,
    result: TrackingResult,
    known_keys: set[str],
    *,
    now: datetime,
    expire_after_days: int | None = None,
    reactivated_at: datetime | None = None,
) -> Merge:
    """The shipment after ``result``; ``state`` is left untouched."""
    after = state.copy()
    fresh = fresh_events(result, known_keys)
    out = Merge(after=after, new_events=[e for _, e in fresh], new_keys=[k for k, _ in fresh])
    newest = out.new_events[-1] if out.new_events else None
    latest_seen = max((e.occurred_at for e in result.events), default=None)
    moved = newest is not None and (
        state.last_event_at is None or newest.occurred_at > state.last_event_at
    )
    # A result is current when it knows at least everything we know.
    current = not result.not_found and (
        state.last_event_at is None
        or (latest_seen is not None and latest_seen >= state.last_event_at)
    )

    if newest is not None and moved:
        after.status, after.reason = newest.status, newest.reason
        after.last_event_at = newest.occurred_at
    elif (
        state.last_event_at is None
        and not result.events
        and current
        and result.status is not Status.PENDING
    ):
        # Carriers that report a status without scans.
        after.status, after.reason = result.status, result.reason

    if after.shipped_at is None:
        after.shipped_at = next(
            (e.occurred_at for e in out.new_events if e.status not in _NOT_SHIPPED), None
        )

    if after.status is Status.DELIVERED:
        if current:
            if moved and newest is not None and newest.status is Status.DELIVERED:
                after.delivered_at = newest.occurred_at
            after.delivered_at = result.delivered_at or after.delivered_at
            after.signed_by = result.signed_by or after.signed_by
    elif state.status is Status.DELIVERED:
        # A newer scan corrected a delivery: the proof no longer stands.
        after.delivered_at = after.signed_by = None

    if current:
        out.delay = _apply_eta(after, result.estimated_delivery)
        if result.carrier_url:
            after.carrier_url = result.carrier_url[:500]
        if result.pickup_point is not None and pickup.is_usable(result.pickup_point):
            point = pickup.to_json(result.pickup_point)
            if point != state.pickup_point:
                after.pickup_point = point
                after.pickup_deadline = pickup.deadline_of(point)
                out.pickup_changed = True

    # Checked on the picture after the result: old scans seen for the first time do not
    # keep a shipment alive, a fresh one does.
    expired = expire_after_days is not None and cadence.is_expired(
        after.status, last_update_at(after, reactivated_at), now, expire_after_days
    )
    if expired:
        after.status, after.reason = Status.EXPIRED, None

    if after.status != state.status:
        when = newest.occurred_at if moved and newest is not None and not expired else now
        out.status_change = StatusChange(state.status, after.status, after.reason, when)
    return out
