"""Carrier adapters: each carrier's API turned into one normalised picture of a parcel."""

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    CarrierError,
    CarrierUnavailable,
    DeliveryWindow,
    RateLimited,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.detection import detect

__all__ = [
    "AuthError",
    "BadResponse",
    "CarrierAdapter",
    "CarrierError",
    "CarrierUnavailable",
    "DeliveryWindow",
    "RateLimited",
    "Reason",
    "Status",
    "TrackingEvent",
    "TrackingResult",
    "detect",
]
