"""Taking a customer's answers through the survey link.

The link's token is looked up by its SHA-256. Each answer is saved as it is given (upsert
on survey + question), carries the carrier, outcome and return reason so analytics need no
joins, and completes the survey when the last question has a score.

Single use: while a survey is in progress its answers can be changed freely. The answer
that completes it stamps ``completed_at`` (once; analytics and the ``completed`` flag of
the event count that moment), and the link then stays open for :data:`EDIT_GRACE` only, so
that the customer can still add a comment to the last question or correct a slip of the
finger. After that the link takes nothing more and only shows the thanks. A link also
closes when it expires, whatever state the survey is in.

A detractor (NPS 0–6) or a hard experience (CES 1–2) is flagged so the page can offer,
and the ``survey.answered`` event can route, a follow-up by the merchant's support contact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import events
from portal.event_catalogue import SURVEY_ANSWERED, SurveyAnswered
from portal.models import Metric, ReturnItem, Shipment, Survey, SurveyAnswer
from portal.settings import Settings
from portal.surveys import short_link
from portal.surveys.outcomes import Question, question
from portal.surveys.scheduling import hash_token

#: NPS at or below this is a detractor; CES at or below this is a hard experience.
DETRACTOR_MAX = 6
LOW_CES_MAX = 2
#: How long a completed survey's link still takes changes and comments.
EDIT_GRACE = timedelta(minutes=30)


class OpenState(StrEnum):
    OPEN = "open"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    COMPLETED = "completed"


class AnswerError(ValueError):
    """An answer that cannot be taken (unknown question, score out of range, closed)."""


@dataclass(frozen=True, slots=True)
class Opened:
    """What the survey page needs: the state, and when open the questions and answers."""

    state: OpenState
    survey: Survey | None = None
    questions: list[Question] = field(default_factory=list)
    answers: dict[str, SurveyAnswer] = field(default_factory=dict)

    @property
    def completed(self) -> bool:
        """Every question answered (the page thanks; changes are taken in the grace)."""
        return self.survey is not None and self.survey.completed_at is not None


@dataclass(frozen=True, slots=True)
class Recorded:
    answer: SurveyAnswer
    #: True for the answer that completed the survey.
    completed: bool
    #: Offer (and route) a follow-up by the merchant's support contact.
    follow_up: bool


def needs_follow_up(metric: Metric | str, score: int | None) -> bool:
    if score is None:
        return False
    if metric == Metric.NPS:
        return score <= DETRACTOR_MAX
    if metric == Metric.CES:
        return score <= LOW_CES_MAX
    return False


def wants_follow_up(questions: Iterable[Question], answers: Mapping[str, SurveyAnswer]) -> bool:
    """Any answer of a detractor or of a hard experience among the survey's answers."""
    return any(
        q.key in answers and needs_follow_up(q.metric, answers[q.key].score) for q in questions
    )


def accepts_changes(survey: Survey, now: datetime) -> bool:
    """Open for answers: not expired, and not completed longer than the grace ago."""
    if survey.expires_at <= now:
        return False
    return survey.completed_at is None or now < survey.completed_at + EDIT_GRACE


def editable_until(survey: Survey) -> datetime | None:
    """When a completed survey stops taking changes (None while in progress)."""
    if survey.completed_at is None:
        return None
    return min(survey.completed_at + EDIT_GRACE, survey.expires_at)


async def find_survey(token: str, settings: Settings | None = None) -> Survey | None:
    """The survey a link's token names: the random token's (by its SHA-256), or with
    ``settings`` also a text message's short one (:mod:`portal.surveys.short_link`)."""
    if not token:
        return None
    survey_id = short_link.read(settings, token) if settings is not None else None
    if survey_id is not None:
        return await Survey.filter(id=survey_id).first()
    return await Survey.filter(token_hash=hash_token(token)).first()


async def open_survey(
    token: str, *, now: datetime | None = None, settings: Settings | None = None
) -> Opened:
    """Find the survey behind a link (:func:`find_survey`); record the first opening.

    OPEN also covers a survey completed within :data:`EDIT_GRACE` (``Opened.completed``);
    COMPLETED is one whose grace is over. Answers come with COMPLETED too (for the thanks).
    """
    now = now or datetime.now(UTC)
    survey = await find_survey(token, settings)
    if survey is None:
        return Opened(OpenState.UNKNOWN)
    asked = [question(k) for k in survey.questions]
    if survey.completed_at is not None and not accepts_changes(survey, now):
        answers = {a.question: a for a in await SurveyAnswer.filter(survey_id=survey.id)}
        return Opened(OpenState.COMPLETED, survey, asked, answers)
    if survey.expires_at <= now:
        return Opened(OpenState.EXPIRED, survey)
    if survey.opened_at is None:
        await Survey.filter(id=survey.id, opened_at__isnull=True).update(opened_at=now)
        survey.opened_at = now
    answers = {a.question: a for a in await SurveyAnswer.filter(survey_id=survey.id)}
    return Opened(OpenState.OPEN, survey, asked, answers)


