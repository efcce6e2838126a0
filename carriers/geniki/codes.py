"""Geniki Taxydromiki tracking: checkpoint codes (``StatusCode``), wording and result codes.

The service's documentation (JobServicesApiV2.pdf) describes ``TrackAndTrace`` and its
``Checkpoint`` (``Status``, ``StatusCode``, ``StatusDate``, ``Shop``) and lists the
``Result`` codes, but Geniki publishes no table of checkpoint codes. :data:`CODES` therefore
keys the ``C_*`` codes a public integration of JobServicesV2 reads (unconfirmed: one
third-party source, see tests/fixtures/geniki/SOURCE.md); a code it does not list is read
by its ``Status`` text (:data:`WORDING`, Greek and English, as the ``language`` asked for
words it), and failing that is a movement in the network. Waiting at a shop or in a locker
(Geniki's "παραλαβή από κατάστημα" and locker services) is only told by its wording.
"""

from __future__ import annotations

import re
import unicodedata

from carriers.base import PickupKind, Reason, Status

Outcome = tuple[Status, Reason | None]

_INFO: Outcome = (Status.INFO_RECEIVED, None)
_TRANSIT: Outcome = (Status.IN_TRANSIT, None)
_OUT: Outcome = (Status.OUT_FOR_DELIVERY, None)
_FAILED: Outcome = (Status.FAILED_ATTEMPT, None)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)
_DELIVERED: Outcome = (Status.DELIVERED, None)
_RETURNED: Outcome = (Status.RETURNED_TO_SENDER, None)

CODES: dict[str, Outcome] = {
    "C_NW": _INFO,  # voucher created
    "C_SC": _INFO,
    "C_KK": _INFO,
    "C_A3": _OUT,  # with the courier for delivery
    "C_S0": _OUT,
    "C_W2": _DELIVERED,
    "C_W3": _DELIVERED,
    "C_S2": _DELIVERED,
    "C_EA_EP": _RETURNED,  # undelivered, returning to the sender
    "C_E1": _RETURNED,
    "C_S3": _RETURNED,
    "C_D2": (Status.EXCEPTION, Reason.HELD_AT_CARRIER),  # on hold
    "C_S4": (Status.EXCEPTION, Reason.HELD_AT_CARRIER),
    "C_S9": (Status.EXCEPTION, Reason.HELD_AT_CARRIER),
    "C_P4": (Status.EXCEPTION, Reason.UNKNOWN),  # voucher cancelled
    "C_S5": (Status.EXCEPTION, Reason.UNKNOWN),
    "C_S8": (Status.EXCEPTION, Reason.UNKNOWN),
}

#: Codes of failed delivery attempts: ``C_EA_`` and the cause (``C_EA_EP`` is a return).
ATTEMPT_PREFIX = "C_EA_"

#: (phrases, outcome) read from a ``Status`` text, first match wins; Greek as
#: :func:`normalise` leaves it (upper case, accents dropped) and English.
WORDING: list[tuple[tuple[str, ...], Outcome]] = [
    (("ΕΠΙΣΤΡΟΦΗ ΣΤΟΝ ΑΠΟΣΤΟΛΕΑ", "ΕΠΙΣΤΡΑΦΗΚΕ", "ΕΠΙΣΤΡΕΦΕΤΑΙ", "ΠΡΟΣ ΕΠΙΣΤΡΟΦΗ",
      "RETURN TO SENDER", "RETURNED", "IN RETURN", "RETURNING"), _RETURNED),
    (("ΑΔΥΝΑΜΙΑ ΠΑΡΑΔΟΣΗΣ", "ΑΝΕΠΙΤΥΧΗΣ", "ΜΗ ΠΑΡΑΔΟΣΗ", "ΔΕΝ ΠΑΡΑΔΟΘΗΚΕ", "ΑΡΝΗΣΗ",
      "UNSUCCESSFUL", "NOT DELIVERED", "FAILED", "REFUSED"), _FAILED),
    (("ΘΥΡΙΔΑ", "LOCKER", "ΠΡΟΣ ΠΑΡΑΛΑΒΗ", "ΠΑΡΑΛΑΒΗ ΑΠΟ ΚΑΤΑΣΤΗΜΑ", "ΑΝΑΜΟΝΗ ΠΑΡΑΛΑΒΗΣ",
      "READY FOR PICK", "AVAILABLE FOR PICK", "FOR COLLECTION", "AWAITING COLLECTION"),
     _PICKUP),
    (("ΣΕ ΔΙΑΝΟΜΗ", "ΠΡΟΣ ΠΑΡΑΔΟΣΗ", "ΔΙΑΝΟΜΕΑ", "OUT FOR DELIVERY", "ON DELIVERY"), _OUT),
    (("ΠΑΡΑΔΟΘΗΚΕ", "ΕΠΙΔΟΘΗΚΕ", "ΠΑΡΑΔΟΣΗ ΣΕ ΠΑΡΑΛΗΠΤΗ", "DELIVERED"), _DELIVERED),
    (("ΑΠΩΛΕΙΑ", "LOST"), (Status.EXCEPTION, Reason.LOST)),
    (("ΖΗΜΙΑ", "DAMAGED"), (Status.EXCEPTION, Reason.DAMAGED)),
    (("ΔΗΜΙΟΥΡΓΙΑ", "ΚΑΤΑΧΩΡΗΣΗ", "CREATED", "REGISTERED"), _INFO),
]  # fmt: skip

