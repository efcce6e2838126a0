"""The sandbox carrier's event codes mapped to Doorstep's vocabulary.

The sandbox is our own carrier, so this table *is* its documentation: every code the
simulated server (:mod:`carriers.sandbox.journey`) can emit is here, and a test keeps the
two in step. Like real carriers, codes starting with ``X`` are exceptions; an unknown
``X`` code reads as ``exception``/``unknown`` and any other unknown code as ``in_transit``.
"""

from __future__ import annotations

from carriers.base import Reason, Status

CODES: dict[str, tuple[Status, Reason | None]] = {
    "LBL": (Status.INFO_RECEIVED, None),  # label created, shipment information received
    "PKP": (Status.IN_TRANSIT, None),  # picked up from the sender
    "ARR": (Status.IN_TRANSIT, None),  # arrived at a sort facility
    "DEP": (Status.IN_TRANSIT, None),  # departed a sort facility
    "CCL": (Status.IN_TRANSIT, None),  # cleared customs
    "OFD": (Status.OUT_FOR_DELIVERY, None),
    "ATT": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),  # nobody home, notice left
    "ATA": (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE),  # no access to the address
    "REF": (Status.FAILED_ATTEMPT, Reason.REFUSED),  # recipient refused the parcel
    "DLV": (Status.DELIVERED, None),  # delivered to the recipient (signer given)
    "DLN": (Status.DELIVERED, None),  # delivered to a neighbour (neighbour signs)
    "RPP": (Status.AVAILABLE_FOR_PICKUP, None),  # ready for collection at a pickup point
    "RPD": (Status.IN_TRANSIT, None),  # redirected to another locker (the chosen one is full)
    "RPR": (Status.AVAILABLE_FOR_PICKUP, None),  # reminder: the pickup deadline is a day away
    "RPC": (Status.DELIVERED, None),  # collected from the pickup point
    "RPX": (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),  # deadline passed, going back
    "XWX": (Status.EXCEPTION, Reason.WEATHER_DELAY),  # delayed by weather, journey goes on
    "XAD": (Status.EXCEPTION, Reason.ADDRESS_ISSUE),  # address incomplete, awaiting correction
    "XDM": (Status.EXCEPTION, Reason.DAMAGED),
    "XCU": (Status.EXCEPTION, Reason.CUSTOMS_HOLD),
    "XLS": (Status.EXCEPTION, Reason.LOST),
    "RTS": (Status.RETURNED_TO_SENDER, None),  # on its way back (every scan of the return leg)
    "RTD": (Status.RETURNED_TO_SENDER, None),  # back with the sender
    "RTN": (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),  # back: not collected in time
}

#: Unknown codes: a scan we cannot place is most likely movement.
DEFAULT: tuple[Status, Reason | None] = (Status.IN_TRANSIT, None)
#: Unknown exception-type codes (``X…``): something is wrong, we do not know what.
DEFAULT_EXCEPTION: tuple[Status, Reason | None] = (Status.EXCEPTION, Reason.UNKNOWN)


def lookup(code: str) -> tuple[Status, Reason | None]:
    """(status, reason) for a sandbox event code, with the safe defaults for unknown ones."""
    found = CODES.get(code.strip().upper())
    if found is not None:
        return found
    return DEFAULT_EXCEPTION if code.strip().upper().startswith("X") else DEFAULT
