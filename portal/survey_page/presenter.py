"""What the survey page shows: each question in the customer's language with its scale,
the answers given so far, and the support contact to offer after a poor experience.

Pure apart from the current locale (labels go through gettext at call time), so a page,
its htmx fragments and the tests build the same views from one :func:`present`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

from portal.i18n import _, lazy
from portal.models import Metric, Survey, SurveyAnswer
from portal.surveys.answers import editable_until, wants_follow_up
from portal.surveys.outcomes import Question
from portal.surveys.wording import SupportContact, SurveyConfig, question_text

#: The words at both ends of each scale, lowest first.
SCALE_ENDS: dict[Metric, tuple[str, str]] = {
    Metric.CSAT: (lazy("Very dissatisfied"), lazy("Very satisfied")),
    Metric.NPS: (lazy("Very unlikely"), lazy("Very likely")),
    Metric.CES: (lazy("Very difficult"), lazy("Very easy")),
    Metric.CUSTOM: (lazy("Not at all"), lazy("Completely")),
}
#: Longest comment kept (the textarea says so too).
COMMENT_MAX = 2000
_PHONE_CHARS = re.compile(r"[^0-9+]")


@dataclass(frozen=True, slots=True)
class Choice:
    score: int
    #: The button's accessible name, e.g. "7 out of 10".
    label: str
    pressed: bool


@dataclass(frozen=True, slots=True)
class QuestionView:
    key: str
    number: int
    count: int
    text: str
    low: int
    high: int
    low_label: str
    high_label: str
    choices: tuple[Choice, ...]
    chosen: int | None
    comment: str

    @property
    def anchor(self) -> str:
        return f"q-{self.key}"


@dataclass(frozen=True, slots=True)
class SupportView:
    email: str
    phone: str
    #: ``tel:`` target: digits and a leading + only.
    phone_link: str
    url: str


@dataclass(frozen=True, slots=True)
class SurveyView:
    questions: tuple[QuestionView, ...]
    answered: int
    completed: bool
    #: Minutes left to change answers after completion (None while in progress).
    minutes_left: int | None
    #: The support contact to offer (None when no answer calls for it or none is set).
    support: SupportView | None


def support_view(contact: SupportContact) -> SupportView | None:
    """The contact as the page can show it; a URL that is not http(s) is left out."""
    url = contact.url if contact.url.lower().startswith(("https://", "http://")) else ""
    phone_link = _PHONE_CHARS.sub("", contact.phone)
    view = SupportView(contact.email, contact.phone if phone_link else "", phone_link, url)
    return view if (view.email or view.phone or view.url) else None


def question_view(
    asked: Question,
    number: int,
    count: int,
    answer: SurveyAnswer | None,
    *,
    text: str,
) -> QuestionView:
    low_label, high_label = SCALE_ENDS[asked.metric]
    chosen = answer.score if answer is not None else None
    choices = tuple(
        Choice(
            score,
            _("%(score)d out of %(high)d") % {"score": score, "high": asked.high},
            score == chosen,
        )
        for score in range(asked.low, asked.high + 1)
    )
    return QuestionView(
        key=asked.key,
        number=number,
        count=count,
        text=text,
        low=asked.low,
        high=asked.high,
        low_label=_(low_label),
        high_label=_(high_label),
        choices=choices,
        chosen=chosen,
        comment=(answer.comment or "") if answer is not None else "",
    )


def text_of(key: str, locale: str, config: SurveyConfig, merchant_name: str) -> str:
    """The question's words; a custom question whose text was since removed still reads."""
    text = question_text(key, locale, config, merchant_name)
    return text or _("How would you rate your experience with %(shop)s?") % {"shop": merchant_name}


def present(
    survey: Survey,
    questions: Sequence[Question],
    answers: Mapping[str, SurveyAnswer],
    *,
    locale: str,
    config: SurveyConfig,
    merchant: Any,
    contact: SupportContact,
    now: datetime,
) -> SurveyView:
    count = len(questions)
    views = tuple(
        question_view(
            asked,
            number,
            count,
            answers.get(asked.key),
            text=text_of(asked.key, locale, config, merchant.name),
        )
        for number, asked in enumerate(questions, start=1)
    )
    until = editable_until(survey)
    minutes_left = None
    if until is not None:
        minutes_left = max(1, ceil((until - now).total_seconds() / 60))
    follow_up = wants_follow_up(questions, answers)
    return SurveyView(
        questions=views,
        answered=sum(1 for q in views if q.chosen is not None),
        completed=survey.completed_at is not None,
        minutes_left=minutes_left,
        support=support_view(contact) if follow_up else None,
    )
