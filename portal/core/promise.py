"""The delivery window a parcel is held to: the carrier's when it gave one, else ours.

The tracking page, customer messages, outgoing webhooks and late detection all ask this
one function, so the date a customer was shown is the date a parcel is late against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from carriers.base import Status

Source = Literal["carrier", "predicted"]


@dataclass(frozen=True, slots=True)
class Promise:
    """A window of whole days (UTC) and whose it is."""

    start: date
    end: date
    source: Source

    def late(self, today: date) -> bool:
        """Its last day is over (only meaningful for a parcel not yet delivered)."""
        return self.end < today


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()
    return value if isinstance(value, date) else None


def promise_of(shipment: Any) -> Promise | None:
    """The carrier's window (``eta_window_*``) or date (``estimated_delivery``), else our
    predicted window; None when neither exists."""
    start, end = _day(shipment.eta_window_start), _day(shipment.eta_window_end)
    if end is not None:
        return Promise(start or end, end, "carrier")
    carrier = _day(shipment.estimated_delivery)
    if carrier is not None:
        return Promise(carrier, carrier, "carrier")
    ours_start, ours_end = _day(shipment.predicted_start), _day(shipment.predicted_end)
    if ours_end is not None:
        return Promise(ours_start or ours_end, ours_end, "predicted")
    return None


def open_promise(shipment: Any) -> Promise | None:
    """:func:`promise_of` for a parcel still on its way; None once it reached a final status."""
    if Status(shipment.status).is_final:
        return None
    return promise_of(shipment)
