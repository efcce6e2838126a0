"""What the customer answered about one shipment or one return, for its workspace page:
each question asked, its score on its scale, the customer's own words and when.

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


async def _answers(merchant: Merchant, **about: Any) -> list[Feedback]:
    rows = await SurveyAnswer.filter(merchant_id=merchant.id, **about).order_by("survey_id", "id")
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
