"""ELTA Courier tracking: status titles (``web_status_title``) and answer flags.

ELTA Courier's tracing service (PELTT01) sends each movement as a Greek title and the
station that made it, with no status code: its documentation (tracing.html, shipped with
the WSDLs) describes the fields, not the titles. :data:`CODES` therefore keys the titles
seen in ELTA Courier's answers (as public integrations that track real vouchers record
them), written as :func:`normalise` leaves them (upper case, accents dropped); any other
title is read by :data:`WORDING`, and the cause of a failure or return by :data:`REASONS`.
"""

from __future__ import annotations

import re
import unicodedata

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_INFO: Outcome = (Status.INFO_RECEIVED, None)
_TRANSIT: Outcome = (Status.IN_TRANSIT, None)
_OUT: Outcome = (Status.OUT_FOR_DELIVERY, None)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)
_DELIVERED: Outcome = (Status.DELIVERED, None)
_RETURNED: Outcome = (Status.RETURNED_TO_SENDER, None)
_FAILED: Outcome = (Status.FAILED_ATTEMPT, None)

CODES: dict[str, Outcome] = {
    "ΔΗΜΙΟΥΡΓΙΑ ΣΥ.ΔΕ.ΤΑ. ΑΠΟ ΠΕΛΑΤΗ": _INFO,  # voucher created by the customer
    "ΔΗΜΙΟΥΡΓΙΑ ΣΥ.ΔΕ.ΤΑ.": _INFO,
    "ΠΑΡΑΛΑΒΗ ΑΠΟ": _TRANSIT,  # picked up from the sender
    "ΑΠΟΣΤΟΛΗ ΒΡΙΣΚΕΤΑΙ ΣΕ ΣΤΑΔΙΟ ΜΕΤΑΦΟΡΑΣ": _TRANSIT,  # being transported
    "ΑΦΙΞΗ ΣΕ": _TRANSIT,  # arrived at a station
    "ΣΕ ΔΙΑΝΟΜΕΑ ΠΡΟΣ ΠΑΡΑΔΟΣΗ": _OUT,  # with the courier for delivery
    "ΑΠΟΣΤΟΛΗ ΠΑΡΑΔΟΘΗΚΕ": _DELIVERED,
    "ΑΠΟΣΤΟΛΗ ΠΑΡΑΔΟΘΗΚΕ ΣΕ": _DELIVERED,
}

#: (phrases, outcome) read from a title :data:`CODES` does not list, first match wins.
WORDING: list[tuple[tuple[str, ...], Outcome]] = [
    (("ΑΔΥΝΑΜΙΑ ΠΑΡΑΔΟΣΗΣ", "ΑΝΕΠΙΤΥΧΗΣ", "ΜΗ ΠΑΡΑΔΟΣΗ", "ΔΕΝ ΠΑΡΑΔΟΘΗΚΕ"), _FAILED),
    (("ΕΠΙΣΤΡΟΦΗ", "ΕΠΙΣΤΡΕΦΕΤΑΙ", "ΕΠΙΣΤΡΑΦΗΚΕ", "ΣΤΟΝ ΑΠΟΣΤΟΛΕΑ", "ΠΡΟΣ ΑΠΟΣΤΟΛΕΑ"),
     _RETURNED),
    (("ΑΡΝΗΣΗ",), (Status.FAILED_ATTEMPT, Reason.REFUSED)),
    (("ΠΡΟΣ ΠΑΡΑΔΟΣΗ", "ΣΕ ΔΙΑΝΟΜΗ", "ΔΙΑΝΟΜΕΑ"), _OUT),
    (("ΠΑΡΑΔΟΘΗΚΕ", "ΠΑΡΑΔΟΣΗ ΣΕ ΠΑΡΑΛΗΠΤΗ"), _DELIVERED),
    (("ΠΡΟΣ ΠΑΡΑΛΑΒΗ", "ΑΝΑΜΟΝΗ ΠΑΡΑΛΑΒΗΣ", "ΠΑΡΑΜΕΝΕΙ", "ΕΙΔΟΠΟΙΗΤΗΡΙΟ", "ΘΥΡΙΔΑ",
      "PUDO"), _PICKUP),
    (("ΑΠΩΛΕΙΑ", "ΧΑΘΗΚΕ"), (Status.EXCEPTION, Reason.LOST)),
    (("ΖΗΜΙΑ", "ΚΑΤΕΣΤΡΑΜΜΕΝ"), (Status.EXCEPTION, Reason.DAMAGED)),
    (("ΤΕΛΩΝΕΙ",), (Status.EXCEPTION, Reason.CUSTOMS_HOLD)),
    (("ΔΗΜΙΟΥΡΓΙΑ",), _INFO),
]  # fmt: skip

