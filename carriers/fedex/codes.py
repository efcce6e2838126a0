"""FedEx status codes (scan ``eventType``, ``derivedStatusCode``, ``latestStatusDetail.code``)
mapped to Doorstep's vocabulary: every code CARRIERS.md lists for Track API v1.
"""

from __future__ import annotations

from carriers.base import Reason, Status

CODES: dict[str, tuple[Status, Reason | None]] = {
    # Label created / shipment information sent.
    "OC": (Status.INFO_RECEIVED, None),
    "OX": (Status.INFO_RECEIVED, None),
    # Picked up, in transit, arrived, at facility, departed, at sort facility, left origin,
    # at destination, plane landed, plane in flight, at airport.
    "PU": (Status.IN_TRANSIT, None),
    "IT": (Status.IN_TRANSIT, None),
    "AR": (Status.IN_TRANSIT, None),
    "AF": (Status.IN_TRANSIT, None),
    "DP": (Status.IN_TRANSIT, None),
    "SF": (Status.IN_TRANSIT, None),
    "LO": (Status.IN_TRANSIT, None),
    "FD": (Status.IN_TRANSIT, None),
    "PL": (Status.IN_TRANSIT, None),
    "PF": (Status.IN_TRANSIT, None),
    "AA": (Status.IN_TRANSIT, None),
    # On vehicle for delivery / enroute to delivery.
    "OD": (Status.OUT_FOR_DELIVERY, None),
    "ED": (Status.OUT_FOR_DELIVERY, None),
    "DL": (Status.DELIVERED, None),
    # Delivery exception: FedEx scans DE at the door when delivery does not happen
    # (customer not available, business closed, incorrect address, refused), which is
    # a failed attempt in our words; the description gives the reason.
    "DE": (Status.FAILED_ATTEMPT, None),
    # Hold at location / ready for recipient pickup.
    "HL": (Status.AVAILABLE_FOR_PICKUP, None),
    "HP": (Status.AVAILABLE_FOR_PICKUP, None),
    "RS": (Status.RETURNED_TO_SENDER, None),
    # Shipment exception, delay, delivery delay, clearance delay, cancelled.
    "SE": (Status.EXCEPTION, Reason.UNKNOWN),
    "DY": (Status.EXCEPTION, Reason.CARRIER_DELAY),
    "DD": (Status.EXCEPTION, Reason.CARRIER_DELAY),
    "CD": (Status.EXCEPTION, Reason.CUSTOMS_HOLD),
    "CA": (Status.EXCEPTION, Reason.UNKNOWN),
}

#: Unknown code: a scan we cannot place is most likely movement...
DEFAULT: tuple[Status, Reason | None] = (Status.IN_TRANSIT, None)
#: ...unless FedEx attached an exception to it.
DEFAULT_EXCEPTION: tuple[Status, Reason | None] = (Status.EXCEPTION, Reason.UNKNOWN)

#: FedEx states the cause of an exception only in words (``exceptionDescription``, e.g.
#: "Customer not available or business closed"). Matched in order against the lower-cased
#: text, so the specific phrases come before the catch-all "delay".
REASON_PHRASES: tuple[tuple[str, Reason], ...] = (
    ("weather", Reason.WEATHER_DELAY),
    ("natural disaster", Reason.WEATHER_DELAY),
    ("customs", Reason.CUSTOMS_HOLD),
    ("clearance", Reason.CUSTOMS_HOLD),
    ("refused", Reason.REFUSED),
    ("damage", Reason.DAMAGED),
    ("lost", Reason.LOST),
    ("address", Reason.ADDRESS_ISSUE),
    ("not available", Reason.RECIPIENT_UNAVAILABLE),
    ("business closed", Reason.RECIPIENT_UNAVAILABLE),
    ("no one", Reason.RECIPIENT_UNAVAILABLE),
    ("held", Reason.HELD_AT_CARRIER),
    ("hold", Reason.HELD_AT_CARRIER),
    ("delay", Reason.CARRIER_DELAY),
)


def classify(*codes: str | None, exception: bool = False) -> tuple[Status, Reason | None]:
    """(status, reason) for the first known code; otherwise a default that heeds whether
    FedEx flagged the scan as an exception."""
    for code in codes:
        if code and (found := CODES.get(code.strip().upper())):
            return found
    return DEFAULT_EXCEPTION if exception else DEFAULT


def infer_reason(*texts: str) -> Reason | None:
    """The reason the first text that states one states."""
    for text in texts:
        lowered = text.lower()
        for phrase, reason in REASON_PHRASES:
            if phrase in lowered:
                return reason
    return None
