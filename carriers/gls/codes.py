"""GLS Track And Trace V1 codes mapped to Doorstep's vocabulary.

Two kinds of code share one table, told apart by their shape:

- the parcel ``status`` (``PREADVICE``, ``INTRANSIT``, ``DELIVEREDPS`` …): the twelve
  values the ``ParcelDTO.status`` enum documents; it is GLS's own summary of where the
  parcel is and so decides the result's status;
- the event ``code`` (``INTIAL.PREADVICE``, ``DELIVD.PARCELSHOP`` …): ``GROUP.DETAIL``;
  the OpenAPI description documents the ones listed below by example and serves the
  full, growing list at ``/tracking/events/codes``. An event code not in the table is
  read by its group (:data:`GROUPS`), then by its wording (:data:`PHRASES`), then as
  movement, and is kept on the event either way.
"""

from __future__ import annotations

import re

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

CODES: dict[str, Outcome] = {
    # --- parcel status (ParcelDTO.status) ---
    # Planned to be picked up / a driver will pick it up / GLS has the data only: the
    # parcel is still with the shop.
    "PLANNEDPICKUP": (Status.INFO_RECEIVED, None),
    "INPICKUP": (Status.INFO_RECEIVED, None),
    "PREADVICE": (Status.INFO_RECEIVED, None),
    # The collection from the shop failed: still with the shop, a delay on its side.
    "NOTPICKEDUP": (Status.INFO_RECEIVED, None),
    "INTRANSIT": (Status.IN_TRANSIT, None),
    # In a GLS warehouse (a depot on the way, or held after an attempt): GLS has it.
    "INWAREHOUSE": (Status.IN_TRANSIT, None),
    "INDELIVERY": (Status.OUT_FOR_DELIVERY, None),
    # Delivered to a ParcelShop: for the customer it now waits there to be collected.
    "DELIVEREDPS": (Status.AVAILABLE_FOR_PICKUP, None),
    "DELIVERED": (Status.DELIVERED, None),
    "NOTDELIVERED": (Status.FAILED_ATTEMPT, None),
    # The parcel data was deleted; GLS will not carry it.
    "CANCELED": (Status.EXCEPTION, Reason.UNKNOWN),
    # "Parcel history closed": after a delivery as a rule; parse.py keeps a return
    # when the events end in one.
    "FINAL": (Status.DELIVERED, None),
    # --- event codes (EventDTO.code) ---
    "INTIAL.PREADVICE": (Status.INFO_RECEIVED, None),
    "INTIAL.E48_DATA": (Status.INFO_RECEIVED, None),
    "INTIAL.NORMAL": (Status.IN_TRANSIT, None),
    "DELIVD.PARCELSHOP": (Status.AVAILABLE_FOR_PICKUP, None),
    "CANCEL.NORMAL": (Status.EXCEPTION, Reason.UNKNOWN),
    # Redirections asked by the recipient: to a new address, to a ParcelLocker.
    "CHANGD.MONEWADDR": (Status.IN_TRANSIT, None),
    "CHANGD.PARCELBOX": (Status.IN_TRANSIT, None),
}

#: The twelve documented parcel statuses (the keys without a dot).
PARCEL_STATUSES = frozenset(code for code in CODES if "." not in code)

#: Event codes GLS serves but does not document, read by their group (``DELIVD.*``).
GROUPS: dict[str, Outcome] = {
    "INTIAL": (Status.IN_TRANSIT, None),
    "DELIVD": (Status.DELIVERED, None),
    "CANCEL": (Status.EXCEPTION, Reason.UNKNOWN),
    "CHANGD": (Status.IN_TRANSIT, None),
}

#: Unknown code and wording: a scan we cannot place is most likely movement.
DEFAULT: Outcome = (Status.IN_TRANSIT, None)

#: (phrases, outcome) for event codes outside the table and its groups, first match
#: wins; matched against the lower-cased description (GLS answers in English when asked).
PHRASES: tuple[tuple[tuple[str, ...], Outcome], ...] = (
    (
        ("not collected", "not picked up by the consignee", "not picked up from the parcelshop"),
        (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),
    ),
    (
        ("returned to the sender", "return to sender", "back to the sender"),
        (Status.RETURNED_TO_SENDER, None),
    ),
    (("refused", "rejected"), (Status.EXCEPTION, Reason.REFUSED)),
    (("damaged",), (Status.EXCEPTION, Reason.DAMAGED)),
    (
        ("address is incorrect", "incorrect address", "address incomplete", "insufficient address"),
        (Status.EXCEPTION, Reason.ADDRESS_ISSUE),
    ),
    (
        ("consignee was not", "not at home", "recipient was not", "could not be delivered"),
        (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    ),
    (("neighbour", "neighbor"), (Status.DELIVERED, None)),
    (
        ("can be collected", "ready for collection", "ready for pickup", "parcellocker"),
        (Status.AVAILABLE_FOR_PICKUP, None),
    ),
    (
        ("out for delivery", "in delivery", "expected to be delivered during the day"),
        (Status.OUT_FOR_DELIVERY, None),
    ),
    (("has been delivered",), (Status.DELIVERED, None)),
)

_BLANKS = re.compile(r"\s+")


def classify_event(code: str, description: str) -> Outcome:
    """(status, reason) for an event: its code, else its group, else its wording."""
    key = code.strip().upper()
    if key in CODES:
        return CODES[key]
    group = GROUPS.get(key.split(".", 1)[0]) if "." in key else None
    if group is not None:
        return group
    wording = _BLANKS.sub(" ", description.casefold())
    for phrases, outcome in PHRASES:
        if any(phrase in wording for phrase in phrases):
            return outcome
    return DEFAULT


def classify_status(status: str) -> Outcome | None:
    """(status, reason) for a documented parcel status; None for one GLS adds later."""
    key = status.strip().upper()
    return CODES[key] if key in PARCEL_STATUSES else None
