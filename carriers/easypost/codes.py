"""EasyPost tracker ``status`` and ``status_detail`` values -> (Status, Reason).

One table for both fields: the documented lists share a few names (``unknown``,
``in_transit``, ``out_for_delivery``, ``cancelled``, ``failure``) with the same meaning.
The ``status`` decides; a problem ``status_detail`` refines it (see parse.resolve).
"""

from __future__ import annotations

from carriers.base import Reason, Status

CODES: dict[str, tuple[Status, Reason | None]] = {
    # --- Tracker.status ---
    "unknown": (Status.PENDING, None),
    "pre_transit": (Status.INFO_RECEIVED, None),
    "in_transit": (Status.IN_TRANSIT, None),
    "out_for_delivery": (Status.OUT_FOR_DELIVERY, None),
    "delivered": (Status.DELIVERED, None),
    "available_for_pickup": (Status.AVAILABLE_FOR_PICKUP, None),
    "return_to_sender": (Status.RETURNED_TO_SENDER, None),
    "failure": (Status.EXCEPTION, Reason.UNKNOWN),
    "cancelled": (Status.EXCEPTION, Reason.UNKNOWN),
    "error": (Status.EXCEPTION, Reason.UNKNOWN),
    # --- Tracker.status_detail ---
    "address_correction": (Status.EXCEPTION, Reason.ADDRESS_ISSUE),
    "arrived_at_destination": (Status.IN_TRANSIT, None),
    "arrived_at_facility": (Status.IN_TRANSIT, None),
    "arrived_at_pickup_location": (Status.AVAILABLE_FOR_PICKUP, None),
    "awaiting_information": (Status.EXCEPTION, Reason.HELD_AT_CARRIER),
    "damaged": (Status.EXCEPTION, Reason.DAMAGED),
    "delayed": (Status.EXCEPTION, Reason.CARRIER_DELAY),
    "delivery_exception": (Status.FAILED_ATTEMPT, None),
    "departed_facility": (Status.IN_TRANSIT, None),
    "departed_origin_facility": (Status.IN_TRANSIT, None),
    "expired": (Status.EXCEPTION, Reason.UNKNOWN),
    "held": (Status.EXCEPTION, Reason.HELD_AT_CARRIER),
    "label_created": (Status.INFO_RECEIVED, None),
    "lost": (Status.EXCEPTION, Reason.LOST),
    "missorted": (Status.EXCEPTION, Reason.CARRIER_DELAY),
    "received_at_destination_facility": (Status.IN_TRANSIT, None),
    "received_at_origin_facility": (Status.IN_TRANSIT, None),
    "refused": (Status.EXCEPTION, Reason.REFUSED),
    "return": (Status.RETURNED_TO_SENDER, None),
    "status_update": (Status.IN_TRANSIT, None),
    "transferred_to_destination_carrier": (Status.IN_TRANSIT, None),
    "transit_exception": (Status.EXCEPTION, Reason.CARRIER_DELAY),
    "weather_delay": (Status.EXCEPTION, Reason.WEATHER_DELAY),
}

#: What an undocumented code becomes (its text is kept on the event).
DEFAULT: tuple[Status, Reason | None] = (Status.IN_TRANSIT, None)
