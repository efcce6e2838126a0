"""Poczta Polska tracking: event codes (``zdarzenie/kod``) and answer statuses.

Poczta Polska's service description documents the *structure* of an event (``czas``,
``kod``, ``nazwa``, ``jednostka``, ``przyczyna``, ``konczace``) but publishes no list of
event codes. :data:`STATUS_CODES` is therefore built from the codes the service is seen
to send (public integrations that track real parcels record them), each read by the
Polish name the service sends with it:

- ``P_NAD`` posting, ``P_PZL``/``P_WZL`` received at / sent from a facility, ``P_WEPL``/
  ``P_WYPL`` entering / leaving Poland, ``P_WEOC``/``P_WYOC``/``P_WPUCPP``/``P_ZWC``/
  ``P_ZWOLDDOR`` customs steps: in transit;
- ``P_WD``/``P_WDML``/``P_NDD`` handed to the postman for delivery: out for delivery;
- ``P_A`` notice left (awizo) and the parcel waiting at the post office, ``P_PA`` the
  second notice (the pickup-deadline reminder), ``P_KWD`` waiting at the office:
  available for pickup;
- ``P_D`` delivered, ``P_OWU`` collected at the office: delivered;
- ``P_NDZ`` not delivered, returned to the sender; ``P_ND``/``P_NDPD``/``P_NDPJ`` not
  delivered: a failed attempt;
- codes whose meaning the wording alone decides (``P_NDZK``, ``P_NDZAP``, ``P_NDZKON``,
  ``P_R``, ``P_ZDUN``, ``P_CZDKN``) are exceptions that :func:`classify` refines from
  the event's ``nazwa``, as it does for codes not listed here.

The reason for a failure or a return comes from the event's ``przyczyna`` (its text), and
a return after a pickup notice with no other reason is ``not_collected``.
"""

from __future__ import annotations

import re

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_TRANSIT: Outcome = (Status.IN_TRANSIT, None)
_OUT: Outcome = (Status.OUT_FOR_DELIVERY, None)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)
_DELIVERED: Outcome = (Status.DELIVERED, None)
_RETURN: Outcome = (Status.RETURNED_TO_SENDER, None)
_FAILED: Outcome = (Status.FAILED_ATTEMPT, None)
_UNCLEAR: Outcome = (Status.EXCEPTION, Reason.UNKNOWN)

STATUS_CODES: dict[str, Outcome] = {
    "P_REJ_KN1": (Status.INFO_RECEIVED, None),
    "P_PPDN": _TRANSIT,
    "P_NAD": _TRANSIT,
    "P_PZL": _TRANSIT,
    "P_WZL": _TRANSIT,
    "P_WEPL": _TRANSIT,
    "P_WYPL": _TRANSIT,
    "P_WEOC": _TRANSIT,
    "P_WYOC": _TRANSIT,
    "P_WPUCPP": _TRANSIT,
    "P_ZWC": _TRANSIT,
    "P_ZWOLDDOR": _TRANSIT,
    "P_WD": _OUT,
    "P_WDML": _OUT,
    "P_NDD": _OUT,
    "P_A": _PICKUP,
    "P_PA": _PICKUP,
    "P_KWD": _PICKUP,
    "P_D": _DELIVERED,
    "P_OWU": _DELIVERED,
    "P_NDZ": _RETURN,
    "P_ND": _FAILED,
    "P_NDPD": _FAILED,
    "P_NDPJ": _FAILED,
    "P_NDZK": _UNCLEAR,
    "P_NDZAP": _UNCLEAR,
    "P_NDZKON": _UNCLEAR,
    "P_R": _UNCLEAR,
    "P_ZDUN": _UNCLEAR,
    "P_CZDKN": _UNCLEAR,
}

#: A code the service adds later, when its wording says nothing we recognise.
DEFAULT: Outcome = _TRANSIT

#: Codes that leave the parcel at a post office for the customer: where the pickup
#: point comes from, and what makes a later return "not collected".
NOTICE_CODES = frozenset({"P_A", "P_PA", "P_KWD"})

