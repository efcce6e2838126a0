"""Sameday expedition status ids (``statusId`` of ``expeditionHistory[]``) → Doorstep.

Sameday's public material does not publish its full status list: the ids below are the
ones its own SDK fixtures (https://github.com/sameday-courier/php-sdk, tests/Responses) and
public integrations quoting real answers show, each with Sameday's wording as a comment.
Every other id is read from its words (:data:`KEYWORDS`): Sameday sends three texts per
status (``status``, ``statusLabel``, ``statusState``), in Romanian, so a new id that says
"returnat la expeditor" or "termenul de ridicare din easybox a expirat" still lands in the
right place, and the id is kept on the event so the table can be completed later.

Which texts may refine a known id: none; the table wins. Unknown ids take the first
keyword rule that matches, else movement (``in_transit``).
"""

from __future__ import annotations

from carriers.base import Reason, Status
from carriers.romanian import Rules, first_match, plain

Outcome = tuple[Status, Reason | None]

_MOVING: Outcome = (Status.IN_TRANSIT, None)

CODES: dict[str, Outcome] = {
    "1": (Status.INFO_RECEIVED, None),  # AWB Emis / Document de transport emis
    "23": (Status.INFO_RECEIVED, None),  # Un curier urmeaza sa ridice coletul de la expeditor
    "4": _MOVING,  # Expeditorul a predat coletul catre Sameday
    "5": _MOVING,  # In traversare granita (international transit)
    "56": _MOVING,  # Iesire din hub / In tranzit spre depozit
    "84": _MOVING,  # Depozit central
    "33": (Status.OUT_FOR_DELIVERY, None),  # Curierul Sameday urmeaza sa efectueze livrarea
    # Colet incarcat in punctul de livrare: in the easybox or at the PUDO point.
    "78": (Status.AVAILABLE_FOR_PICKUP, None),
    "9": (Status.DELIVERED, None),  # Coletul a fost livrat cu succes
}

#: An id the table does not hold and no keyword explains: kept, read as movement.
DEFAULT: Outcome = _MOVING

#: (phrases, outcome) in priority order, matched in the plain (lower-case, no diacritics)
#: text of ``status``, ``statusLabel`` and ``statusState`` of an id the table lacks.
KEYWORDS: Rules[Outcome] = [
    (
        ("termenul de ridicare", "termen de ridicare expirat", "nu a fost ridicat",
         "neridicat", "pickup expired"),
        (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),
    ),
    (
        ("returnat la expeditor", "returnat catre expeditor", "livrat la expeditor",
         "retur livrat", "returned to sender"),
        (Status.RETURNED_TO_SENDER, None),
    ),
    (("refuz", "refused"), (Status.EXCEPTION, Reason.REFUSED)),
    (("redirectionat", "redirectionare", "redirected"), _MOVING),
    (("anulat", "canceled", "cancelled"), (Status.EXCEPTION, Reason.UNKNOWN)),
    (("deteriorat", "avariat", "damaged"), (Status.EXCEPTION, Reason.DAMAGED)),
    (("pierdut", "lost"), (Status.EXCEPTION, Reason.LOST)),
    (("vama", "customs"), (Status.EXCEPTION, Reason.CUSTOMS_HOLD)),
    (
        ("adresa gresita", "adresa incompleta", "adresa incorecta", "wrong address"),
        (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE),
    ),
    (
        ("destinatar absent", "nu raspunde", "nu a raspuns", "destinatarul nu",
         "livrare reprogramata", "recipient absent"),
        (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    ),
    (("in curs de returnare", "retur", "return"), (Status.EXCEPTION, Reason.UNKNOWN)),
    (
        ("depus in easybox", "depozitat in easybox", "in easybox", "punctul de livrare",
         "disponibil pentru ridicare", "ready for pickup"),
        (Status.AVAILABLE_FOR_PICKUP, None),
    ),
    (("nelivrat", "nu a putut fi livrat", "not delivered"),
     (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
    (("ridicat din easybox", "livrat", "delivered"), (Status.DELIVERED, None)),
    (("in livrare", "urmeaza sa efectueze livrarea", "out for delivery"),
     (Status.OUT_FOR_DELIVERY, None)),
    (("inregistrat", "awb emis", "registered"), (Status.INFO_RECEIVED, None)),
]  # fmt: skip


def classify(status_id: str, text: str = "") -> Outcome:
    """The table's outcome for ``status_id``; else the first keyword rule ``text`` meets."""
    return CODES.get(status_id) or first_match(text, KEYWORDS) or DEFAULT


def is_easybox(text: str) -> bool:
    """True when Sameday's wording names an easybox locker rather than a PUDO shop."""
    return "easybox" in plain(text)