#: (phrases, reason) for a failed attempt or a return whose text gives its cause.
REASONS: list[tuple[tuple[str, ...], Reason]] = [
    (("ΑΡΝΗΣΗ", "REFUSED"), Reason.REFUSED),
    (("ΜΗ ΠΑΡΑΛΑΒΗ", "ΔΕΝ ΠΑΡΑΛΗΦΘΗΚΕ", "NOT COLLECTED", "UNCLAIMED"), Reason.NOT_COLLECTED),
    (("ΑΠΩΝ", "ΑΠΟΥΣΙΑ", "ΚΛΕΙΣΤΟ", "ABSENT", "NOT AT HOME", "CLOSED"),
     Reason.RECIPIENT_UNAVAILABLE),
    (("ΔΙΕΥΘΥΝΣ", "ΑΓΝΩΣΤΟΣ", "ADDRESS"), Reason.ADDRESS_ISSUE),
]  # fmt: skip

#: A ``Status`` text that says the parcel waits in a locker rather than at a shop.
LOCKER_WORDS = ("ΘΥΡΙΔΑ", "LOCKER")

#: A checkpoint nothing above explains: a movement between Geniki's shops and hubs.
DEFAULT: Outcome = _TRANSIT

# --- ``Result`` of a call (JobServicesApiV2.pdf) ---

OK = 0
#: Wrong user name, password or application key (``Authenticate``), or a refused key.
AUTH_FAILED = 1
#: "No data": nothing for this voucher.
NO_DATA = 3
#: The voucher does not exist.
NOT_FOUND = 9
#: The voucher is another customer's: the account may not see it.
NOT_AUTHORISED = 10
#: The key from ``Authenticate`` has expired: authenticate again.
KEY_EXPIRED = 11
#: The service is busy / at its request limit (as a public integration lists them).
BUSY = 14
LIMIT = 15

#: Results that mean "authenticate again, once".
KEY_REFUSED = frozenset({AUTH_FAILED, KEY_EXPIRED})
#: Results that mean "this account knows no such voucher".
UNKNOWN_VOUCHER = frozenset({NO_DATA, NOT_FOUND, NOT_AUTHORISED})
#: Results that mean "slow down".
SLOW_DOWN = frozenset({BUSY, LIMIT})

_BLANKS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Upper case, Greek accents and diaereses dropped, blanks collapsed."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _BLANKS.sub(" ", bare.upper()).strip()


def _reason(text: str) -> Reason | None:
    for phrases, reason in REASONS:
        if any(phrase in text for phrase in phrases):
            return reason
    return None


def classify(code: str | None, text: str | None) -> Outcome:
    """The outcome of one checkpoint: :data:`CODES`, an attempt code, else its wording.

    A failure or a return takes the cause its text gives, when :data:`REASONS` knows it.
    """
    key = (code or "").strip().upper()
    words = normalise(text or "")
    outcome = CODES.get(key)
    if outcome is None and key.startswith(ATTEMPT_PREFIX):
        outcome = _FAILED
    if outcome is None:
        outcome = next(
            (found for phrases, found in WORDING if any(p in words for p in phrases)), DEFAULT
        )
    status, reason = outcome
    if reason is None and status in (Status.FAILED_ATTEMPT, Status.RETURNED_TO_SENDER):
        reason = _reason(words)
    return status, reason


def pickup_kind(text: str | None) -> PickupKind:
    """A locker when the checkpoint's wording says so, else one of Geniki's shops."""
    words = normalise(text or "")
    return PickupKind.LOCKER if any(w in words for w in LOCKER_WORDS) else PickupKind.SHOP
