"""FAN Courier tracking event codes (the ``id`` of each ``events[]`` entry) → Doorstep.

FAN Courier's API v2 lists the event codes an AWB can carry (``GET reports/awb-events``);
the table below is that list as public shop integrations carry it, with FAN Courier's
Romanian names kept as comments, since those are what a support agent will recognise.
``C`` codes are collections and hand-overs to the delivering courier, ``H`` codes hub and
depot scans, ``S`` codes the outcomes of a delivery round.

A code the table does not hold keeps its place on the event: an unknown ``S`` code is an
exception of unknown cause (every ``S`` code is an outcome of a delivery round), any
other unknown code is movement. FANbox and pickup-point wording ("depus in FANbox") can
promote an ``S1`` or unknown code to ``available_for_pickup`` (see :func:`classify`).
"""

from __future__ import annotations

from carriers.base import Reason, Status
from carriers.romanian import plain

Outcome = tuple[Status, Reason | None]

_MOVING: Outcome = (Status.IN_TRANSIT, None)
_ABSENT: Outcome = (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)
_ADDRESS: Outcome = (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)
_REFUSED: Outcome = (Status.EXCEPTION, Reason.REFUSED)

CODES: dict[str, Outcome] = {
    "C0": _MOVING,  # Expeditie ridicata (collected from the sender)
    "C1": _MOVING,  # Expeditie preluata spre livrare (handed to the delivering courier)
    "H0": _MOVING,  # Expeditie in tranzit spre depozitul de destinatie
    "H1": _MOVING,  # Expeditie descarcata in depozitul de destinatie
    "H2": _MOVING,  # Expeditie in tranzit
    "H3": _MOVING,  # Expeditie sortata pe banda
    "H4": _MOVING,  # Expeditie sortata pe banda
    "H10": _MOVING,  # Expeditie in tranzit spre depozitul de destinatie
    "H11": _MOVING,  # Expeditie descarcata in depozitul de destinatie
    "H12": _MOVING,  # Expeditie in depozit
    "H13": _MOVING,  # Expeditie in depozit
    "H15": _MOVING,  # Expeditie in depozit
    "H17": _MOVING,  # Expeditie in depozitul de destinatie
    "S1": (Status.OUT_FOR_DELIVERY, None),  # Expeditie in livrare
    "S2": (Status.DELIVERED, None),  # Livrat
    "S3": _ABSENT,  # Avizat (notice left)
    "S4": _ADDRESS,  # Adresa incompleta
    "S5": _ADDRESS,  # Adresa gresita, destinatar mutat
    "S6": _REFUSED,  # Refuz primire
    "S7": _REFUSED,  # Refuz plata transport
    "S8": (Status.AVAILABLE_FOR_PICKUP, None),  # Livrare din sediul FAN Courier
    "S9": _MOVING,  # Redirectionat
    "S10": _ADDRESS,  # Adresa gresita, fara telefon
    "S11": _ABSENT,  # Avizat si trimis SMS
    "S12": _ABSENT,  # Contactat; livrare ulterioara
    "S14": _ADDRESS,  # Restrictii acces la adresa
    "S15": _REFUSED,  # Refuz predare ramburs (would not pay the COD)
    "S16": (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),  # Retur la termen
    "S19": _ADDRESS,  # Adresa incompleta - trimis SMS
    "S20": _ADDRESS,  # Adresa incompleta, fara telefon
    "S21": _ABSENT,  # Avizat, lipsa persoana de contact
    "S22": _ABSENT,  # Avizat, nu are bani de ramburs
    "S24": _ABSENT,  # Avizat, nu are imputernicire/CI
    "S25": _ADDRESS,  # Adresa gresita - trimis SMS
    "S27": _ADDRESS,  # Adresa gresita, nr telefon gresit
    "S28": _ADDRESS,  # Adresa incompleta, nr telefon gresit
    "S30": _ABSENT,  # Nu raspunde la telefon
    "S33": (Status.EXCEPTION, Reason.UNKNOWN),  # Retur solicitat (the sender asked it back)
    "S34": _ABSENT,  # Afisare (notice posted at the address)
    "S35": _MOVING,  # Retrimis in livrare
    "S37": (Status.EXCEPTION, Reason.LOST),  # Despagubit (FAN Courier paid compensation)
    "S38": (Status.INFO_RECEIVED, None),  # AWB neexpediat (label only)
    "S42": _ADDRESS,  # Adresa gresita
    "S43": (Status.RETURNED_TO_SENDER, None),  # Retur
    "S46": (Status.AVAILABLE_FOR_PICKUP, None),  # Predat punct livrare (PUDO point)
    "S47": _MOVING,  # Predat partener extern
    "S49": _ABSENT,  # Activitate suspendata (the business is closed)
    "S50": _REFUSED,  # Refuz confirmare
    "S54": (Status.EXCEPTION, Reason.CARRIER_DELAY),  # Locker plin (FANbox full)
    "S55": (Status.EXCEPTION, Reason.CARRIER_DELAY),  # Dimensiune caseta depasita
    "S64": (Status.EXCEPTION, Reason.CUSTOMS_HOLD),  # Lipsa acte vama
}

#: The codes whose parcel waits at a FAN Courier office rather than a FANbox or shop.
AT_DEPOT = frozenset({"S8"})

#: Wording that, next to "FANbox", says the parcel waits in the locker.
_PICKUP_PHRASES = ("depus in", "disponibil", "asteapta ridicarea", "ready for pickup")


def mentions_fanbox(text: str) -> bool:
    """True when FAN's wording names a FANbox locker."""
    return "fanbox" in plain(text)


def classify(code: str, text: str = "") -> Outcome:
    """The outcome of one event: its code's, refined by FANbox/pickup wording."""
    outcome = CODES.get(code.upper())
    words = plain(text)
    waiting = "fanbox" in words and any(phrase in words for phrase in _PICKUP_PHRASES)
    if waiting and (outcome is None or outcome[0] in (Status.OUT_FOR_DELIVERY, Status.IN_TRANSIT)):
        return Status.AVAILABLE_FOR_PICKUP, None
    if outcome is not None:
        return outcome
    if code.upper().startswith("S"):
        return Status.EXCEPTION, Reason.UNKNOWN
    return _MOVING
