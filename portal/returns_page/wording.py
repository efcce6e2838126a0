"""Plain words for the codes the returns domain uses (translated when called)."""

from __future__ import annotations

from portal.i18n import _
from portal.models.returns import ReturnState as S
from portal.returns.policy import Ineligible


def ineligible(reason: Ineligible | str | None, closed_on: str = "") -> str:
    code = Ineligible(reason) if reason else None
    if code is Ineligible.WINDOW_CLOSED:
        return _("The return window closed on %(date)s.") % {"date": closed_on}
    messages: dict[Ineligible | None, str] = {
        Ineligible.FINAL_SALE: _("Final sale: this item cannot be returned."),
        Ineligible.CATEGORY: _("Items of this kind cannot be returned."),
        # Counted over every open return, sent or not: "returned" would claim it was sent.
        Ineligible.FULLY_RETURNED: _("Already in one of your returns."),
        Ineligible.NOT_DELIVERED: _("Not delivered yet: you can return it once it arrives."),
    }
    return messages.get(code, _("This item cannot be returned."))


def state(value: S | str) -> str:
    return {
        S.REQUESTED: _("Requested"),
        S.APPROVED: _("Approved"),
        S.REJECTED: _("Not accepted"),
        S.NEEDS_REVIEW: _("Under review by the shop"),
        S.AWAITING_SHIPMENT: _("Approved: waiting for you to send it"),
        S.IN_TRANSIT: _("On its way back to the shop"),
        S.RECEIVED: _("Received by the shop"),
        S.INSPECTED: _("Checked by the shop"),
        S.RESOLVED: _("Completed"),
        S.CLOSED: _("Closed"),
        S.CANCELLED: _("Cancelled"),
        S.EXPIRED: _("Expired: the item was not sent in time"),
    }[S(value)]


def history_step(value: S | str) -> str:
    """A state as a line in the return's history: each line says what happened, so
    approval followed by "waiting for you" does not read "Approved" twice."""
    if S(value) is S.AWAITING_SHIPMENT:
        return _("Ready for you to send")
    return state(value)


def next_steps(value: S | str, method: str | None) -> str:
    current = S(value)
    if current is S.NEEDS_REVIEW or current is S.REQUESTED:
        return _("The shop will look at your request and email you its decision.")
    if current in (S.APPROVED, S.AWAITING_SHIPMENT):
        if method == "carrier_pickup":
            return _("Pack the items. The carrier will contact you to arrange the pickup.")
        if method == "in_store":
            return _("Bring the items and your return number to the shop.")
        return _(
            "Pack the items, print the label or show the QR code at a drop-off point, and "
            "send the parcel before the date shown."
        )
    if current is S.RESOLVED:
        return _("Your return is complete. Any refund or credit is on its way.")
    if current in (S.IN_TRANSIT, S.RECEIVED, S.INSPECTED):
        return _("The shop will check the items and settle your return.")
    return ""


def resolution(code: str) -> str:
    return {
        "refund": _("Refund to the original payment"),
        "store_credit": _("Store credit"),
        "exchange": _("Exchange for another size or colour"),
        "keep_item": _("Keep the item and get a refund"),
    }.get(code, code)


def method(code: str | None) -> str:
    return {
        "drop_off_label": _("Drop off with a printed label"),
        "drop_off_qr": _("Drop off with a QR code (no printer needed)"),
        "carrier_pickup": _("Carrier pickup from your address"),
        "in_store": _("Return in store"),
    }.get(code or "", code or "")


def refusal(code: str) -> str:
    """Why a selection was refused (codes from :class:`portal.returns.review.ReturnRefused`)."""
    return {
        "empty": _("Choose at least one item to return."),
        "duplicate_item": _("Each item can be chosen once."),
        "unknown_item": _("This item is not part of the order."),
        "quantity": _("Choose a quantity the item allows."),
        "resolution": _("Choose one of the options offered for this item."),
        "reason": _("Choose a reason from the list."),
        "reason_category": _("This reason does not apply to this item. Choose one from its list."),
        "photo_required": _("This reason needs a photo of the item."),
        "comment_required": _("This reason needs a few words about what happened."),
        "out_of_stock": _("That size or colour has just sold out. Choose another option."),
        "method": _("Choose how you will send the items back."),
        "no_policy": _("This shop does not take returns online. Please contact the shop."),
        "final_sale": ineligible(Ineligible.FINAL_SALE),
        "ineligible_category": ineligible(Ineligible.CATEGORY),
        "fully_returned": ineligible(Ineligible.FULLY_RETURNED),
        "not_delivered": ineligible(Ineligible.NOT_DELIVERED),
        "window_closed": _("The return window for this item has closed."),
    }.get(code, _("This choice is not possible."))


def photo_problem(code: str) -> str:
    return {
        "too_big": _("The photo is too large. Send a file of up to 8 MB."),
        "dimensions": _("The photo is too large. Send a picture of at most 6000 × 6000 pixels."),
        "empty": _("The photo file is empty. Choose the picture again."),
        "svg": _("Send a photo as a JPEG, PNG or WebP file."),
        "type": _("Send a photo as a JPEG, PNG or WebP file."),
    }.get(code, _("We could not read this photo. Send a JPEG, PNG or WebP file."))


def parcel_problem(code: str) -> str:
    """Why the customer's tracking number was not saved (:mod:`portal.returns.return_parcel`)."""
    return {
        "closed": _("This return no longer needs a tracking number."),
        "in_use": _("This tracking number is already used for another parcel of the shop."),
        "bad_number": _("This does not look like a tracking number. Check it on your receipt."),
        "unknown_carrier": _("Choose one of the listed carriers."),
        "carrier_needed": _("We do not recognise this number: choose the carrier."),
        "carrier_ambiguous": _("Several carriers use numbers like this: choose the carrier."),
    }.get(code, _("This tracking number could not be saved."))
