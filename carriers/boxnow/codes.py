"""BOX NOW parcel states and event types → Doorstep's vocabulary.

BOX NOW's Partner API (OpenAPI 1.65) names two enumerations, and :data:`CODES` holds every
value of both:

- ``ParcelState`` (a parcel's ``state``, a webhook's ``parcelState``): new, in-transit,
  expired-return, returned, in-final-destination, delivered, lost, canceled, missing.
- ``EventType`` (``events[].type``, a webhook's ``event``), documented as: ``new`` registered;
  ``delivered``; ``expired`` "expired and will be returned to the sender"; ``returned`` to
  the sender; ``in-depot`` "in one of our warehouses"; ``final-destination`` "reached its
  final destination, waiting for pickup"; ``canceled`` by the sender;
  ``accepted-for-return`` "accepted from customer and will be returned to the sender";
  ``missing`` "pickup courier was unable to obtain the parcel"; ``accepted-to-locker``
  "accepted from customer and will be sent to the recipient"; ``lost``.

Where the wording decides: ``expired`` (and the ``expired-return`` state) is the pickup
deadline passing at the locker: an exception, not collected, until ``returned`` follows.
A customer return (``accepted-for-return``) is on its way back to the shop, which for the
shop is movement. ``missing`` is the pickup from the shop failing: an exception.
"""

from __future__ import annotations

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_NOT_COLLECTED: Outcome = (Status.EXCEPTION, Reason.NOT_COLLECTED)

#: ``ParcelState`` values.
STATES: dict[str, Outcome] = {
    "new": (Status.INFO_RECEIVED, None),
    "in-transit": (Status.IN_TRANSIT, None),
    "expired-return": _NOT_COLLECTED,
    "returned": (Status.RETURNED_TO_SENDER, None),
    "in-final-destination": (Status.AVAILABLE_FOR_PICKUP, None),
    "delivered": (Status.DELIVERED, None),
    "lost": (Status.EXCEPTION, Reason.LOST),
    "canceled": (Status.EXCEPTION, Reason.UNKNOWN),
    "missing": (Status.EXCEPTION, Reason.UNKNOWN),
}

#: ``EventType`` values.
EVENTS: dict[str, Outcome] = {
    "new": (Status.INFO_RECEIVED, None),
    "delivered": (Status.DELIVERED, None),
    "expired": _NOT_COLLECTED,
    "returned": (Status.RETURNED_TO_SENDER, None),
    "in-depot": (Status.IN_TRANSIT, None),
    "final-destination": (Status.AVAILABLE_FOR_PICKUP, None),
    "canceled": (Status.EXCEPTION, Reason.UNKNOWN),
    "accepted-for-return": (Status.IN_TRANSIT, None),
    "missing": (Status.EXCEPTION, Reason.UNKNOWN),
    "accepted-to-locker": (Status.IN_TRANSIT, None),
    "lost": (Status.EXCEPTION, Reason.LOST),
}

#: Every documented value, for docs/carriers.md (states, then event types).
CODES: dict[str, Outcome] = {
    **{f"state {name}": outcome for name, outcome in STATES.items()},
    **{f"event {name}": outcome for name, outcome in EVENTS.items()},
}

#: A value BOX NOW adds later: kept on the event, read as movement.
DEFAULT: Outcome = (Status.IN_TRANSIT, None)

#: States and events after which the parcel waits in (or is bound for) its locker.
AT_LOCKER = frozenset({"in-final-destination", "final-destination"})


def state(name: str) -> Outcome:
    """(status, reason) of a ``ParcelState``; an unknown one reads as movement."""
    return STATES.get(name.strip().lower(), DEFAULT)


def event(name: str) -> Outcome:
    """(status, reason) of an ``EventType``; an unknown one reads as movement."""
    return EVENTS.get(name.strip().lower(), DEFAULT)
