"""AfterShip delivery statuses (tags) and sub-statuses (subtags) -> (Status, Reason).

Tags and subtags share one table: subtag codes (``InTransit_007``) never collide with
tags (``InTransit``). A known subtag wins over its tag, since it is the finer reading of
the same checkpoint. Subtags from AfterShip's "Delivery Sub-statuses" page.
"""

from __future__ import annotations

from carriers.base import Reason, Status

_EXC = Status.EXCEPTION

CODES: dict[str, tuple[Status, Reason | None]] = {
    # --- tags ---
    "Pending": (Status.PENDING, None),
    "InfoReceived": (Status.INFO_RECEIVED, None),
    "InTransit": (Status.IN_TRANSIT, None),
    "OutForDelivery": (Status.OUT_FOR_DELIVERY, None),
    "AttemptFail": (Status.FAILED_ATTEMPT, None),
    "Delivered": (Status.DELIVERED, None),
    "AvailableForPickup": (Status.AVAILABLE_FOR_PICKUP, None),
    "Exception": (_EXC, Reason.UNKNOWN),
    # AfterShip gives up after 30 days without news: the same idea as our own timeout.
    "Expired": (Status.EXPIRED, None),
    # --- subtags ---
    "Pending_001": (Status.PENDING, None),
    "Pending_002": (Status.PENDING, None),
    "Pending_003": (Status.PENDING, None),
    "Pending_004": (Status.PENDING, None),
    "Pending_005": (Status.PENDING, None),
    "Pending_006": (Status.PENDING, None),
    "InfoReceived_001": (Status.INFO_RECEIVED, None),
    "InTransit_001": (Status.IN_TRANSIT, None),  # on the way
    "InTransit_002": (Status.IN_TRANSIT, None),  # accepted by the carrier
    "InTransit_003": (Status.IN_TRANSIT, None),  # arrived at a hub
    "InTransit_004": (Status.IN_TRANSIT, None),  # arrived in the destination country
    "InTransit_005": (Status.IN_TRANSIT, None),  # customs clearance completed
    "InTransit_006": (Status.IN_TRANSIT, None),  # handed over to customs
    "InTransit_007": (Status.IN_TRANSIT, None),  # departure scan
    "InTransit_008": (Status.IN_TRANSIT, None),  # problem resolved
    "InTransit_009": (Status.IN_TRANSIT, None),  # forwarded to another address
    "OutForDelivery_001": (Status.OUT_FOR_DELIVERY, None),
    "OutForDelivery_003": (Status.OUT_FOR_DELIVERY, None),  # customer contacted
    "OutForDelivery_004": (Status.OUT_FOR_DELIVERY, None),  # appointment scheduled
    "AttemptFail_001": (Status.FAILED_ATTEMPT, None),
    "AttemptFail_002": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    "AttemptFail_003": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),  # business closed
    "Delivered_001": (Status.DELIVERED, None),
    "Delivered_002": (Status.DELIVERED, None),  # picked up by the customer
    "Delivered_003": (Status.DELIVERED, None),  # signed for by the customer
    "Delivered_004": (Status.DELIVERED, None),  # cash on delivery collected
    "Delivered_005": (Status.DELIVERED, None),  # left with a neighbour
    "AvailableForPickup_001": (Status.AVAILABLE_FOR_PICKUP, None),
    "Exception_001": (_EXC, Reason.UNKNOWN),
    "Exception_002": (_EXC, Reason.ADDRESS_ISSUE),  # customer moved
    "Exception_003": (_EXC, Reason.REFUSED),
    "Exception_004": (_EXC, Reason.CUSTOMS_HOLD),  # delayed in customs clearance
    "Exception_005": (_EXC, Reason.CARRIER_DELAY),  # delayed by external factors
    "Exception_006": (_EXC, Reason.HELD_AT_CARRIER),  # held for payment
    "Exception_007": (_EXC, Reason.ADDRESS_ISSUE),
    "Exception_008": (_EXC, Reason.HELD_AT_CARRIER),  # pickup missed
    "Exception_009": (_EXC, Reason.UNKNOWN),  # rejected by the carrier
    "Exception_010": (Status.RETURNED_TO_SENDER, None),  # returning to sender
    "Exception_011": (Status.RETURNED_TO_SENDER, None),  # returned to sender
    "Exception_012": (_EXC, Reason.DAMAGED),
    "Exception_013": (_EXC, Reason.LOST),
    "Exception_016": (_EXC, Reason.CARRIER_DELAY),  # processing issue
    "Exception_017": (_EXC, Reason.WEATHER_DELAY),
    "Exception_018": (_EXC, Reason.CUSTOMS_HOLD),  # missing documents
    "Exception_019": (_EXC, Reason.CARRIER_DELAY),  # late flight
    "Exception_020": (_EXC, Reason.UNKNOWN),  # shipment cancelled
    "Exception_021": (_EXC, Reason.LOST),  # disposed of: it will not arrive
    "Expired_001": (Status.EXPIRED, None),
}

#: What an undocumented tag becomes (its code is kept on the event).
DEFAULT: tuple[Status, Reason | None] = (Status.IN_TRANSIT, None)
