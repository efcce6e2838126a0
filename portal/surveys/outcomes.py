"""What happened to a parcel or a return, and the questions that outcome calls for.

Pure functions: the scheduler feeds them rows, tests feed them tables of cases. The most
serious thing that happened decides the outcome (lost or damaged > exception > failed
attempt > late > smooth), because that is what the customer remembers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from portal.models.surveys import Metric, Outcome

#: Reasons that make a parcel "lost or damaged" whatever its status said.
LOST_OR_DAMAGED_REASONS = frozenset({"lost", "damaged"})


class EventLike(Protocol):
    """What classification needs from a tracking event (a row or a test double)."""

    @property
    def status(self) -> str: ...

    @property
    def reason(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Question:
    """One question: its key (stored in ``Survey.questions``), metric and score range."""

    key: str
    metric: Metric
    low: int
    high: int
    #: Every question takes an optional comment; kept as a field so a page can rely on it.
    comment: bool = True

    def accepts(self, score: int) -> bool:
        return self.low <= score <= self.high


CSAT_DELIVERY = Question("csat_delivery", Metric.CSAT, 1, 5)
NPS = Question("nps", Metric.NPS, 0, 10)
CES_DELIVERY = Question("ces_delivery", Metric.CES, 1, 5)
CES_RETURN = Question("ces_return", Metric.CES, 1, 5)
CSAT_RESOLUTION = Question("csat_resolution", Metric.CSAT, 1, 5)
#: The merchant's own question: a 1–5 scale like CSAT, reported on its own.
CUSTOM = Question("custom", Metric.CUSTOM, 1, 5)

QUESTIONS: dict[str, Question] = {
    q.key: q for q in (CSAT_DELIVERY, NPS, CES_DELIVERY, CES_RETURN, CSAT_RESOLUTION, CUSTOM)
}

_DELIVERY_TROUBLE = (CES_DELIVERY, CSAT_DELIVERY)
_RETURN = (CES_RETURN, CSAT_RESOLUTION)

#: DESIGN.md "Surveys": CES first after trouble; no NPS after trouble (and never after a
#: lost or damaged parcel); returns ask about the return, then the resolution.
QUESTION_SETS: dict[Outcome, tuple[Question, ...]] = {
    Outcome.SMOOTH: (CSAT_DELIVERY, NPS),
    Outcome.LATE: _DELIVERY_TROUBLE,
    Outcome.FAILED_ATTEMPT: _DELIVERY_TROUBLE,
    Outcome.EXCEPTION: _DELIVERY_TROUBLE,
    Outcome.LOST_OR_DAMAGED: _DELIVERY_TROUBLE,
    Outcome.RETURN: _RETURN,
    Outcome.EXCHANGE: _RETURN,
}


def questions_for(outcome: Outcome | str, *, custom: bool = False) -> list[Question]:
    """The questions for ``outcome`` in the order asked; the merchant's own one last."""
    chosen = list(QUESTION_SETS[Outcome(outcome)])
    return [*chosen, CUSTOM] if custom else chosen


def question(key: str) -> Question:
    """The question stored under ``key``; KeyError for a key no survey can hold."""
    return QUESTIONS[key]


def delivered_late(delivered_at: datetime, first_eta: date | None, zone: ZoneInfo) -> bool:
    """Late when the delivery's calendar day in the customer's zone is after the first ETA.

    Without a first ETA nobody promised a day, so nothing was late.
    """
    if first_eta is None:
        return False
    return delivered_at.astimezone(zone).date() > first_eta


def classify_delivery(
    events: Iterable[EventLike],
    *,
    delivered_at: datetime,
    first_eta: date | None,
    zone: ZoneInfo,
    final_reason: str | None = None,
) -> Outcome:
    """The outcome of a delivered parcel from its event history and its first ETA."""
    statuses: set[str] = set()
    reasons: set[str] = {str(final_reason)} if final_reason else set()
    for event in events:
        statuses.add(str(event.status))
        if event.reason:
            reasons.add(str(event.reason))
    if reasons & LOST_OR_DAMAGED_REASONS:
        return Outcome.LOST_OR_DAMAGED
    if "exception" in statuses:
        return Outcome.EXCEPTION
    if "failed_attempt" in statuses:
        return Outcome.FAILED_ATTEMPT
    if delivered_late(delivered_at, first_eta, zone):
        return Outcome.LATE
    return Outcome.SMOOTH


def classify_return(resolutions: Iterable[str]) -> Outcome:
    """An exchange when any item was exchanged, else a return (refund, credit, keep)."""
    return Outcome.EXCHANGE if "exchange" in {str(r) for r in resolutions} else Outcome.RETURN
