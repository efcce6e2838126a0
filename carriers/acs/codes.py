"""ACS Courier codes → Doorstep's vocabulary.

ACS's "ACS Rest API" manual documents two kinds of code in the ``ACS_Trackingsummary``
answer, and :data:`CODES` holds every one it lists:

- ``shipment_status``: 4 is a successful delivery; the manual ties the other values it
  names (1, 2, 3, 5) to the non-delivery reasons below ("STATUS 1" for refusals and
  inability to pay, 2 for an unknown recipient or a wrong address, 3 for an absent
  recipient, 5 for everything else, including "on its way to the delivering store").
- ``non_delivery_reason_code`` (Greek letters and a digit, ``ΑΣ1``): why the parcel was
  not delivered. It is the finer of the two and wins over ``shipment_status``.

``ΑΔ1`` ("ΕΝΤΟΛΗ ΠΑΡΑΛΑΒΗΣ ΑΠΟ ΓΡΑΦΕΙΟ", an order to collect at the office) means the
parcel waits at the destination ACS store: available for pickup there.

The ``ACS_TrackingDetails`` checkpoints carry no code at all, only a wording
(``checkpoint_action``) in Greek or English as asked; they are read by :data:`KEYWORDS`,
first match wins, anything else being movement. Those phrases come from the manual's
examples ("ΑΝΑΧΩΡΗΣΗ", "ΑΦΙΞΗ ΣΕ ΚΑΤΑΣΤΗΜΑ", "ΚΑΤΑΝΟΜΗ ΣΕ COURIER", "ΠΑΡΑΔΟΣΗ") and public
integrations' English answers ("Departure", "Delivery to consignee"); the rest are the
ordinary Greek and English words for the same things, not a published list.
"""

from __future__ import annotations

import unicodedata

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_MOVING: Outcome = (Status.IN_TRANSIT, None)
_ADDRESS: Outcome = (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)
_REFUSED: Outcome = (Status.EXCEPTION, Reason.REFUSED)

#: ``shipment_status`` values the manual names.
SHIPMENT_STATUS: dict[str, Outcome] = {
    "1": _REFUSED,  # refusal of the charge, inability to pay, shipment not accepted
    "2": _ADDRESS,  # unknown recipient, wrong or incomplete address
    "3": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),  # recipient absent
    "4": (Status.DELIVERED, None),  # "πρόκειται για επιτυχημένη παράδοση αποστολής"
    "5": _MOVING,  # not yet delivered for another reason (see the reason code)
}

#: ``non_delivery_reason_code`` values the manual lists, with its wording.
REASONS: dict[str, Outcome] = {
    "ΑΔ1": (Status.AVAILABLE_FOR_PICKUP, None),  # ΕΝΤΟΛΗ ΠΑΡΑΛΑΒΗΣ ΑΠΟ ΓΡΑΦΕΙΟ
    "ΑΔ3": (Status.EXCEPTION, Reason.CARRIER_DELAY),  # ΑΝΩΤΕΡΑ ΒΙΑ (force majeure)
    "ΑΔ8": _MOVING,  # ΠΑΡΑΔΟΣΗ RECEPTION ΕΝΤ.ΑΠΟΣΤ (to a reception, as the sender ordered)
    "ΑΠ1": _REFUSED,  # ΑΡΝΗΣΗ ΧΡΕΩΣΗΣ (refused to pay the charge)
    "ΑΠ2": (Status.FAILED_ATTEMPT, Reason.UNKNOWN),  # ΑΔΥΝΑΜΙΑ ΠΛΗΡΩΜΗΣ (could not pay)
    "ΑΠ3": _REFUSED,  # ΜΗ ΑΠΟΔΟΧΗ ΑΠΟΣΤΟΛΗΣ (shipment not accepted)
    "ΑΣ1": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),  # ΑΠΩΝ (absent)
    "ΔΔ1": _MOVING,  # on its way to the delivering store
    "ΕΑ1": _MOVING,  # on its way to the delivering store
    "ΕΔ1": (Status.EXCEPTION, Reason.UNKNOWN),  # ΕΛΛΙΠΗ ΔΙΚΑΙΟΛΟΓΗΤΙΚΑ (missing documents)
    "ΛΣ1": _ADDRESS,  # ΑΓΝΩΣΤΟΣ ΠΑΡΑΛΗΠΤΗΣ (unknown recipient)
    "ΛΣ3": _ADDRESS,  # ΛΑΝΘΑΣΜΕΝΗ, ΕΛΛΙΠΗΣ ΔΙΕΥΘΥΝΣΗ (wrong or incomplete address)
    "ΠΑ2": _MOVING,  # ΝΕΑ ΗΜ/ΝΙΑ ΠΑΡΑΔ ΕΝΤΟΛ ΠΑΡ/ΠΤΗ (new date, as the recipient asked)
    "ΠΑ4": _MOVING,  # ΕΝΤΟΛΗ ΠΑΡΑΛΗΠΤΗ ΑΝΑΚΑΤΕΥΘΥΝΣΗ (redirected, as the recipient asked)
}

