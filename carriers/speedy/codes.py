"""Track-and-trace operation codes (``operationCode``) and exception codes → Doorstep, for
Speedy and DPD Romania, which run the same platform.

Both tables are Speedy's own appendices to its REST API documentation,
https://api.speedy.bg/web-api.html: "Appendix 1 - Track And Trace Operation Codes" (every
code below, with Speedy's English wording as a comment) and "Appendix 2 - Track And Trace
Operation Exception Codes", which qualify an operation (``exceptionCodes``) and give the
reason of a failed attempt or an exception.

DPD Romania's documentation, https://api.dpd.ro/web-api.html, is the same document with
the same appendices (its ``language`` is ``RO`` or ``EN`` instead of ``BG`` or ``EN``).

An operation code the table lacks is read from its words (:data:`KEYWORDS`, Bulgarian,
Romanian and English, since the platform answers in the carrier's language or English),
else taken as movement; the code is kept on the event so the table can be completed later.
"""

from __future__ import annotations

from collections.abc import Iterable

from carriers.base import Reason, Status
from carriers.romanian import plain

Outcome = tuple[Status, Reason | None]

_MOVING: Outcome = (Status.IN_TRANSIT, None)
_WAITING: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)

CODES: dict[str, Outcome] = {
    "148": (Status.INFO_RECEIVED, None),  # Shipment data received
    "39": _MOVING,  # Courier Pick-up
    "1": _MOVING,  # Arrival Scan
    "2": _MOVING,  # Departure Scan
    "11": _MOVING,  # Received in Office
    "21": _MOVING,  # Processed in Office
    "38": _MOVING,  # Returned to Office
    "115": _MOVING,  # Redirected
    "116": _MOVING,  # Forwarded
    "175": _MOVING,  # Predict (the delivery window is announced)
    "176": _MOVING,  # Export to foreign provider
    "217": _MOVING,  # Handover to midway carrier
    "144": _MOVING,  # Handover for contents check/test
    "12": (Status.OUT_FOR_DELIVERY, None),  # Out for Delivery
    "134": _WAITING,  # Prepared for Self-collecting Consignee
    "1134": _WAITING,  # Office/Locker ready for pickup message sent
    "-14": (Status.DELIVERED, None),  # Delivered
    "44": (Status.FAILED_ATTEMPT, Reason.UNKNOWN),  # Unsuccessful Delivery
    "69": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),  # Deferred delivery
    "169": (Status.EXCEPTION, Reason.CARRIER_DELAY),  # Delivery capacity reached (tour/office)
    "181": (Status.EXCEPTION, Reason.CARRIER_DELAY),  # Unexpected delay
    # Postponed delivery due to inaccurate/incomplete address
    "190": (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE),
    "164": (Status.EXCEPTION, Reason.UNKNOWN),  # Unsuccessful shipment pickup
    "123": (Status.EXCEPTION, Reason.REFUSED),  # Refused by recipient
    "195": (Status.EXCEPTION, Reason.REFUSED),  # Refuse contents check/test
    "121": (Status.EXCEPTION, Reason.HELD_AT_CARRIER),  # Stopped by Sender
    "111": (Status.EXCEPTION, Reason.UNKNOWN),  # Return to Sender (on its way back)
    "124": (Status.RETURNED_TO_SENDER, None),  # Delivered Back to Sender
    "112": (Status.EXCEPTION, Reason.DAMAGED),  # Processed to the Insurance dept.
    "114": (Status.EXCEPTION, Reason.DAMAGED),  # Processed for Destruction
    "125": (Status.EXCEPTION, Reason.DAMAGED),  # Destroyed
    "127": (Status.EXCEPTION, Reason.LOST),  # Theft/Burglary
    "128": (Status.EXCEPTION, Reason.UNKNOWN),  # Canceled
    "129": (Status.EXCEPTION, Reason.UNKNOWN),  # Administrative Closure
}

