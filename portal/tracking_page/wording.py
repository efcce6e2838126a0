"""Plain words for statuses, reasons and progress stages, with what a customer can do next.

Module-level strings are marked with ``lazy`` and translated with ``_`` at request time.
"""

from __future__ import annotations

from functools import lru_cache

from carriers.base import PickupKind, Reason, Status
from portal.i18n import _, lazy, translations
from portal.notifications import phrases

STATUS_LABELS: dict[Status, str] = {
    Status.PENDING: lazy("Waiting for the carrier"),
    Status.INFO_RECEIVED: lazy("Label created"),
    Status.IN_TRANSIT: lazy("On its way"),
    Status.OUT_FOR_DELIVERY: lazy("Out for delivery"),
    Status.FAILED_ATTEMPT: lazy("Delivery attempt failed"),
    Status.AVAILABLE_FOR_PICKUP: lazy("Ready for pickup"),
    Status.DELIVERED: lazy("Delivered"),
    Status.EXCEPTION: lazy("There is a problem"),
    Status.RETURNED_TO_SENDER: lazy("Returning to the shop"),
    Status.EXPIRED: lazy("No longer tracked"),
}

STATUS_EXPLANATIONS: dict[Status, str] = {
    Status.PENDING: lazy(
        "The shop has given us the tracking number, but the carrier has no news about it yet."
    ),
    Status.INFO_RECEIVED: lazy(
        "The shipping label is ready. The carrier will pick up the parcel soon."
    ),
    Status.IN_TRANSIT: lazy("The carrier has your parcel and it is moving through its network."),
    Status.OUT_FOR_DELIVERY: lazy(
        "Your parcel is on the delivery vehicle and should arrive today."
    ),
    Status.FAILED_ATTEMPT: lazy("The carrier tried to deliver your parcel but could not."),
    Status.AVAILABLE_FOR_PICKUP: lazy(
        "Your parcel is waiting for you at a pickup point, locker or counter."
    ),
    Status.DELIVERED: lazy("Your parcel has been delivered."),
    Status.EXCEPTION: lazy("Something unexpected happened to your parcel on its way."),
    Status.RETURNED_TO_SENDER: lazy(
        "Your parcel is on its way back to the shop, or is back there."
    ),
    Status.EXPIRED: lazy(
        "The carrier has not sent any update for a long time, so we stopped checking."
    ),
}

STATUS_NEXT_STEPS: dict[Status, str] = {
    Status.PENDING: lazy("Nothing to do yet. Check again after the shop ships your order."),
    Status.INFO_RECEIVED: lazy("Nothing to do yet. This page updates when the carrier scans it."),
    Status.IN_TRANSIT: lazy("Nothing to do. This page updates when there is news."),
    Status.OUT_FOR_DELIVERY: lazy("Make sure someone can receive the parcel today."),
    Status.FAILED_ATTEMPT: lazy(
        "The carrier usually tries again on the next working day. Check the carrier's page to "
        "rearrange delivery."
    ),
    Status.AVAILABLE_FOR_PICKUP: lazy(
        "Collect it soon with an ID: parcels that are not collected go back to the shop."
    ),
    Status.DELIVERED: lazy("If you cannot find it, contact the shop."),
    Status.EXCEPTION: lazy("Check the carrier's page for details, or contact the shop."),
    Status.RETURNED_TO_SENDER: lazy("Contact the shop to arrange a refund or a new delivery."),
    Status.EXPIRED: lazy("If you have not received your parcel, contact the shop."),
}
#: What to do with a parcel waiting in a locker: it opens with a code, not an ID.
LOCKER_NEXT_STEP = lazy(
    "Collect it soon with the code the carrier sent you: the locker opens with it, and "
    "parcels that are not collected go back to the shop."
)

REASON_EXPLANATIONS: dict[Reason, str] = {
    Reason.ADDRESS_ISSUE: lazy("The carrier had a problem with the delivery address."),
    Reason.RECIPIENT_UNAVAILABLE: lazy("Nobody was available to receive the parcel."),
    Reason.REFUSED: lazy("The parcel was refused at delivery."),
    Reason.DAMAGED: lazy("The carrier reported that the parcel is damaged."),
    Reason.LOST: lazy("The carrier cannot find the parcel."),
    Reason.CUSTOMS_HOLD: lazy("The parcel is held by customs."),
    Reason.WEATHER_DELAY: lazy("Bad weather is delaying deliveries."),
    Reason.CARRIER_DELAY: lazy("The carrier is running late."),
    Reason.HELD_AT_CARRIER: lazy("The carrier is holding the parcel at one of its sites."),
    Reason.NOT_COLLECTED: lazy("It was not collected from the pickup point in time."),
    Reason.UNKNOWN: lazy("The carrier did not say why."),
}