async def _analytics_copy(survey: Survey) -> dict[str, Any]:
    """Carrier and return reason for the answer row (outcome comes from the survey)."""
    carrier_key: str | None = None
    return_reason: str | None = None
    if survey.shipment_id is not None:
        keys = await Shipment.filter(id=survey.shipment_id).values_list("carrier_key", flat=True)
        carrier_key = str(keys[0]) if keys else None
    if survey.return_request_id is not None:
        rows = await Shipment.filter(return_requests__id=survey.return_request_id).values_list(
            "carrier_key", flat=True
        )
        carrier_key = str(rows[0]) if rows else carrier_key
        reasons = (
            await ReturnItem.filter(
                return_request_id=survey.return_request_id, reason_id__not_isnull=True
            )
            .order_by("id")
            .values_list("reason__code", flat=True)
        )
        return_reason = str(reasons[0]) if reasons else None
    return {"carrier_key": carrier_key, "return_reason": return_reason}


async def _upsert(
    survey: Survey, asked: Question, score: int | None, comment: str | None, now: datetime
) -> SurveyAnswer:
    changes: dict[str, object] = {"answered_at": now}
    if score is not None:
        changes["score"] = score
    if comment is not None:
        changes["comment"] = comment.strip() or None
    for _ in range(2):
        if await SurveyAnswer.filter(survey_id=survey.id, question=asked.key).update(**changes):
            return await SurveyAnswer.get(survey_id=survey.id, question=asked.key)
        if score is None:
            raise AnswerError("a comment needs the question's score first")
        try:
            return await SurveyAnswer.create(
                merchant_id=survey.merchant_id,
                survey_id=survey.id,
                question=asked.key,
                metric=asked.metric,
                score=score,
                comment=changes.get("comment"),
                outcome=survey.outcome,
                answered_at=now,
                **await _analytics_copy(survey),
            )
        except IntegrityError:
            continue  # the same answer arrived twice at once: update the winner's row
    raise AnswerError("the answer could not be saved")


async def record_answer(
    survey: Survey,
    question_key: str,
    score: int | None,
    comment: str | None = None,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> Recorded:
    """Save one answer as given (a later answer to the same question replaces it).

    ``score`` None keeps the score already given and only sets the comment.
    """
    now = now or datetime.now(UTC)
    if question_key not in survey.questions:
        raise AnswerError(f"this survey does not ask {question_key!r}")
    asked = question(question_key)
    if score is not None and (isinstance(score, bool) or not asked.accepts(score)):
        raise AnswerError(f"{question_key} takes {asked.low}–{asked.high}")
    current = await Survey.get(id=survey.id)
    if not accepts_changes(current, now):
        raise AnswerError("this survey is closed")
    answer = await _upsert(survey, asked, score, comment, now)
    follow_up = needs_follow_up(asked.metric, answer.score)
    async with in_transaction() as conn:
        scored = (
            await SurveyAnswer.filter(survey_id=survey.id, score__not_isnull=True)
            .using_db(conn)
            .values_list("question", flat=True)
        )
        completed = False
        if set(survey.questions) <= {str(q) for q in scored}:
            completed = (
                await Survey.filter(id=survey.id, completed_at__isnull=True)
                .using_db(conn)
                .update(completed_at=now)
                == 1
            )
            if completed:
                survey.completed_at = now
        await events.emit(
            merchant_id=survey.merchant_id,
            kind=SURVEY_ANSWERED,
            subject_type="survey",
            subject_id=survey.id,
            payload=SurveyAnswered(
                question=asked.key,
                metric=asked.metric.value,
                score=answer.score,
                has_comment=bool(answer.comment),
                outcome=str(survey.outcome),
                carrier_key=answer.carrier_key,
                return_reason=answer.return_reason,
                follow_up=follow_up,
                completed=completed,
            ),
            using_db=conn,
            settings=settings,
            occurred_at=now,
        )
    return Recorded(answer, completed, follow_up)
