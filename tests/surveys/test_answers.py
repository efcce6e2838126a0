"""Answers through the survey link: opened once, saved as given, single use when done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from portal.models import DomainEvent, Outcome, Survey, SurveyAnswer
from portal.settings import Settings
from portal.surveys.answers import (
    EDIT_GRACE,
    AnswerError,
    OpenState,
    accepts_changes,
    editable_until,
    needs_follow_up,
    open_survey,
    record_answer,
    wants_follow_up,
)
from portal.surveys.scheduling import create_survey, new_token, survey_return
from tests import factories
from tests.surveys.helpers import NOW, delivered, resolved_return


async def _survey(outcome: Outcome = Outcome.SMOOTH, **parcel: object) -> tuple[Survey, str]:
    """A survey whose token we know (the scheduler only ever puts it in the message)."""
    p = await delivered(**parcel)  # type: ignore[arg-type]
    token, digest = new_token()
    survey = await Survey.create(
        merchant=p.merchant,
        customer=p.customer,
        shipment=p.shipment,
        outcome=outcome,
        questions=["csat_delivery", "nps"] if outcome == Outcome.SMOOTH else ["ces_delivery"],
        token_hash=digest,
        expires_at=NOW + timedelta(days=30),
    )
    return survey, token


async def test_a_link_opens_its_survey_and_records_the_first_opening(db: str) -> None:
    survey, token = await _survey()
    opened = await open_survey(token, now=NOW)
    assert opened.state == OpenState.OPEN
    assert opened.survey is not None and opened.survey.id == survey.id
    assert [q.key for q in opened.questions] == ["csat_delivery", "nps"]
    assert opened.answers == {}
    await open_survey(token, now=NOW + timedelta(hours=1))
    assert (await Survey.get(id=survey.id)).opened_at == NOW


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
async def test_an_unknown_link_opens_nothing(db: str, token: str) -> None:
    await _survey()
    assert (await open_survey(token, now=NOW)).state == OpenState.UNKNOWN


async def test_an_expired_link_does_not_open(db: str) -> None:
    _, token = await _survey()
    assert (await open_survey(token, now=NOW + timedelta(days=30))).state == OpenState.EXPIRED


async def test_a_completed_survey_takes_changes_for_a_short_grace_then_only_thanks(
    db: str,
) -> None:
    survey, token = await _survey()
    await record_answer(survey, "csat_delivery", 5, now=NOW, settings=factories.app_settings())
    done = await record_answer(survey, "nps", 10, now=NOW, settings=factories.app_settings())
    assert done.completed
    assert (await Survey.get(id=survey.id)).completed_at == NOW
    in_grace = NOW + EDIT_GRACE - timedelta(seconds=1)
    opened = await open_survey(token, now=in_grace)
    assert opened.state == OpenState.OPEN and opened.completed
    assert editable_until(opened.survey) == NOW + EDIT_GRACE  # type: ignore[arg-type]
    late_comment = await record_answer(
        survey, "nps", None, "Great", now=in_grace, settings=factories.app_settings()
    )
    assert not late_comment.completed  # completion is counted once
    assert (await Survey.get(id=survey.id)).completed_at == NOW
    closed = await open_survey(token, now=NOW + EDIT_GRACE)
    assert closed.state == OpenState.COMPLETED
    assert set(closed.answers) == {"csat_delivery", "nps"}
    with pytest.raises(AnswerError):
        await record_answer(
            survey, "nps", 3, now=NOW + EDIT_GRACE, settings=factories.app_settings()
        )
    assert (await SurveyAnswer.get(survey_id=survey.id, question="nps")).score == 10


async def test_a_survey_in_progress_is_not_editable_until_anything(db: str) -> None:
    survey, _ = await _survey()
    assert editable_until(survey) is None
    assert accepts_changes(survey, NOW)
    assert not accepts_changes(survey, NOW + timedelta(days=30))


async def test_follow_up_is_wanted_for_any_detractor_answer(db: str) -> None:
    survey, token = await _survey()
    await record_answer(survey, "csat_delivery", 5, now=NOW, settings=factories.app_settings())
    opened = await open_survey(token, now=NOW)
    assert not wants_follow_up(opened.questions, opened.answers)
    await record_answer(survey, "nps", 4, now=NOW, settings=factories.app_settings())
    opened = await open_survey(token, now=NOW)
    assert wants_follow_up(opened.questions, opened.answers)


async def test_each_answer_is_saved_as_given_and_a_second_replaces_it(db: str) -> None:
    survey, token = await _survey(carrier_key="dhl")
    first = await record_answer(
        survey, "csat_delivery", 2, "Box was wet", now=NOW, settings=factories.app_settings()
    )
    assert not first.completed
    await record_answer(
        survey,
        "csat_delivery",
        4,
        now=NOW + timedelta(seconds=5),
        settings=factories.app_settings(),
    )
    answer = await SurveyAnswer.get(survey_id=survey.id, question="csat_delivery")
    assert answer.score == 4
    assert answer.comment == "Box was wet"
    assert answer.carrier_key == "dhl"
    assert answer.outcome == Outcome.SMOOTH
    assert answer.metric == "csat"
    assert await SurveyAnswer.filter(survey_id=survey.id).count() == 1
    assert set((await open_survey(token, now=NOW)).answers) == {"csat_delivery"}


async def test_a_comment_can_follow_its_score(db: str) -> None:
    survey, _ = await _survey()
    with pytest.raises(AnswerError):
        await record_answer(
            survey, "nps", None, "no score yet", now=NOW, settings=factories.app_settings()
        )
    await record_answer(survey, "nps", 7, now=NOW, settings=factories.app_settings())
    await record_answer(survey, "nps", None, "Fine", now=NOW, settings=factories.app_settings())
    answer = await SurveyAnswer.get(survey_id=survey.id, question="nps")
    assert (answer.score, answer.comment) == (7, "Fine")


@pytest.mark.parametrize(
    ("question", "score"),
    [("csat_delivery", 0), ("csat_delivery", 6), ("nps", -1), ("nps", 11), ("nps", True)],
)
async def test_scores_outside_the_questions_scale_are_refused(
    db: str, question: str, score: int
) -> None:
    survey, _ = await _survey()
    with pytest.raises(AnswerError):
        await record_answer(survey, question, score, now=NOW, settings=factories.app_settings())
    assert await SurveyAnswer.all().count() == 0


async def test_a_question_the_survey_does_not_ask_is_refused(db: str) -> None:
    survey, _ = await _survey()
    with pytest.raises(AnswerError):
        await record_answer(survey, "ces_return", 3, now=NOW, settings=factories.app_settings())


async def test_an_expired_survey_takes_no_answers(db: str) -> None:
    survey, _ = await _survey()
    with pytest.raises(AnswerError):
        await record_answer(
            survey, "nps", 9, now=NOW + timedelta(days=31), settings=factories.app_settings()
        )


@pytest.mark.parametrize(
    ("metric", "score", "flag"),
    [
        ("nps", 6, True),
        ("nps", 0, True),
        ("nps", 7, False),
        ("nps", 10, False),
        ("ces", 2, True),
        ("ces", 3, False),
        ("csat", 1, False),
        ("custom", 1, False),
    ],
)
def test_detractors_and_hard_experiences_are_flagged(metric: str, score: int, flag: bool) -> None:
    assert needs_follow_up(metric, score) is flag


async def test_an_answer_emits_an_event_with_its_follow_up_flag(db: str) -> None:
    survey, _ = await _survey(Outcome.LATE)
    recorded = await record_answer(
        survey, "ces_delivery", 1, "Had to call twice", now=NOW, settings=factories.app_settings()
    )
    assert recorded.follow_up and recorded.completed
    event = await DomainEvent.get(kind="survey.answered", subject_id=survey.id)
    assert event.subject_type == "survey"
    assert event.payload["follow_up"] is True
    assert event.payload["completed"] is True
    assert event.payload["metric"] == "ces"
    assert event.payload["score"] == 1


async def test_return_answers_carry_the_return_carrier_and_reason(
    db: str, settings: Settings
) -> None:
    parcel = await delivered(carrier_key="ups", delivered_at=NOW - timedelta(hours=1))
    request = await resolved_return(parcel, reason_code="too_small", return_carrier="dhl")
    async with in_transaction() as conn:
        survey = await survey_return(settings, request.id, now=NOW, conn=conn)
    assert survey is not None
    await record_answer(survey, "ces_return", 5, now=NOW, settings=settings)
    answer = await SurveyAnswer.get(survey_id=survey.id)
    assert (answer.carrier_key, answer.return_reason, answer.outcome) == (
        "dhl",
        "too_small",
        Outcome.RETURN,
    )


async def test_a_survey_made_by_the_scheduler_records_answers(db: str, settings: Settings) -> None:
    parcel = await delivered()
    async with in_transaction() as conn:
        survey = await create_survey(
            settings,
            merchant=parcel.merchant,
            customer=parcel.customer,
            order=parcel.order,
            outcome=Outcome.SMOOTH,
            now=NOW,
            conn=conn,
            shipment=parcel.shipment,
        )
    assert survey is not None
    recorded = await record_answer(survey, "nps", 3, now=NOW, settings=settings)
    assert recorded.follow_up and not recorded.completed
