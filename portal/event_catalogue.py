"""Every domain event kind, its payload and the webhook topics it feeds, in one place.

A kind is written to the ``domain_event`` table by :func:`portal.events.emit` (which refuses
a kind this catalogue lacks) and handed to the listeners of its kind. Its payload is the
TypedDict named here: emitters build it with that type, so a renamed or missing key is a
type error rather than a listener quietly reading ``None``. The TypedDict's docstring says
in one line when the kind happens.

``webhook_topics`` are the outgoing webhook topics a kind may be delivered as
(:mod:`portal.webhooks_out.topics` derives its list from here; which one an endpoint gets
is the webhook listener's choice). Kinds without topics
are internal: listeners react to them, shops are not told. docs/api.md documents every kind
(tests/test_event_catalogue.py keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

# ---- payloads ---------------------------------------------------------------------------


class ShipmentStatusChanged(TypedDict):
    """A shipment's status moved (a poll, push or refresh result, or a reactivation)."""

    old_status: str
    new_status: str
    reason: str | None
    occurred_at: str
    tracking_number: str
    carrier_key: str
    source: str


class ShipmentDelayed(TypedDict):
    """A shipment's estimated delivery date moved later."""

    old_eta: str
    new_eta: str
    eta_window_start: str | None
    eta_window_end: str | None
    tracking_number: str
    carrier_key: str
    source: str


class ShipmentReactivated(TypedDict):
    """An expired shipment was brought back and is polled again."""

    tracking_number: str
    carrier_key: str


class ShipmentLate(TypedDict):
    """A parcel's delivery window passed without delivery (once per episode)."""

    tracking_number: str
    carrier_key: str
    order_id: int | None
    status: str
    #: When the episode began: the day after the missed window's last day (UTC).
    episode_started_at: str
    #: The missed window: its first and last day and whose it was ("carrier" or "predicted").
    window_start: str | None
    window_end: str
    window_source: str
    last_scan_at: str | None


class ShipmentStuck(TypedDict):
    """A parcel had no scan for longer than its carrier's usual gap (once per episode)."""

    tracking_number: str
    carrier_key: str
    order_id: int | None
    status: str
    #: When the episode began: the last scan.
    episode_started_at: str
    last_scan_at: str
    silent_hours: float
    usual_gap_hours: float
    #: Our or the carrier's window when there is one, so a reader knows what is at stake.
    window_end: str | None


class ShipmentEpisodeEnded(TypedDict):
    """A late or stuck episode ended: delivered, scanned again, a new date, or final."""

    tracking_number: str
    kind: str
    episode_started_at: str
    ended_at: str
    why: str


class OrderDeliveryPreferencesChanged(TypedDict):
    """The customer changed how and where they want an order delivered."""

    order_number: str
    old: dict[str, object] | None
    new: dict[str, object] | None
    #: "customer" (the tracking page) or "api" / "csv" / "workspace".
    source: str


class CarrierAccountAuthFailed(TypedDict):
    """A carrier rejected an account's credentials; its polling is paused."""

    carrier_key: str
    account_name: str
    reason: str


class ReturnMoved(TypedDict):
    """A return reached a state (``return.<state>``; ``from_state`` is None on creation)."""

    number: str
    from_state: str | None
    to_state: str
    actor: str
    note: str


class SurveyAnswered(TypedDict):
    """A customer gave or changed a survey answer, or added a comment."""

    question: str
    metric: str
    score: int | None
    has_comment: bool
    outcome: str
    carrier_key: str | None
    return_reason: str | None
    follow_up: bool
    completed: bool


class SurveyFollowUp(TypedDict):
    """A survey's answers first called for a follow-up (once per survey)."""

    question: str | None
    score: int | None
    outcome: str


class WithdrawalSubmitted(TypedDict):
    """A customer withdrew from a contract through the withdrawal function (Art. 11a)."""

    order_number: str
    return_number: str
    submitted_at: str
    items: list[dict[str, object]]
    locale: str


class ClaimMoved(TypedDict):
    """A claim reached a state (``claim.<state>``; ``from_state`` is None when submitted)."""

    number: str
    kind: str
    from_state: str | None
    to_state: str
    actor: str
    note: str


class CustomerErased(TypedDict):
    """A customer's personal data was anonymised at the shop's request (export first)."""

    customer_id: int
    erased_at: str
    actor: str


# ---- kinds ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventKind:
    """One kind: its name, payload type and the webhook topics it is delivered as."""

    name: str
    payload: type
    webhook_topics: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def doc(self) -> str:
        return (self.payload.__doc__ or "").strip()


