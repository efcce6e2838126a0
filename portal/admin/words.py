"""The workspace's words and colours for codes: shipment statuses, reasons, carriers and
attention kinds, so no page shows ``exception`` or ``dhl`` where a person reads.

Every page gets these through :func:`portal.admin.auth.render` (as ``words``); a status is
shown as a badge whose tone (``ok``, ``info``, ``warn``, ``bad``, ``muted``) picks its
colour in admin.css, with the label as its text (colour is never the only signal).
"""

from __future__ import annotations

from carriers.base import Reason, Status
from portal.analytics import labels
from portal.analytics.labels import REASONS
from portal.i18n import _, lazy
from portal.models import AttentionKind, MessageState

STATUS_NAMES: dict[str, str] = {
    Status.PENDING: lazy("Waiting for the carrier"),
    Status.INFO_RECEIVED: lazy("Label created"),
    Status.IN_TRANSIT: lazy("In transit"),
    Status.OUT_FOR_DELIVERY: lazy("Out for delivery"),
    Status.FAILED_ATTEMPT: lazy("Failed delivery attempt"),
    Status.AVAILABLE_FOR_PICKUP: lazy("Ready for pickup"),
    Status.DELIVERED: lazy("Delivered"),
    Status.EXCEPTION: lazy("Exception"),
    Status.RETURNED_TO_SENDER: lazy("Returned to sender"),
    Status.EXPIRED: lazy("No longer tracked"),
}

STATUS_TONES: dict[str, str] = {
    Status.PENDING: "muted",
    Status.INFO_RECEIVED: "muted",
    Status.IN_TRANSIT: "info",
    Status.OUT_FOR_DELIVERY: "info",
    Status.FAILED_ATTEMPT: "warn",
    Status.AVAILABLE_FOR_PICKUP: "info",
    Status.DELIVERED: "ok",
    Status.EXCEPTION: "bad",
    Status.RETURNED_TO_SENDER: "bad",
    Status.EXPIRED: "muted",
}

#: Statuses a merchant should look at: the shipments table marks their rows.
PROBLEM_STATUSES = frozenset({Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNED_TO_SENDER})

ATTENTION_NAMES: dict[str, str] = {
    AttentionKind.LATE: lazy("Late"),
    AttentionKind.STUCK: lazy("No news from the carrier"),
    AttentionKind.EXCEPTION: lazy("Exception"),
    AttentionKind.FAILED_ATTEMPT: lazy("Failed delivery attempt"),
    AttentionKind.RETURNED_TO_SENDER: lazy("Returned to sender"),
    AttentionKind.UNHAPPY_ANSWER: lazy("Unhappy survey answer"),
    AttentionKind.CLAIM: lazy("Claim"),
}

ATTENTION_TONES: dict[str, str] = {
    AttentionKind.LATE: "warn",
    AttentionKind.STUCK: "warn",
    AttentionKind.EXCEPTION: "bad",
    AttentionKind.FAILED_ATTEMPT: "warn",
    AttentionKind.RETURNED_TO_SENDER: "bad",
    AttentionKind.UNHAPPY_ANSWER: "bad",
    AttentionKind.CLAIM: "bad",
}

_NOT_COLLECTED = lazy("Not collected")


def status(code: str | None) -> str:
    """A shipment status in the reader's language (an unknown code as it is)."""
    if not code:
        return "—"
    found = STATUS_NAMES.get(str(code))
    return _(found) if found else str(code)


def tone(code: str | None) -> str:
    return STATUS_TONES.get(str(code or ""), "muted")


def is_problem(code: str | None) -> bool:
    return str(code or "") in PROBLEM_STATUSES


def reason(code: str | None) -> str:
    """Why a parcel is in trouble, in words; empty when there is no reason."""
    if not code:
        return ""
    if code == Reason.NOT_COLLECTED:
        return _(_NOT_COLLECTED)
    found = REASONS.get(str(code))
    return _(found) if found else str(code)


def carrier(key: str | None) -> str:
    """The carrier's own display name (the key when its adapter is not loaded)."""
    return labels.carrier(key) if key else "—"


def attention(kind: str) -> str:
    found = ATTENTION_NAMES.get(str(kind))
    return _(found) if found else str(kind)


def attention_tone(kind: str) -> str:
    return ATTENTION_TONES.get(str(kind), "warn")


MESSAGE_STATES: dict[str, str] = {
    MessageState.PENDING: lazy("Waiting to be sent"),
    MessageState.SENDING: lazy("Sending"),
    MessageState.SENT: lazy("Sent"),
    MessageState.DELIVERED: lazy("Delivered"),
    MessageState.FAILED: lazy("Failed"),
    MessageState.CANCELLED: lazy("Cancelled"),
}

MESSAGE_STATE_TONES: dict[str, str] = {
    MessageState.PENDING: "muted",
    MessageState.SENDING: "info",
    MessageState.SENT: "ok",
    MessageState.DELIVERED: "ok",
    MessageState.FAILED: "bad",
    MessageState.CANCELLED: "muted",
}

CHANNELS: dict[str, str] = labels.CHANNELS


def message_state(code: str) -> str:
    found = MESSAGE_STATES.get(str(code))
    return _(found) if found else str(code)


def message_tone(code: str) -> str:
    return MESSAGE_STATE_TONES.get(str(code), "muted")


def channel(code: str) -> str:
    found = CHANNELS.get(str(code))
    return _(found) if found else str(code)
