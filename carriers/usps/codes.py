"""USPS event codes (``trackingEvents[].eventCode``) mapped to Doorstep's vocabulary.

Every code CARRIERS.md lists for the Tracking API v3, from USPS Publication 97. A code
missing here is kept on the event and read as ``in_transit``: USPS adds codes for
intermediate scans far more often than for problems.
"""

from __future__ import annotations

from carriers.base import Reason, Status

CODES: dict[str, tuple[Status, Reason | None]] = {
    # Label created / pre-shipment information sent to USPS.
    "MA": (Status.INFO_RECEIVED, None),
    "GX": (Status.INFO_RECEIVED, None),
    # Accepted, processed, arrived, departed, in transit.
    "03": (Status.IN_TRANSIT, None),
    "10": (Status.IN_TRANSIT, None),
    "07": (Status.IN_TRANSIT, None),
    "SF": (Status.IN_TRANSIT, None),
    "EF": (Status.IN_TRANSIT, None),
    "PC": (Status.IN_TRANSIT, None),
    "A1": (Status.IN_TRANSIT, None),
    "T1": (Status.IN_TRANSIT, None),
    "TL": (Status.IN_TRANSIT, None),
    "OF": (Status.OUT_FOR_DELIVERY, None),
    "01": (Status.DELIVERED, None),
    # Attempted / notice left. 02 is "no authorised recipient available"; the others
    # (business closed, receptacle full, no secure location, ...) carry no reason of ours.
    "02": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    "30": (Status.FAILED_ATTEMPT, None),
    "51": (Status.FAILED_ATTEMPT, None),
    "52": (Status.FAILED_ATTEMPT, None),
    "53": (Status.FAILED_ATTEMPT, None),
    "54": (Status.FAILED_ATTEMPT, None),
    "55": (Status.FAILED_ATTEMPT, None),
    "56": (Status.FAILED_ATTEMPT, None),
    # At a post office or pickup point.
    "14": (Status.AVAILABLE_FOR_PICKUP, None),
    "16": (Status.AVAILABLE_FOR_PICKUP, None),
    # Return to sender (09) and its causes (no such number, moved, unclaimed, ...).
    "09": (Status.RETURNED_TO_SENDER, None),
    "21": (Status.RETURNED_TO_SENDER, None),
    "22": (Status.RETURNED_TO_SENDER, None),
    "23": (Status.RETURNED_TO_SENDER, None),
    "24": (Status.RETURNED_TO_SENDER, None),
    "25": (Status.RETURNED_TO_SENDER, None),
    "26": (Status.RETURNED_TO_SENDER, None),
    "27": (Status.RETURNED_TO_SENDER, None),
    "28": (Status.RETURNED_TO_SENDER, None),
    "29": (Status.RETURNED_TO_SENDER, None),
    "31": (Status.RETURNED_TO_SENDER, None),
    "04": (Status.EXCEPTION, Reason.REFUSED),
    "05": (Status.EXCEPTION, Reason.ADDRESS_ISSUE),
}

#: Unknown codes: a scan we cannot place is most likely movement.
DEFAULT: tuple[Status, Reason | None] = (Status.IN_TRANSIT, None)

#: Top-level ``statusCategory``, read only when a response carries no events at all
#: (USPS's web-tracking categories; compared case-insensitively). Anything else: pending.
STATUS_CATEGORIES: dict[str, tuple[Status, Reason | None]] = {
    "pre-shipment": (Status.INFO_RECEIVED, None),
    "accepted": (Status.IN_TRANSIT, None),
    "in transit": (Status.IN_TRANSIT, None),
    "out for delivery": (Status.OUT_FOR_DELIVERY, None),
    "delivery attempt": (Status.FAILED_ATTEMPT, None),
    "available for pickup": (Status.AVAILABLE_FOR_PICKUP, None),
    "delivered": (Status.DELIVERED, None),
    "alert": (Status.EXCEPTION, Reason.UNKNOWN),
}


def classify(code: str) -> tuple[Status, Reason | None]:
    """(status, reason) for an event code; unknown codes fall back to :data:`DEFAULT`."""
    return CODES.get(code.strip().upper(), DEFAULT)


def classify_category(category: str) -> tuple[Status, Reason | None]:
    """(status, reason) for a ``statusCategory`` when there is no event to go by."""
    return STATUS_CATEGORIES.get(category.strip().lower(), (Status.PENDING, None))