SHIPMENT_STATUS_CHANGED = "shipment.status_changed"
SHIPMENT_DELAYED = "shipment.delayed"
SHIPMENT_REACTIVATED = "shipment.reactivated"
SHIPMENT_LATE = "shipment.late"
SHIPMENT_STUCK = "shipment.stuck"
SHIPMENT_EPISODE_ENDED = "shipment.episode_ended"
ORDER_DELIVERY_PREFERENCES_CHANGED = "order.delivery_preferences_changed"
CARRIER_ACCOUNT_AUTH_FAILED = "carrier_account.auth_failed"
SURVEY_ANSWERED = "survey.answered"
SURVEY_FOLLOW_UP = "survey.follow_up"
WITHDRAWAL_SUBMITTED = "withdrawal.submitted"
CUSTOMER_ERASED = "customer.erased"

#: Webhook-only topics: a status change to delivered or exception is also sent as these.
SHIPMENT_DELIVERED_TOPIC = "shipment.delivered"
SHIPMENT_EXCEPTION_TOPIC = "shipment.exception"

#: The return states in the order a return usually meets them (``return.<state>`` kinds).
RETURN_STATES: tuple[str, ...] = (
    "requested",
    "needs_review",
    "approved",
    "rejected",
    "awaiting_shipment",
    "in_transit",
    "received",
    "inspected",
    "resolved",
    "closed",
    "cancelled",
    "expired",
)


def return_kind(state: str) -> str:
    """The kind emitted when a return reaches ``state``."""
    return f"return.{state}"


RETURN_KINDS: tuple[str, ...] = tuple(return_kind(s) for s in RETURN_STATES)

#: The claim states (``claim.<state>`` kinds), as portal.models.ClaimState spells them.
CLAIM_STATES: tuple[str, ...] = ("submitted", "in_review", "reshipped", "refunded", "rejected")


def claim_kind(state: str) -> str:
    return f"claim.{state}"


CLAIM_KINDS: tuple[str, ...] = tuple(claim_kind(s) for s in CLAIM_STATES)
RETURN_REQUESTED = return_kind("requested")
RETURN_RESOLVED = return_kind("resolved")

CATALOGUE: tuple[EventKind, ...] = (
    EventKind(
        SHIPMENT_STATUS_CHANGED,
        ShipmentStatusChanged,
        (SHIPMENT_STATUS_CHANGED, SHIPMENT_DELIVERED_TOPIC, SHIPMENT_EXCEPTION_TOPIC),
    ),
    EventKind(SHIPMENT_DELAYED, ShipmentDelayed),
    EventKind(SHIPMENT_REACTIVATED, ShipmentReactivated),
    EventKind(SHIPMENT_LATE, ShipmentLate, (SHIPMENT_LATE,)),
    EventKind(SHIPMENT_STUCK, ShipmentStuck, (SHIPMENT_STUCK,)),
    EventKind(SHIPMENT_EPISODE_ENDED, ShipmentEpisodeEnded),
    EventKind(
        ORDER_DELIVERY_PREFERENCES_CHANGED,
        OrderDeliveryPreferencesChanged,
        (ORDER_DELIVERY_PREFERENCES_CHANGED,),
    ),
    EventKind(CARRIER_ACCOUNT_AUTH_FAILED, CarrierAccountAuthFailed),
    *(EventKind(kind, ReturnMoved, (kind,)) for kind in RETURN_KINDS),
    EventKind(SURVEY_ANSWERED, SurveyAnswered, (SURVEY_ANSWERED,)),
    EventKind(SURVEY_FOLLOW_UP, SurveyFollowUp, (SURVEY_FOLLOW_UP,)),
    EventKind(WITHDRAWAL_SUBMITTED, WithdrawalSubmitted, (WITHDRAWAL_SUBMITTED,)),
    *(EventKind(kind, ClaimMoved, (kind,)) for kind in CLAIM_KINDS),
    EventKind(CUSTOMER_ERASED, CustomerErased, (CUSTOMER_ERASED,)),
)

#: kind name -> its declaration.
KINDS: dict[str, EventKind] = {kind.name: kind for kind in CATALOGUE}


class UnknownEventKind(LookupError):
    """An event kind the catalogue does not declare."""


def kind_of(name: str) -> EventKind:
    """The declaration of ``name``; :class:`UnknownEventKind` when there is none."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownEventKind(
            f"domain event kind {name!r} is not in portal.event_catalogue; declare it there "
            "(and document it in docs/api.md) before emitting or listening to it"
        ) from None
