"""The merchant's words for return states, resolutions, conditions and refusals.

Kept apart from the views so the list, the detail page and the action messages say the
same thing; every value is translated at use (``_(STATE_NAMES[state])``).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency

from portal import i18n
from portal.i18n import _, lazy
from portal.models import ReturnReason
from portal.models.returns import Resolution, ReturnMethod, ReturnState

STATE_NAMES: dict[str, str] = {
    ReturnState.REQUESTED: lazy("Requested"),
    ReturnState.NEEDS_REVIEW: lazy("Needs review"),
    ReturnState.APPROVED: lazy("Approved"),
    ReturnState.REJECTED: lazy("Rejected"),
    ReturnState.AWAITING_SHIPMENT: lazy("Awaiting the parcel"),
    ReturnState.IN_TRANSIT: lazy("On its way back"),
    ReturnState.RECEIVED: lazy("Received"),
    ReturnState.INSPECTED: lazy("Inspected"),
    ReturnState.RESOLVED: lazy("Resolved"),
    ReturnState.CLOSED: lazy("Closed"),
    ReturnState.CANCELLED: lazy("Cancelled"),
    ReturnState.EXPIRED: lazy("Expired"),
}

RESOLUTION_NAMES: dict[str, str] = {
    Resolution.REFUND: lazy("Refund"),
    Resolution.STORE_CREDIT: lazy("Store credit"),
    Resolution.EXCHANGE: lazy("Exchange"),
    Resolution.KEEP_ITEM: lazy("Keep the item"),
}

METHOD_NAMES: dict[str, str] = {
    ReturnMethod.DROP_OFF_LABEL: lazy("Drop-off with a printed label"),
    ReturnMethod.DROP_OFF_QR: lazy("Drop-off with a QR code"),
    ReturnMethod.CARRIER_PICKUP: lazy("Carrier pickup"),
    ReturnMethod.IN_STORE: lazy("In store"),
}

CONDITION_NAMES: dict[str, str] = {
    "as_new": lazy("As new"),
    "opened": lazy("Opened, unused"),
    "used": lazy("Used"),
    "damaged": lazy("Damaged"),
    "faulty": lazy("Faulty"),
}

ACTOR_NAMES: dict[str, str] = {
    "customer": lazy("Customer"),
    "system": lazy("Automatic"),
    "carrier": lazy("Carrier scan"),
}

#: Notes the portal itself writes on a return's history (the policy's decision and the
#: rules that sent a return to review), in the reader's language; a person's note shows
#: as written.
SYSTEM_NOTES: dict[str, str] = {
    "auto-approved": lazy("approved by the return policy"),
    "settled at receipt": lazy("settled when the parcel arrived"),
    "label unused": lazy("the label was not used in time"),
    "statutory withdrawal": lazy("statutory withdrawal"),
    "reason": lazy("reason not approved automatically"),
    "max_value": lazy("worth more than the automatic limit"),
    "customer_history": lazy("customer's earlier returns"),
    "out_of_stock": lazy("exchange item out of stock"),
}

#: ``?done=`` codes after an action, and what the page then says.
DONE: dict[str, str] = {
    "approved": lazy("Return approved. The customer has been told how to send it back."),
    "rejected": lazy("Return rejected. The customer has been sent your message."),
    "received": lazy("Marked as received."),
    "received_refunded": lazy("Marked as received and resolved: the refund is due now."),
    "inspected": lazy("Inspection recorded."),
    "resolved": lazy("Return resolved."),
    "closed": lazy("Return closed."),
    "parcel": lazy("Return parcel saved: it is tracked from now on."),
}

#: Why a parcel's tracking number was not saved (a return's, or an order's shipment), by
#: refusal code (:class:`portal.tracking.registration.Refused`).
PARCEL_PROBLEMS: dict[str, str] = {
    "closed": lazy("This return no longer takes a parcel."),
    "in_use": lazy("Your shop already tracks this number with this carrier."),
    "bad_number": lazy("This is not a tracking number."),
    "unknown_carrier": lazy("Choose one of the listed carriers."),
    "carrier_needed": lazy("No carrier recognises this number: choose the carrier."),
    "carrier_ambiguous": lazy("Several carriers use numbers like this: choose the carrier."),
}

#: Why an inspection form was refused, by problem code.
INSPECTION_PROBLEMS: dict[str, str] = {
    "missing": lazy("Choose the condition of this item."),
    "condition": lazy("Choose one of the listed conditions."),
    "unknown_item": lazy("This item is not part of the return."),
    "duplicate_item": lazy("Each item can be inspected once."),
    "no_variant": lazy("This item is not linked to a product variant, so it cannot be restocked."),
}


def state_name(state: str) -> str:
    return _(STATE_NAMES.get(str(state), str(state)))


def history_note(note: str, actor: str) -> str:
    """A history entry's note: the portal's own (``auto-approved``, ``max_value,
    out_of_stock``) in words, a person's as written."""
    if actor != "system":
        return note
    return ", ".join(
        _(SYSTEM_NOTES[part]) if part in SYSTEM_NOTES else part
        for part in (piece.strip() for piece in note.split(","))
    )


def reason_label(reason: ReturnReason | None) -> str:
    """A reason in the staff member's language, else English, else its code."""
    if reason is None:
        return ""
    labels = reason.labels or {}
    return str(labels.get(i18n.current_locale()) or labels.get("en") or reason.code)


def money(amount: Decimal | None, currency: str) -> str:
    """An amount in the return's currency, written the staff member's way."""
    return format_currency(amount or Decimal(0), currency, locale=i18n.current_locale())