REASON_NEXT_STEPS: dict[Reason, str] = {
    Reason.ADDRESS_ISSUE: lazy(
        "Contact the carrier or the shop to check your address and house number."
    ),
    Reason.RECIPIENT_UNAVAILABLE: lazy(
        "The carrier will try again or leave a note. You can rearrange delivery on its page."
    ),
    Reason.REFUSED: lazy("If this is a mistake, contact the shop."),
    Reason.DAMAGED: lazy("Contact the shop: they will help with a replacement or a refund."),
    Reason.LOST: lazy("Contact the shop: they will help with a replacement or a refund."),
    Reason.CUSTOMS_HOLD: lazy(
        "Customs may need documents or a payment from you. Look out for a message from the carrier."
    ),
    Reason.WEATHER_DELAY: lazy("Nothing to do: the parcel will move again when it is safe."),
    Reason.CARRIER_DELAY: lazy("Nothing to do: the parcel should move again soon."),
    Reason.HELD_AT_CARRIER: lazy(
        "Check the carrier's page: you may need to collect it or arrange delivery."
    ),
    Reason.NOT_COLLECTED: lazy(
        "The parcel goes back to the shop. Contact the shop to have it sent again or refunded."
    ),
    Reason.UNKNOWN: lazy("Check the carrier's page for details, or contact the shop."),
}

PICKUP_KINDS: dict[PickupKind, str] = {
    PickupKind.LOCKER: lazy("Parcel locker"),
    PickupKind.SHOP: lazy("Pickup point"),
    PickupKind.POST_OFFICE: lazy("Post office"),
    PickupKind.DEPOT: lazy("Carrier depot"),
}

#: The stages of the progress bar, in order.
STAGES: tuple[str, ...] = (
    lazy("Ordered"),
    lazy("Shipped"),
    lazy("In transit"),
    lazy("Out for delivery"),
    lazy("Delivered"),
)


def status_label(status: Status) -> str:
    return _(STATUS_LABELS[status])


def pickup_kind_label(kind: PickupKind) -> str:
    return _(PICKUP_KINDS[kind])


def reason_label(reason: Reason) -> str:
    return _(REASON_EXPLANATIONS[reason])


def explanation(status: Status, reason: Reason | None, *, locker: bool = False) -> tuple[str, str]:
    """(what happened, what to do next) in plain words for a status and its reason;
    ``locker``: the parcel's pickup point is a locker."""
    if reason is not None and status is not Status.DELIVERED:
        what = f"{_(STATUS_EXPLANATIONS[status])} {_(REASON_EXPLANATIONS[reason])}"
        return what, _(REASON_NEXT_STEPS[reason])
    if locker and status is Status.AVAILABLE_FOR_PICKUP:
        return _(STATUS_EXPLANATIONS[status]), _(LOCKER_NEXT_STEP)
    return _(STATUS_EXPLANATIONS[status]), _(STATUS_NEXT_STEPS[status])


def event_reason(status: Status, reason: Reason | None) -> str:
    """Our sentence for why a scan happened, or "" (none given, "unknown", or delivered)."""
    if reason is None or reason is Reason.UNKNOWN or status is Status.DELIVERED:
        return ""
    return reason_label(reason)


def _squash(text: str) -> str:
    """Letters and digits only, case-folded: ``IN_TRANSIT`` and "In transit." compare equal."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@lru_cache(maxsize=1024)  # every status × reason × language fits
def _our_words(status: Status, reason: Reason | None, locale: str) -> frozenset[str]:
    """Everything we call this status and reason, in English and in ``locale``, squashed:
    the page's labels and stages, the messages' wording, and the codes themselves."""
    words = {status.value, phrases.status_words(status, "en"), phrases.status_words(status, locale)}
    sources = [STATUS_LABELS[status], *STAGES]
    if reason is not None:
        words.add(reason.value)
        words |= {
            phrases.reason_words(reason, language, short=short)
            for language in ("en", locale)
            for short in (False, True)
        }
        sources.append(REASON_EXPLANATIONS[reason])
    catalogue = translations(locale)
    words |= {w for source in sources for w in (source, catalogue.ugettext(source))}
    return frozenset(_squash(w) for w in words)


@lru_cache(maxsize=8192)  # carriers word their scans from a small vocabulary
def carrier_text(
    description: str | None, status: Status, reason: Reason | None, locale: str
) -> str:
    """The carrier's own words for a scan, tidied, or "" when there are none or they only
    repeat ours (``Delivered``, ``IN_TRANSIT``): the page shows them under our wording.

    Remembered: squashing each description character by character was a tenth of
    presenting a 30-scan timeline (benchmarks/README.md, issue 20)."""
    text = " ".join((description or "").split())
    squashed = _squash(text)
    if not squashed or squashed in _our_words(status, reason, locale):
        return ""
    return text
