"""UPS activity codes mapped to Doorstep's vocabulary.

UPS sends two codes per activity: a one- or two-letter ``type`` (M, MV, I, D, X) and a
finer three-digit ``statusCode``. Both live in :data:`CODES` (letters and digits never
collide); the ``statusCode`` wins when it is known, because ``type`` lumps together
things a customer needs told apart (``I`` covers in transit *and* out for delivery, ``X``
covers exceptions *and* failed delivery attempts).
"""

from __future__ import annotations

from carriers.base import Reason, Status

CODES: dict[str, tuple[Status, Reason | None]] = {
    # --- activity type ---
    "M": (Status.INFO_RECEIVED, None),  # billing information received (label created)
    # Billing information voided: the label was cancelled. We have no "cancelled" status;
    # the parcel will not move under this number, which is something to look at.
    "MV": (Status.EXCEPTION, Reason.UNKNOWN),
    "I": (Status.IN_TRANSIT, None),
    "D": (Status.DELIVERED, None),
    "X": (Status.EXCEPTION, Reason.UNKNOWN),
    # --- three-digit statusCode ---
    "003": (Status.INFO_RECEIVED, None),
    "080": (Status.INFO_RECEIVED, None),
    "006": (Status.OUT_FOR_DELIVERY, None),
    "021": (Status.OUT_FOR_DELIVERY, None),
    "037": (Status.OUT_FOR_DELIVERY, None),
    "072": (Status.OUT_FOR_DELIVERY, None),
    "089": (Status.OUT_FOR_DELIVERY, None),
    "091": (Status.OUT_FOR_DELIVERY, None),
    "011": (Status.DELIVERED, None),
    "026": (Status.DELIVERED, None),
    "017": (Status.AVAILABLE_FOR_PICKUP, None),
    "040": (Status.AVAILABLE_FOR_PICKUP, None),
    "022": (Status.FAILED_ATTEMPT, None),
    "023": (Status.FAILED_ATTEMPT, None),
    "024": (Status.FAILED_ATTEMPT, None),
    "060": (Status.FAILED_ATTEMPT, None),
    "061": (Status.FAILED_ATTEMPT, None),
    "062": (Status.FAILED_ATTEMPT, None),
    "066": (Status.FAILED_ATTEMPT, None),
    "033": (Status.RETURNED_TO_SENDER, None),
    "034": (Status.RETURNED_TO_SENDER, None),
    "035": (Status.RETURNED_TO_SENDER, None),
    "036": (Status.RETURNED_TO_SENDER, None),
    "067": (Status.RETURNED_TO_SENDER, None),
    "013": (Status.EXCEPTION, Reason.UNKNOWN),
    "029": (Status.EXCEPTION, Reason.UNKNOWN),
    "046": (Status.EXCEPTION, Reason.UNKNOWN),
    "059": (Status.EXCEPTION, Reason.UNKNOWN),
    "064": (Status.EXCEPTION, Reason.UNKNOWN),
    "069": (Status.EXCEPTION, Reason.UNKNOWN),
    "007": (Status.EXCEPTION, Reason.UNKNOWN),  # voided, as MV above
}

#: Neither code known: a scan we cannot place is most likely movement.
DEFAULT: tuple[Status, Reason | None] = (Status.IN_TRANSIT, None)

#: UPS gives the reason for an exception or a missed delivery only in words. Phrases are
#: matched in this order against the lower-cased description, so the more specific
#: ones ("weather", "customs") come before the catch-all "delay".
REASON_PHRASES: tuple[tuple[str, Reason], ...] = (
    ("weather", Reason.WEATHER_DELAY),
    ("customs", Reason.CUSTOMS_HOLD),
    ("clearance", Reason.CUSTOMS_HOLD),
    ("brokerage", Reason.CUSTOMS_HOLD),
    ("refused", Reason.REFUSED),
    ("damage", Reason.DAMAGED),
    ("lost", Reason.LOST),
    ("unable to locate", Reason.LOST),
    ("address", Reason.ADDRESS_ISSUE),
    ("not available", Reason.RECIPIENT_UNAVAILABLE),
    ("not home", Reason.RECIPIENT_UNAVAILABLE),
    ("business was closed", Reason.RECIPIENT_UNAVAILABLE),
    ("held", Reason.HELD_AT_CARRIER),
    ("delay", Reason.CARRIER_DELAY),
)


def classify(status_code: str | None, type_: str | None) -> tuple[Status, Reason | None]:
    """(status, reason) for an activity: ``statusCode`` first, then ``type``, then DEFAULT."""
    for code in (status_code, type_):
        if code and (found := CODES.get(code.strip().upper())):
            return found
    return DEFAULT


def infer_reason(description: str) -> Reason | None:
    """The reason a description states, when it states one we know."""
    text = description.lower()
    return next((reason for phrase, reason in REASON_PHRASES if phrase in text), None)