#: Every documented code, for docs/carriers.md (status values, then reason codes).
CODES: dict[str, Outcome] = {
    **{f"shipment_status {code}": outcome for code, outcome in SHIPMENT_STATUS.items()},
    **REASONS,
}

#: A reason code that means "waits at the destination ACS store".
AT_STORE = frozenset({"ΑΔ1"})

#: (phrases, outcome) in priority order, matched in :func:`plain` checkpoint wording.
KEYWORDS: list[tuple[tuple[str, ...], Outcome]] = [
    (("επιστροφη σε αποστολεα", "επιστροφη στον αποστολεα", "επεστραφη", "returned to sender",
      "return to sender", "returned to shipper"), (Status.RETURNED_TO_SENDER, None)),
    (("αρνηση", "refus"), _REFUSED),
    (("απων", "absent", "not at home"), (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)),
    (("λανθασμενη διευθυνση", "ελλιπης διευθυνση", "αγνωστος παραληπτης", "wrong address",
      "incomplete address", "unknown recipient", "unknown consignee"), _ADDRESS),
    (("απωλεια", "lost"), (Status.EXCEPTION, Reason.LOST)),
    (("ζημια", "κατεστραμμεν", "damage"), (Status.EXCEPTION, Reason.DAMAGED)),
    (("τελωνει", "customs"), (Status.EXCEPTION, Reason.CUSTOMS_HOLD)),
    (("smartpoint", "smart point", "acs point", "locker", "θυριδα"),
     (Status.AVAILABLE_FOR_PICKUP, None)),
    (("παραλαβη απο καταστημα", "παραλαβη απο γραφειο", "προς παραλαβη", "for collection",
      "for pickup", "ready for pick"), (Status.AVAILABLE_FOR_PICKUP, None)),
    (("μη παραδοση", "δεν παραδοθηκε", "απαραδοτ", "not delivered", "non delivery",
      "undelivered"), (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
    (("κατανομη σε courier", "σε διανομη", "προς διανομη", "out for delivery",
      "assigned to courier", "allocated to courier", "on delivery"),
     (Status.OUT_FOR_DELIVERY, None)),
    (("αφιξη", "αναχωρηση", "διαλογη", "μεταφορα", "arrival", "departure", "sorting",
      "in transit", "hub"), _MOVING),
    (("παραδοση", "παραδοθηκε", "παρεδοθη", "delivered", "delivery to consignee",
      "delivery"), (Status.DELIVERED, None)),
    (("παραληφθηκε", "παραλαβη", "picked up", "pickup", "collected"), _MOVING),
    (("καταχωρ", "εκδοση voucher", "registered", "voucher created", "created"),
     (Status.INFO_RECEIVED, None)),
]  # fmt: skip

#: Wording the table above does not explain: kept on the event, read as movement.
DEFAULT: Outcome = _MOVING

#: Wording that names an ACS Smartpoint (locker) rather than a store.
_LOCKER_WORDS = ("smartpoint", "smart point", "locker", "θυριδα")


def plain(text: str) -> str:
    """Case-folded, accents (Greek tonos, dialytika) dropped, blanks collapsed."""
    folded = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(bare.split())


def classify_text(text: str) -> Outcome:
    """A checkpoint's outcome from its wording: the first rule that matches, else movement."""
    words = plain(text)
    for phrases, outcome in KEYWORDS:
        if any(phrase in words for phrase in phrases):
            return outcome
    return DEFAULT


def is_locker(text: str) -> bool:
    """True when ACS's wording names a Smartpoint locker."""
    words = plain(text)
    return any(word in words for word in _LOCKER_WORDS)