#: (phrases, outcome) read from an event's ``nazwa``, first match wins. Phrases are
#: written as :func:`normalise` leaves text (lower case, blanks collapsed).
WORDING: list[tuple[tuple[str, ...], Outcome]] = [
    (("zwrot", "zwrócon", "odesłan", "do nadawcy"), _RETURN),
    (("odmow", "odmów"), (Status.EXCEPTION, Reason.REFUSED)),
    (("nie doręcz", "niedoręcz", "próba doręczenia"), _FAILED),
    (("awizo", "awizowan", "do odbioru", "oczekuje na odbiór"), _PICKUP),
    (("do doręczenia", "w doręczeniu", "doręczyciel"), _OUT),
    (("doręczon", "odebran", "wydano adresatowi", "wydana adresatowi"), _DELIVERED),
    (("uszkodz",), (Status.EXCEPTION, Reason.DAMAGED)),
    (("zagubion", "zaginięci"), (Status.EXCEPTION, Reason.LOST)),
]

#: (phrases, reason) read from ``przyczyna`` (and the wording) of a failure or return.
REASONS: list[tuple[tuple[str, ...], Reason]] = [
    (("odmow", "odmów"), Reason.REFUSED),
    (("nie podjęt", "niepodjęt", "nie odebran", "upływ terminu", "termin odbioru"),
     Reason.NOT_COLLECTED),
    (("nieobecn", "nie zastano", "brak odbiorcy"), Reason.RECIPIENT_UNAVAILABLE),
    (("adres", "nieznan", "wyprowadził"), Reason.ADDRESS_ISSUE),
    (("uszkodz",), Reason.DAMAGED),
    (("zagubion",), Reason.LOST),
    (("celn", "cło", "odprawa"), Reason.CUSTOMS_HOLD),
]  # fmt: skip

#: The ``status`` of a ``Przesylka`` answer, as the service description lists them.
ANSWER_STATUSES: dict[int, str] = {
    0: "found",
    1: "found; other shipments share this number",
    2: "known, but no events in the period asked",
    -1: "no shipment with this number (only those with an event in the last 30 days)",
    -2: "the number is not a valid tracking number",
    -99: "another error",
}
#: Answers meaning the number is not (or no longer) known: a ``not_found`` result.
NOT_FOUND = frozenset({-1, -2})
#: Answers that carry the shipment's data.
FOUND = frozenset({0, 1, 2})
#: The service's own failure: worth retrying later.
FAILED = frozenset({-99})

_BLANKS = re.compile(r"\s+")
_REFINABLE = frozenset({Status.EXCEPTION})


def normalise(text: str) -> str:
    """Lower case with blanks collapsed: the form :data:`WORDING` is written in."""
    return _BLANKS.sub(" ", text.casefold()).strip()


def _by_wording(text: str) -> Outcome | None:
    wording = normalise(text)
    for phrases, outcome in WORDING:
        if any(phrase in wording for phrase in phrases):
            return outcome
    return None


def reason_from(text: str) -> Reason | None:
    """The first :data:`REASONS` reason whose phrase occurs in ``text``, or None."""
    wording = normalise(text)
    for phrases, reason in REASONS:
        if any(phrase in wording for phrase in phrases):
            return reason
    return None


def classify(code: str, name: str, cause: str = "") -> Outcome:
    """(status, reason) of one event: its code, refined by its ``nazwa`` and ``przyczyna``.

    A listed code decides unless it is one of the unclear exceptions; an unlisted code is
    read from the wording, else as movement. Failures, exceptions and returns take their
    reason from the cause (or the wording) when the code gives none.
    """
    listed = STATUS_CODES.get(code.strip().upper())
    if listed is None:
        outcome = _by_wording(name) or DEFAULT
    elif listed[0] in _REFINABLE and listed[1] is Reason.UNKNOWN:
        outcome = _by_wording(name) or listed
    else:
        outcome = listed
    status, reason = outcome
    if status in (Status.FAILED_ATTEMPT, Status.EXCEPTION, Status.RETURNED_TO_SENDER) and (
        reason is None or reason is Reason.UNKNOWN
    ):
        reason = reason_from(f"{cause} {name}") or reason
    return status, reason
