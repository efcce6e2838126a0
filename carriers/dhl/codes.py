"""DHL Shipment Tracking (Unified) status codes, refined by the event text.

DHL's ``statusCode`` is coarse (pre-transit, transit, delivered, failure, unknown), so
out for delivery, failed attempts, pickup points, returns and the reasons behind a
failure can only be read from the wording. :data:`KEYWORDS` is that reading: an
ordered list of phrases, in English and in German (DHL Germany writes in German even
when asked for English), matched as substrings of the event's ``status`` and
``description`` after lower-casing, turning hyphens into spaces and collapsing blanks.

Which coarse codes the text may refine:
- ``transit``, ``failure``, ``unknown`` and unknown codes: every rule, first match wins
  (a failure with no match stays ``exception/unknown``);
- ``delivered``: only a return (``delivered back to the sender``), because DHL's
  "delivered" is otherwise final: "picked up from the Packstation" is a delivery;
- ``pre-transit``: never ("return shipment announced" is a label, not a return).

Pickup phrases are skipped when the text says the *sender* handed the parcel in at
a Packstation, parcel shop or branch ("vom Absender in der Packstation eingeliefert").
"""

from __future__ import annotations

import re

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

STATUS_CODES: dict[str, Outcome] = {
    "pre-transit": (Status.INFO_RECEIVED, None),
    "transit": (Status.IN_TRANSIT, None),
    "delivered": (Status.DELIVERED, None),
    "failure": (Status.EXCEPTION, Reason.UNKNOWN),
    # DHL's own "we cannot say": the safe default, the text may still refine it.
    "unknown": (Status.IN_TRANSIT, None),
}

#: A code DHL adds later: kept on the event, read as movement.
DEFAULT: Outcome = (Status.IN_TRANSIT, None)

_RETURN: Outcome = (Status.RETURNED_TO_SENDER, None)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)

#: (phrases, outcome), in priority order: the first rule with a matching phrase wins.
KEYWORDS: list[tuple[tuple[str, ...], Outcome]] = [
    (
        (
            "returned to sender", "return to sender", "returned to the sender",
            "returning to sender", "returned to shipper", "return to shipper",
            "being returned", "back to the sender", "back to sender", "back to the shipper",
            "an den absender zurück", "zurück an den absender",
            "rücksendung an den absender", "rücksendung zum absender",
        ),
        _RETURN,
    ),
    (
        (
            "refused", "rejected by the recipient", "rejected by recipient",
            "annahme verweigert", "annahme der sendung wurde verweigert", "verweigert",
        ),
        (Status.EXCEPTION, Reason.REFUSED),
    ),
    (
        ("damaged", "damage to the shipment", "beschädigt", "beschaedigt"),
        (Status.EXCEPTION, Reason.DAMAGED),
    ),
    (
        (
            "incorrect address", "address incorrect", "incomplete address", "address incomplete",
            "insufficient address", "wrong address", "address unknown", "addressee unknown",
            "address could not be found", "recipient unknown", "adressfehler",
            "anschrift unvollständig", "anschrift ist unvollständig", "unvollständige anschrift",
            "adresse unvollständig", "fehlerhafte anschrift", "fehlerhafte adresse",
            "empfänger unbekannt", "empfänger ist unbekannt", "nicht zu ermitteln",
        ),
        (Status.EXCEPTION, Reason.ADDRESS_ISSUE),
    ),
    (
        (
            "held by customs", "held in customs", "held at customs", "customs hold",
            "customs delay", "awaiting customs", "customs inspection", "clearance delay",
            "zoll festgehalten", "zoll angehalten", "zollkontrolle", "zollverzögerung",
        ),
        (Status.EXCEPTION, Reason.CUSTOMS_HOLD),
    ),
    (
        (
            "not at home", "not home", "recipient not available", "recipient was not available",
            "recipient not present", "nicht angetroffen", "nicht anwesend",
        ),
        (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    ),
    (
        (
            "delivery attempt", "attempted delivery", "delivery attempted",
            "could not be delivered", "unsuccessful delivery", "zustellversuch",
            "nicht zugestellt werden",
        ),
        (Status.FAILED_ATTEMPT, None),
    ),
    (
        (
            "ready for pickup", "ready for pick up", "available for pickup",
            "available for pick up", "ready for collection", "awaiting collection",
            "pickup point", "parcel locker",
            "service point", "parcelshop", "parcel shop", "packstation", "zur abholung",
            "abholbereit", "paketshop", "postfiliale", "filiale",
        ),
        _PICKUP,
    ),
    (
        (
            "out for delivery", "with delivery courier", "on the delivery vehicle",
            "onto the delivery vehicle", "delivery vehicle", "in zustellung",
            "zustellfahrzeug", "wird heute zugestellt", "voraussichtlich heute zugestellt",
        ),
        (Status.OUT_FOR_DELIVERY, None),
    ),
]  # fmt: skip

#: The sender handing a parcel in: pickup places named here are not "ready for pickup".
SENDER_DROP_OFF: tuple[str, ...] = (
    "vom absender", "durch den absender", "by the sender", "by sender", "by the shipper",
    "dropped off", "drop off",
)  # fmt: skip

_BLANKS = re.compile(r"[\s\-‐‑–]+")


def normalise(text: str) -> str:
    """Lower-case, hyphens as spaces, blanks collapsed: the form the phrases are written in."""
    return _BLANKS.sub(" ", text.casefold()).strip()


def refine(text: str) -> Outcome | None:
    """The first :data:`KEYWORDS` outcome whose phrase occurs in ``text``, or None."""
    wording = normalise(text)
    dropped_off = any(phrase in wording for phrase in SENDER_DROP_OFF)
    for phrases, outcome in KEYWORDS:
        if outcome == _PICKUP and dropped_off:
            continue
        if any(phrase in wording for phrase in phrases):
            return outcome
    return None


def classify(status_code: str, text: str) -> Outcome:
    """(status, reason) for an event's coarse ``statusCode`` and its wording."""
    code = status_code.strip().lower()
    coarse = STATUS_CODES.get(code, DEFAULT)
    if code == "pre-transit":
        return coarse
    refined = refine(text)
    if code == "delivered":
        return _RETURN if refined == _RETURN else coarse
    return refined or coarse
