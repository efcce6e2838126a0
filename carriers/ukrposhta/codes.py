"""Ukrposhta status-tracking ``event`` codes → Doorstep's vocabulary.

Sources (see tests/fixtures/ukrposhta/SOURCE.md): Ukrposhta's Status tracking API
documentation (https://dev.ukrposhta.ua/documentation, the specification PDF's appendix of
event codes), whose examples show 10100 "Acceptance", 20700 "Arrival", 20800 "Shipment",
21500 "Sending to branch office", 21700 "Arrival to the branch office" and 41000
"Delivery" (``eventReason`` "personally", ``eventReason_id`` 2); the remaining codes as the
typed client https://github.com/sashalenz/ukrpost-api (``src/Enums/EventCode.php``) lists
them from that appendix. Where the reading needs a word:

- 10601 is a shipment created online and not yet handed in: ``info_received``. 10100
  is the acceptance at the counter: the parcel is in Ukrposhta's hands, ``in_transit``.
- 10600, 10602 and 10603 (cancelled by the sender, cancelled, deleted) end the barcode's
  life without a delivery: ``exception`` / ``unknown``, as Nova Poshta's "deleted".
- 21700 is the arrival at the post office that hands the parcel over: the customer
  collects it there, ``available_for_pickup`` (the office becomes the pickup point).
  21400 "storage" is the parcel kept at the office past its first days (still
  collectable): ``available_for_pickup`` / ``held_at_carrier``.
- 31100 is a failed delivery; 31200 the parcel going back to the sender; 31300 and 31400
  a forwarding (after a failed delivery for the latter): still travelling.
- 41000 is a delivery, to the addressee, except with ``eventReason_id`` 10, which is the
  delivery back to the sender: that pair is the table's ``41000:10`` row and final,
  ``returned_to_sender``. 48000 is the delivery in the destination country (an
  international item, delivered by the foreign post).
"""

from __future__ import annotations

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_TRANSIT: Outcome = (Status.IN_TRANSIT, None)
_DELIVERED: Outcome = (Status.DELIVERED, None)
_CANCELLED: Outcome = (Status.EXCEPTION, Reason.UNKNOWN)
_RETURNED: Outcome = (Status.RETURNED_TO_SENDER, None)

#: ``event`` (or ``event:eventReason_id`` where the reason changes the reading) → outcome.
CODES: dict[str, Outcome] = {
    "10100": _TRANSIT,  # Acceptance (Прийняття)
    "10600": _CANCELLED,  # Cancelled by the sender
    "10601": (Status.INFO_RECEIVED, None),  # Created (registered online, not yet handed in)
    "10602": _CANCELLED,  # Cancelled
    "10603": _CANCELLED,  # Deleted
    "20700": _TRANSIT,  # Arrival (at a sorting or delivery facility)
    "20800": _TRANSIT,  # Shipment (dispatch from the facility)
    "20900": _TRANSIT,  # Dispatched to a post office
    "21400": (Status.AVAILABLE_FOR_PICKUP, Reason.HELD_AT_CARRIER),  # Storage
    "21500": _TRANSIT,  # Sending to branch office
    "21700": (Status.AVAILABLE_FOR_PICKUP, None),  # Arrival to the branch office
    "31100": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),  # Delivery failed
    "31200": _RETURNED,  # Returning to the sender
    "31300": _TRANSIT,  # Forwarding
    "31400": _TRANSIT,  # Forwarding after a failed delivery
    "41000": _DELIVERED,  # Delivery
    "41000:10": _RETURNED,  # Delivery, reason 10: delivered back to the sender
    "48000": _DELIVERED,  # Delivered in the destination country
}

#: ``eventReason_id`` that turns a 41000 delivery into the return's delivery to the sender.
RETURN_REASON = "10"

#: Codes after which the parcel waits at the post office named by the event.
AT_OFFICE = frozenset({"21400", "21700"})

#: A code the table does not hold and no keyword explains: kept, read as movement.
DEFAULT: Outcome = _TRANSIT

#: (phrases, outcome) in priority order, matched in the lower-cased ``eventName`` of a code
#: the table lacks (Ukrainian by default, English with ``lang=en``).
KEYWORDS: list[tuple[tuple[str, ...], Outcome]] = [
    (("поверн", "return"), _RETURNED),
    (("невдал", "unsuccessful", "failed"), (Status.FAILED_ATTEMPT, None)),
    (("вручено", "delivered"), _DELIVERED),
    (("скасов", "видален", "cancel", "delet"), _CANCELLED),
]  # fmt: skip


def classify(code: str, reason_id: str | None = None, text: str = "") -> Outcome:
    """The outcome of ``code`` (with its ``eventReason_id``); else the first keyword rule
    ``text`` meets; else :data:`DEFAULT`."""
    code = code.strip()
    if reason_id is not None:
        paired = CODES.get(f"{code}:{reason_id.strip()}")
        if paired is not None:
            return paired
    known = CODES.get(code)
    if known is not None:
        return known
    words = " ".join(text.lower().split())
    for phrases, outcome in KEYWORDS:
        if any(phrase in words for phrase in phrases):
            return outcome
    return DEFAULT
