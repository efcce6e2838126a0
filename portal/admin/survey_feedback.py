"""What customers answered in surveys, for the workspace: on a shipment's or a return's
page each question asked, its score on its scale, the customer's own words and when; on
the Satisfaction analytics, every comment of the period, newest first, a page at a time.

Analytics count scores (``/admin/analytics/satisfaction``) but cannot show what a customer
wrote; the shipment's and the return's pages can, beside the parcel or return it is
about. A parcel and a return are each surveyed at most once (docs/surveys.md), so a page
has a handful of answers and needs no pages of its own. Every query is scoped to the
signed-in merchant as the page itself is; the comment is the customer's text, escaped by
the template like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from portal.analytics.sql import Filters
from portal.i18n import current_locale
from portal.models import Merchant, SurveyAnswer
from portal.surveys import outcomes, wording


@dataclass(frozen=True, slots=True)
class Feedback:
    """One answered question."""

    question: str
    #: The score given and the top of its scale (``None``: only a comment so far).
    score: int | None
    high: int
    comment: str
    answered_at: datetime


#: Comments on one page of the Satisfaction analytics.
COMMENTS_PAGE = 20


@dataclass(frozen=True, slots=True)
class Comment:
    """One answer with a comment, and what it is about (a parcel or a return)."""

    id: int
    feedback: Feedback
    shipment_id: int | None
    return_id: int | None


async def _answers(merchant: Merchant, **about: Any) -> list[Feedback]:
    rows = await SurveyAnswer.filter(merchant_id=merchant.id, **about).order_by("survey_id", "id")
    return _feedback(merchant, rows)


def _feedback(merchant: Merchant, rows: list[SurveyAnswer]) -> list[Feedback]:
    config = wording.survey_config(merchant)
    found = []
    for row in rows:
        try:
            asked = outcomes.question(row.question)
        except KeyError:  # a question no survey asks any more: shown by its key
            text, high = row.question, 5
        else:
            text = wording.question_text(asked.key, current_locale(), config, merchant.name)
            high = asked.high
        found.append(
            Feedback(
                text or row.question, row.score, high, (row.comment or "").strip(), row.answered_at
            )
        )
    return found


async def for_shipment(merchant: Merchant, shipment_id: int) -> list[Feedback]:
    """The answers to the survey about the merchant's parcel ``shipment_id``."""
    return await _answers(merchant, survey__shipment_id=shipment_id)


async def for_return(merchant: Merchant, return_id: int) -> list[Feedback]:
    """The answers to the survey about the merchant's return ``return_id``."""
    return await _answers(merchant, survey__return_request_id=return_id)


async def comments(
    merchant: Merchant, filters: Filters, before: int | None = None
) -> tuple[list[Comment], int | None]:
    """The merchant's answers with a comment in the period (and of the carrier, when the
    filters name one), newest first, :data:`COMMENTS_PAGE` at a time from below answer id
    ``before``; and the ``before`` of the next page, ``None`` on the last.

    Newest is by when the answer was written (``answered_at``), ties by id, the order of
    the partial index ``survey_answer_comments`` (migration 0037), which PostgreSQL walks
    backwards for twenty rows whatever the period. Ordered by id alone it had to pass
    every newer answer of the shop before reaching a period long ago. The next page
    starts below ``before``'s (time, id); an id that is not one of the shop's answers
    starts from the newest."""
    query = (
        SurveyAnswer.filter(
            merchant_id=merchant.id,
            answered_at__gte=filters.start,
            answered_at__lt=filters.end,
            comment__not_isnull=True,
        )
        .exclude(comment="")
        .select_related("survey")
    )
    if filters.carrier_key:
        query = query.filter(carrier_key=filters.carrier_key)
    if before is not None:
        last = await SurveyAnswer.get_or_none(id=before, merchant_id=merchant.id).only(
            "id", "answered_at"
        )
        if last is not None:
            query = query.filter(
                Q(answered_at__lt=last.answered_at)
                | Q(answered_at=last.answered_at, id__lt=before),
                answered_at__lte=last.answered_at,  # the bound the index range scan uses
            )
    rows = await query.order_by("-answered_at", "-id").limit(COMMENTS_PAGE + 1)
    shown = rows[:COMMENTS_PAGE]
    found = [
        Comment(row.id, feedback, row.survey.shipment_id, row.survey.return_request_id)
        for row, feedback in zip(shown, _feedback(merchant, shown), strict=True)
    ]
    return found, shown[-1].id if len(rows) > COMMENTS_PAGE else None
