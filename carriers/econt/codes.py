"""Econt Express tracking event types (``destinationType``) and short statuses → Doorstep.

Econt's JSON API documentation, https://ee.econt.com/services/Shipments/ (the
``ShipmentStatus`` and ``ShipmentTrackingEvent`` classes), lists the possible values of a
tracking event's ``destinationType`` and of a shipment's ``shortDeliveryStatusEn`` (and its
Bulgarian twin ``shortDeliveryStatus``); every documented value is in the tables below.

``office`` and ``in_delivery_office`` are movement here; the parser makes them
``available_for_pickup`` when the office is the one the receiver collects from. A type the
table lacks falls back by its words (``return`` → exception, ``deliver`` → delivered…),
else movement; the type is kept on the event so the table can be completed later.
"""

from __future__ import annotations

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_MOVING: Outcome = (Status.IN_TRANSIT, None)
_RETURNING: Outcome = (Status.EXCEPTION, Reason.UNKNOWN)

CODES: dict[str, Outcome] = {
    "in_pickup_courier": _MOVING,  # with the courier who collects it from the sender
    "in_pickup_office": _MOVING,  # accepted at the sender's office
    "courier": _MOVING,  # with a courier
    "courier_direction": _MOVING,  # travelling on a line between offices
    "arrival_departure_from_hub": _MOVING,  # through a logistics hub
    "office": _MOVING,  # at an office (the receiver's office: available for pickup)
    "in_delivery_office": _MOVING,  # at the office that delivers it
    "redirect": _MOVING,  # sent on to a new address or office
    "instruction": _MOVING,  # the sender's instruction carried out
    "in_delivery_courier": (Status.OUT_FOR_DELIVERY, None),  # with the delivering courier
    # A delivery try (Econt's tracking page words it "first/second delivery attempt"):
    # the courier has it out for delivery; a delivery that succeeds follows as ``client``.
    "first_try": (Status.OUT_FOR_DELIVERY, None),
    "second_try": (Status.OUT_FOR_DELIVERY, None),
    "failed_delivery": (Status.FAILED_ATTEMPT, Reason.UNKNOWN),
    "client": (Status.DELIVERED, None),  # handed to the receiver
    "return": _RETURNING,  # sent back
    "is_returning_to_sender": _RETURNING,
    "returned_to_sender": (Status.RETURNED_TO_SENDER, None),
    "destroy": (Status.EXCEPTION, Reason.DAMAGED),  # destroyed (on instruction or damaged)
}

#: Event types at an office: the receiver's own office means "waiting for you".
AT_OFFICE = frozenset({"office", "in_delivery_office"})

#: ``shortDeliveryStatusEn`` (and the Bulgarian ``shortDeliveryStatus``) → outcome; a
#: shipment's current status in one phrase, as documented.
SHORT_STATUSES: dict[str, Outcome] = {
    "prepared in eecont": (Status.INFO_RECEIVED, None),
    "подготвена в eecont": (Status.INFO_RECEIVED, None),
    "accepted in econt": _MOVING,
    "приета в еконт": _MOVING,
    "in route": _MOVING,
    "пътува по линия": _MOVING,
    "in courier": _MOVING,
    "в куриер": _MOVING,
    "in pick up courier": _MOVING,
    "в офис на приемащ куриер": _MOVING,
    "accepted in office": _MOVING,
    "приета в офис": _MOVING,
    "in delivery courier's office": _MOVING,
    "в офис на предаващ куриер": _MOVING,
    "arrived in office": _MOVING,
    "пристигнала в офис": _MOVING,
    "arrival departure from hub": _MOVING,
    "постъпила за обработка в логистичен център": _MOVING,
    "delivered": (Status.DELIVERED, None),
    "доставена": (Status.DELIVERED, None),
    "cancelled after sending": (Status.EXCEPTION, Reason.UNKNOWN),
    "анулирана след изпращане": (Status.EXCEPTION, Reason.UNKNOWN),
    "cancelled before sending": (Status.EXCEPTION, Reason.UNKNOWN),
    "анулирана преди изпращане": (Status.EXCEPTION, Reason.UNKNOWN),
    "is returning to sender": _RETURNING,
    "връща се към подател": _RETURNING,
    "returned to sender": (Status.RETURNED_TO_SENDER, None),
    "върната и доставена към подател": (Status.RETURNED_TO_SENDER, None),
}

#: Short statuses that say the parcel has reached an office (for office delivery: waiting).
ARRIVED_IN_OFFICE = frozenset({"arrived in office", "пристигнала в офис"})

#: A type the table does not hold and no keyword explains: kept, read as movement.
DEFAULT: Outcome = _MOVING

_KEYWORDS: list[tuple[tuple[str, ...], Outcome]] = [
    (("returned",), (Status.RETURNED_TO_SENDER, None)),
    (("return",), _RETURNING),
    (("fail",), (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
    (("destroy", "damage"), (Status.EXCEPTION, Reason.DAMAGED)),
    (("deliver_courier", "delivery_courier"), (Status.OUT_FOR_DELIVERY, None)),
]


def classify(destination_type: str) -> Outcome:
    """The table's outcome for an event type; else the first keyword it contains."""
    if destination_type in CODES:
        return CODES[destination_type]
    words = destination_type.lower()
    for phrases, outcome in _KEYWORDS:
        if any(phrase in words for phrase in phrases):
            return outcome
    return DEFAULT


def short_status(text: str | None) -> Outcome | None:
    """The documented short status ``text`` as an outcome; None when it is not one."""
    return SHORT_STATUSES.get(" ".join((text or "").lower().split()))


def is_locker(text: str) -> bool:
    """True when Econt's wording names an Econtomat (APS) locker rather than an office."""
    words = f" {text.lower()} "
    return any(word in words for word in ("еконтомат", "econtomat", " апс", " aps", "автомат"))