#: (phrases, reason) for a failed attempt or a return whose title gives its cause.
REASONS: list[tuple[tuple[str, ...], Reason]] = [
    (("ΑΡΝΗΣΗ",), Reason.REFUSED),
    (("ΜΗ ΠΑΡΑΛΑΒΗ", "ΔΕΝ ΠΑΡΑΛΗΦΘΗΚΕ", "ΛΗΞΗ"), Reason.NOT_COLLECTED),
    (("ΑΠΩΝ", "ΑΠΟΥΣΙΑ", "ΚΛΕΙΣΤΟ"), Reason.RECIPIENT_UNAVAILABLE),
    (("ΔΙΕΥΘΥΝΣ", "ΑΓΝΩΣΤΟΣ"), Reason.ADDRESS_ISSUE),
]

#: A title nothing above explains: a movement between stations.
DEFAULT: Outcome = _TRANSIT

#: ``st_title`` phrases of a refused call: wrong codes or password ("Λάθος Κωδικός").
AUTH_TITLES = ("ΛΑΘΟΣ ΚΩΔΙΚ", "ΛΑΝΘΑΣΜΕΝΟΣ ΚΩΔΙΚ", "ΚΩΔΙΚΟΣ ΑΣΦΑΛΕΙΑΣ", "PASSWORD", "ΧΡΗΣΤΗ")
#: ``st_title`` phrases of a voucher the service does not know.
NOT_FOUND_TITLES = ("ΔΕΝ ΒΡΕΘΗΚΕ", "ΔΕΝ ΥΠΑΡΧΕΙ", "ΑΝΥΠΑΡΚΤ", "NOT FOUND", "ΛΑΘΟΣ ΑΡΙΘΜΟΣ")

_BLANKS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Upper case, Greek accents and diaereses dropped, blanks collapsed."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _BLANKS.sub(" ", bare.upper()).strip()


def _reason(title: str) -> Reason | None:
    for phrases, reason in REASONS:
        if any(phrase in title for phrase in phrases):
            return reason
    return None


def classify(title: str) -> Outcome:
    """The outcome of a status title: :data:`CODES`, else :data:`WORDING`, else in transit.

    A failure or return takes the cause its title gives, when :data:`REASONS` knows it.
    """
    key = normalise(title)
    outcome = CODES.get(key)
    if outcome is None:
        outcome = next(
            (found for phrases, found in WORDING if any(p in key for p in phrases)), DEFAULT
        )
    status, reason = outcome
    if reason is None and status in (Status.FAILED_ATTEMPT, Status.RETURNED_TO_SENDER):
        reason = _reason(key)
    return status, reason


def refused(title: str) -> bool:
    """True when an ``st_title`` says the credentials were refused."""
    key = normalise(title)
    return any(phrase in key for phrase in AUTH_TITLES)


def unknown_voucher(title: str) -> bool:
    """True when an ``st_title`` says the service knows no such voucher."""
    key = normalise(title)
    return any(phrase in key for phrase in NOT_FOUND_TITLES)