#: Appendix 2: an exception code that says *why* (the operation says what happened).
EXCEPTION_REASONS: dict[str, Reason] = {
    "11": Reason.ADDRESS_ISSUE,  # Wrong address
    "1002": Reason.ADDRESS_ISSUE,  # Incomplete address
    "12": Reason.REFUSED,  # Refused by recipient - damaged
    "14": Reason.REFUSED,  # Refused by recipient - not ordered
    "15": Reason.REFUSED,  # Refused by recipient
    "16": Reason.REFUSED,  # Refused by recipient - contents checked, found to be damaged
    "1006": Reason.REFUSED,  # Refused after content's check/test
    "67": Reason.REFUSED,  # Signature refused
    "46": Reason.REFUSED,  # Amount not paid
    "19": Reason.RECIPIENT_UNAVAILABLE,  # Recipient not present - informed first time
    "42": Reason.RECIPIENT_UNAVAILABLE,  # Recipient not present, informed 2nd time
    "37": Reason.RECIPIENT_UNAVAILABLE,  # Recipient not present - third time
    "35": Reason.RECIPIENT_UNAVAILABLE,  # Recipient not present, informed, on holiday
    "1003": Reason.RECIPIENT_UNAVAILABLE,  # Does not answer the phone
    "1020": Reason.RECIPIENT_UNAVAILABLE,  # Consignee not reachable - routed to office
    "25": Reason.RECIPIENT_UNAVAILABLE,  # Closed (e.g. department store)
    "80": Reason.RECIPIENT_UNAVAILABLE,  # Appointment scheduled
    "1007": Reason.RECIPIENT_UNAVAILABLE,  # New date scheduled
    "66": Reason.RECIPIENT_UNAVAILABLE,  # ID check failed
    "22": Reason.DAMAGED,  # Broken in sub-contractor's custody
    "29": Reason.DAMAGED,  # Shipment incomplete
    "1004": Reason.NOT_COLLECTED,  # In office - not claimed
    "27": Reason.CARRIER_DELAY,  # Lack of space
    "32": Reason.CARRIER_DELAY,  # Lack of time
    "61": Reason.CARRIER_DELAY,  # Delay due to unknown reason
    "1008": Reason.CARRIER_DELAY,  # Without delivery attempt
    "9020": Reason.CARRIER_DELAY,  # Not in warehouse
    "81": Reason.CARRIER_DELAY,  # Regional holiday
    "84": Reason.CARRIER_DELAY,  # Delivery note / order reference missing
    "9014": Reason.CARRIER_DELAY,  # Closed national roads
    "9015": Reason.CARRIER_DELAY,  # Delay at border crossing
    "9017": Reason.CARRIER_DELAY,  # Traffic accident
    "41": Reason.WEATHER_DELAY,  # Force majeure
    "9016": Reason.WEATHER_DELAY,  # Severe weather conditions
}

#: Exception codes that carry no reason of their own (Appendix 2, listed so that every
#: documented code is accounted for): a return after a wrong delivery, a self-collecting
#: recipient, a customer's return, a redirection, a sender's drop-off or absence.
NEUTRAL_EXCEPTIONS = frozenset({"17", "20", "49", "1005", "1018", "1019"})

#: An operation code the table does not hold and no keyword explains: kept, read as movement.
DEFAULT: Outcome = _MOVING

#: (phrases, outcome) in priority order, matched in the lower-cased ``description`` and
#: ``comment`` of an operation code the table lacks, Romanian diacritics folded
#: (:func:`carriers.romanian.plain`): Bulgarian, then Romanian, then English.
KEYWORDS: list[tuple[tuple[str, ...], Outcome]] = [
    (("върната на подателя", "доставена обратно", "returnat la expeditor",
      "livrat inapoi la expeditor", "delivered back to sender"),
     (Status.RETURNED_TO_SENDER, None)),
    (("отказ", "refuz", "refused"), (Status.EXCEPTION, Reason.REFUSED)),
    (("неуспешна доставка", "livrare nereusita", "nelivrat", "unsuccessful delivery"),
     (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
    (("готова за получаване", "автомат", "gata de ridicare", "disponibil pentru ridicare",
      "ready for pickup", "self-collecting"), _WAITING),
    (("доставена", "livrat", "delivered"), (Status.DELIVERED, None)),
    (("за доставка", "in livrare", "out for delivery"), (Status.OUT_FOR_DELIVERY, None)),
    (("анулирана", "anulat", "canceled", "cancelled"), (Status.EXCEPTION, Reason.UNKNOWN)),
    (("повредена", "deteriorat", "damaged"), (Status.EXCEPTION, Reason.DAMAGED)),
    (("забавяне", "intarziere", "delay"), (Status.EXCEPTION, Reason.CARRIER_DELAY)),
]  # fmt: skip


def classify(code: str, exception_codes: Iterable[str] = (), text: str = "") -> Outcome:
    """The outcome of an operation: the table (else its words), refined by its exceptions.

    A failed attempt or an exception whose own reason is vague (``unknown``) takes the
    first exception code that names one: "44 Unsuccessful Delivery" with "1002 Incomplete
    address" is a failed attempt for an address issue.
    """
    status, reason = CODES.get(code) or _by_words(text) or DEFAULT
    if status in (Status.FAILED_ATTEMPT, Status.EXCEPTION) and reason in (None, Reason.UNKNOWN):
        for exception in exception_codes:
            if exception in EXCEPTION_REASONS:
                return status, EXCEPTION_REASONS[exception]
    return status, reason


def _by_words(text: str) -> Outcome | None:
    words = plain(text)
    for phrases, outcome in KEYWORDS:
        if any(phrase in words for phrase in phrases):
            return outcome
    return None


#: Words naming an automated locker: Speedy's APT ("автомат"), DPD Romania's DPDBox.
_LOCKER_WORDS = ("автомат", "locker", " apt ", " aps ", "апс", "апт", "dpdbox", "dpd box")


def is_locker(text: str) -> bool:
    """True when the wording names a locker (an APT, "автомат", a DPDBox, "locker")."""
    words = f" {plain(text)} "
    return any(word in words for word in _LOCKER_WORDS)
