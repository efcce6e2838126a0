"""The delivery window a parcel is held to: the carrier's when it gave one, else ours.

The tracking page, customer messages, outgoing webhooks and late detection all ask this
one function, so the date a customer was shown is the date a parcel is late against.

A window is whole days on the calendar of the parcel's destination
(:func:`portal.core.timezones.delivery_zone`): our predictions count business days on it,
a carrier's timed window is read on it, and the window is over at the local midnight after
its last day there, not UTC's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from carriers.base import Status
from portal.core.timezones import first_instant_at_or_after

Source = Literal["carrier", "predicted"]


@dataclass(frozen=True, slots=True)
class Promise:
    """A window of whole days on the destination's calendar and whose it is."""

    start: date
    end: date
    source: Source

    def late(self, today: date) -> bool:
        """Its last day is over (``today`` on the same calendar; only meaningful for a
        parcel not yet delivered)."""
        return self.end < today

    def over_at(self, zone: tzinfo) -> datetime:
        """The instant (UTC) its last day ends on ``zone``'s clock: the next local midnight."""
        following = self.end + timedelta(days=1)
        if isinstance(zone, ZoneInfo):
            return first_instant_at_or_after(following, time(0), zone)
        return datetime.combine(following, time(0), tzinfo=zone).astimezone(UTC)

    def late_at(self, now: datetime, zone: tzinfo) -> bool:
        """Its last day is over at ``now`` on ``zone``'s clock."""
        return now >= self.over_at(zone)


def _day(value: Any, zone: tzinfo) -> date | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone).date()
    return value if isinstance(value, date) else None


def promise_of(shipment: Any, zone: tzinfo = UTC) -> Promise | None:
    """The carrier's window (``eta_window_*``, instants read as days on ``zone``'s clock) or
    date (``estimated_delivery``), else our predicted window; None when neither exists.
    ``zone`` is the parcel's :func:`~portal.core.timezones.delivery_zone`."""
    start, end = _day(shipment.eta_window_start, zone), _day(shipment.eta_window_end, zone)
    if end is not None:
        return Promise(start or end, end, "carrier")
    carrier = _day(shipment.estimated_delivery, zone)
    if carrier is not None:
        return Promise(carrier, carrier, "carrier")
    ours_start, ours_end = _day(shipment.predicted_start, zone), _day(shipment.predicted_end, zone)
    if ours_end is not None:
        return Promise(ours_start or ours_end, ours_end, "predicted")
    return None


def open_promise(shipment: Any, zone: tzinfo = UTC) -> Promise | None:
    """:func:`promise_of` for a parcel still on its way; None once it reached a final status."""
    if Status(shipment.status).is_final:
        return None
    return promise_of(shipment, zone)
