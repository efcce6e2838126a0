"""Cargus (Urgent Cargus) trace events → Doorstep.

Cargus publishes no enumeration of its event ids: its API documentation (V3) shows the
trace events as ``EventId`` + free-text ``Description`` only. The one id public
integrations agree on is ``21``, the delivery confirmation ("Confirmat"/"Livrat"); it is
the table. Every other event is read from its Romanian ``Description`` with
:data:`KEYWORDS` (first matching rule wins), and its id is kept on the event so the table
can grow from real traffic.
"""

from __future__ import annotations

from carriers.base import Reason, Status
from carriers.romanian import Rules, first_match

Outcome = tuple[Status, Reason | None]

CODES: dict[str, Outcome] = {
    "21": (Status.DELIVERED, None),  # Confirmat: delivery confirmed by the recipient
}

#: An id the table does not hold and no keyword explains: kept, read as movement.
DEFAULT: Outcome = (Status.IN_TRANSIT, None)

#: (phrases, outcome) in priority order, matched in the plain text of ``Description``.
KEYWORDS: Rules[Outcome] = [
    (
        ("termen de pastrare", "termenul de pastrare", "termen de ridicare", "neridicat",
         "nu a fost ridicat"),
        (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),
    ),
    (
        ("returnat la expeditor", "returnat catre expeditor", "livrat la expeditor",
         "retur livrat", "predat expeditorului"),
        (Status.RETURNED_TO_SENDER, None),
    ),
    (("refuz",), (Status.EXCEPTION, Reason.REFUSED)),
    (("redirectionat", "redirectionare"), (Status.IN_TRANSIT, None)),
    (("anulat",), (Status.EXCEPTION, Reason.UNKNOWN)),
    (("avariat", "deteriorat"), (Status.EXCEPTION, Reason.DAMAGED)),
    (("pierdut", "lipsa colet"), (Status.EXCEPTION, Reason.LOST)),
    (("vama",), (Status.EXCEPTION, Reason.CUSTOMS_HOLD)),
    (
        ("adresa gresita", "adresa incompleta", "adresa incorecta", "adresa inexistenta"),
        (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE),
    ),
    (
        ("destinatar absent", "destinatarul absent", "nu raspunde", "lipsa destinatar",
         "livrare amanata", "reprogramat"),
        (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    ),
    (("nelivrat",), (Status.FAILED_ATTEMPT, Reason.UNKNOWN)),
    (("retur",), (Status.EXCEPTION, Reason.UNKNOWN)),
    (
        ("ship & go", "ship&go", "ship and go", "pudo", "locker", "punct de ridicare",
         "disponibil pentru ridicare"),
        (Status.AVAILABLE_FOR_PICKUP, None),
    ),
    (("confirmat", "livrat"), (Status.DELIVERED, None)),
    (("in livrare", "in curs de livrare", "predat curierului pentru livrare"),
     (Status.OUT_FOR_DELIVERY, None)),
    (("awb emis", "tiparit", "inregistrat"), (Status.INFO_RECEIVED, None)),
]  # fmt: skip

#: Wording that names a locker rather than a Ship & Go shop.
_LOCKER = ("locker",)


def classify(event_id: str, description: str = "") -> Outcome:
    """The table's outcome for ``event_id``; else the first rule ``description`` meets."""
    return CODES.get(event_id) or first_match(description, KEYWORDS) or DEFAULT


def is_locker(text: str) -> bool:
    """True when Cargus names a locker (else a Ship & Go point is a shop)."""
    return first_match(text, [(_LOCKER, (Status.AVAILABLE_FOR_PICKUP, None))]) is not None
