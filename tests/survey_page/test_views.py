"""The customer's survey page: opened from its link, one tap per question, thanks at the end."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from portal.models import Outcome, Survey, SurveyAnswer
from portal.surveys.answers import EDIT_GRACE
from portal.surveys.scheduling import new_token
from portal.surveys.wording import QUESTION_TEXT
from tests import factories
from tests.survey_page.helpers import csrf, survey, tap


def _private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


def _pressed(html: str) -> list[str]:
    return re.findall(r'value="(\d+)" id="[^"]+"\s+class="score" aria-pressed="true"', html)


# --- opening the link ---------------------------------------------------------------------


async def test_a_link_opens_its_survey_without_signing_in(web: httpx.AsyncClient) -> None:
    made, token = await survey(name="Green Grocer", branding={"primary_color": "#225522"})
    response = await web.get(f"/s/{token}")
    assert response.status_code == 200
    assert response.template.name == "surveys/page.html"  # type: ignore[attr-defined]
    _private(response)
    assert "Green Grocer" in response.text
    assert "/brand/shop-" in response.text  # the merchant's colours
    assert (await Survey.get(id=made.id)).opened_at is not None


@pytest.mark.parametrize("token", ["nope", new_token()[0], "x" * 300])
async def test_an_unknown_or_forged_link_is_a_plain_404(web: httpx.AsyncClient, token: str) -> None:
    _, real = await survey()
    response = await web.get(f"/s/{token}")
    assert response.status_code == 404
    assert response.template.name == "surveys/closed.html"  # type: ignore[attr-defined]
    assert response.context["state"] == "unknown"  # type: ignore[attr-defined]
    assert "We could not find this survey" in response.text
    _private(response)
    answered = await tap(web, token, "nps", 9, csrf_token=await csrf(web, real))
    assert answered.status_code == 404
    assert await SurveyAnswer.all().count() == 0


async def test_an_expired_link_is_gone(web: httpx.AsyncClient) -> None:
    shop = await factories.merchant()
    _, real = await survey(shop)
    made, token = await survey(shop, expires_in=timedelta(seconds=-1))
    response = await web.get(f"/s/{token}")
    assert response.status_code == 410
    assert response.context["state"] == "expired"  # type: ignore[attr-defined]
    assert "This survey has closed" in response.text
    _private(response)
    answered = await tap(web, token, "nps", 9, csrf_token=await csrf(web, real))
    assert answered.status_code == 410
    assert not await SurveyAnswer.filter(survey_id=made.id).exists()


async def test_a_completed_link_thanks_and_takes_no_more_answers(web: httpx.AsyncClient) -> None:
    shop = await factories.merchant(branding={"support_email": "help@shop.test"})
    _, open_token = await survey(shop)
    made, token = await survey(shop, completed_ago=EDIT_GRACE + timedelta(minutes=1))
    await SurveyAnswer.create(
        merchant=shop, survey=made, question="nps", metric="nps", score=2,
        outcome=Outcome.SMOOTH, answered_at=made.completed_at,
    )  # fmt: skip
    response = await web.get(f"/s/{token}")
    assert response.status_code == 200
    assert response.context["state"] == "completed"  # type: ignore[attr-defined]
    assert "You have already answered this survey" in response.text
    assert 'href="mailto:help@shop.test"' in response.text  # the detractor still gets help
    _private(response)
    posted = await tap(web, token, "nps", 9, csrf_token=await csrf(web, open_token))
    assert posted.status_code == 409
    assert posted.headers["hx-refresh"] == "true"
    assert (await SurveyAnswer.get(survey_id=made.id)).score == 2


# --- questions and scales -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (Outcome.SMOOTH, [("csat_delivery", 1, 5), ("nps", 0, 10)]),
        (Outcome.LATE, [("ces_delivery", 1, 5), ("csat_delivery", 1, 5)]),
        (Outcome.FAILED_ATTEMPT, [("ces_delivery", 1, 5), ("csat_delivery", 1, 5)]),
        (Outcome.EXCEPTION, [("ces_delivery", 1, 5), ("csat_delivery", 1, 5)]),
        (Outcome.LOST_OR_DAMAGED, [("ces_delivery", 1, 5), ("csat_delivery", 1, 5)]),
        (Outcome.RETURN, [("ces_return", 1, 5), ("csat_resolution", 1, 5)]),
        (Outcome.EXCHANGE, [("ces_return", 1, 5), ("csat_resolution", 1, 5)]),
    ],
)
async def test_each_outcome_shows_its_questions_on_their_scales(
    web: httpx.AsyncClient, outcome: Outcome, expected: list[tuple[str, int, int]]
) -> None:
    _, token = await survey(outcome=outcome)
    response = await web.get(f"/s/{token}")
    shown = response.context["survey"].questions  # type: ignore[attr-defined]
    assert [(q.key, q.low, q.high) for q in shown] == expected
    for key, low, high in expected:
        buttons = re.findall(
            rf'<button type="submit" name="score" value="(\d+)" id="q-{key}-', response.text
        )
        assert buttons == [str(n) for n in range(low, high + 1)]
        assert f'aria-label="{high} out of {high}"' in response.text
        assert QUESTION_TEXT["en"][key].replace("{merchant}", "")[:20] in response.text
    assert 'aria-pressed="true"' not in response.text


async def test_every_scale_is_labelled_at_both_ends(web: httpx.AsyncClient) -> None:
    _, token = await survey(outcome=Outcome.SMOOTH)
    text = (await web.get(f"/s/{token}")).text
    assert "0 = Very unlikely" in text and "10 = Very likely" in text
    assert "1 = Very dissatisfied" in text and "5 = Very satisfied" in text
    assert 'aria-label="7 out of 10"' in text
    _, late = await survey(outcome=Outcome.LATE)
    text = (await web.get(f"/s/{late}")).text
    assert "1 = Very difficult" in text and "5 = Very easy" in text


# --- answering ----------------------------------------------------------------------------


async def test_a_tap_saves_the_answer_and_returns_the_question(web: httpx.AsyncClient) -> None:
    made, token = await survey()
    response = await tap(web, token, "nps", 7)
    assert response.status_code == 200
    assert response.template.name == "surveys/_question.html"  # type: ignore[attr-defined]
    _private(response)
    assert _pressed(response.text) == ["7"]
    assert 'id="survey-status" hx-swap-oob="innerHTML"' in response.text
    assert "1 of 2 questions answered." in response.text
    answer = await SurveyAnswer.get(survey_id=made.id, question="nps")
    assert (answer.score, answer.metric) == (7, "nps")


async def test_a_change_of_mind_updates_the_one_answer(web: httpx.AsyncClient) -> None:
    made, token = await survey()
    await tap(web, token, "csat_delivery", 2)
    response = await tap(web, token, "csat_delivery", 4)
    assert _pressed(response.text) == ["4"]
    assert await SurveyAnswer.filter(survey_id=made.id).count() == 1
    assert (await SurveyAnswer.get(survey_id=made.id)).score == 4


async def test_a_comment_is_saved_with_its_answer(web: httpx.AsyncClient) -> None:
    made, token = await survey()
    refused = await tap(web, token, "nps", comment="before a score")
    assert refused.status_code == 400
    assert "Choose a score first." in refused.text
    await tap(web, token, "nps", 8)
    response = await tap(web, token, "nps", comment="  The courier was kind.  ")
    assert response.status_code == 200
    assert "The courier was kind." in response.text
    answer = await SurveyAnswer.get(survey_id=made.id, question="nps")
    assert (answer.score, answer.comment) == (8, "The courier was kind.")


@pytest.mark.parametrize(
    ("question", "score", "comment"),
    [
        ("ces_return", "3", None),  # another survey's question
        ("custom", "3", None),
        ("nps", "11", None),
        ("nps", "-1", None),
        ("csat_delivery", "0", None),
        ("csat_delivery", "6", None),
        ("csat_delivery", "four", None),
        ("csat_delivery", "", None),
        ("csat_delivery", "3", "x" * 2001),
    ],
)
async def test_bad_answers_are_refused_and_change_nothing(
    web: httpx.AsyncClient, question: str, score: str, comment: str | None
) -> None:
    made, token = await survey()
    response = await tap(web, token, question, score, comment=comment)
    assert response.status_code == 400
    _private(response)
    assert not await SurveyAnswer.filter(survey_id=made.id).exists()


async def test_the_last_answer_thanks_the_customer(web: httpx.AsyncClient) -> None:
    made, token = await survey()
    await tap(web, token, "csat_delivery", 5)
    response = await tap(web, token, "nps", 10)
    assert "Thank you!" in response.text
    assert "would like to help" not in response.text
    assert (await Survey.get(id=made.id)).completed_at is not None
    page = await web.get(f"/s/{token}")
    assert page.template.name == "surveys/page.html"  # type: ignore[attr-defined]
    assert 'id="thanks"' in page.text
    assert "You can still change an answer or add a comment for 30 minutes." in page.text
    late = await tap(web, token, "nps", comment="Fast, thanks")
    assert late.status_code == 200  # a comment on the last question fits in the grace
    assert (await SurveyAnswer.get(survey_id=made.id, question="nps")).comment == "Fast, thanks"


async def test_a_detractor_is_offered_the_merchants_support_contact(
    web: httpx.AsyncClient,
) -> None:
    shop = await factories.merchant(
        name="Acme",
        branding={"support_email": "help@acme.test", "support_phone": "+48 22 100 20 30"},
        survey_settings={"support": {"url": "https://acme.test/help"}},
    )
    _, token = await survey(shop)
    await tap(web, token, "csat_delivery", 3)
    response = await tap(web, token, "nps", 4)
    assert "We are sorry it did not go well. Acme would like to help:" in response.text
    assert 'href="https://acme.test/help"' in response.text
    assert "help@acme.test" not in response.text  # the survey's own contact replaces the shop's
    page = await web.get(f"/s/{token}")
    assert "Acme would like to help" in page.text


async def test_a_hard_experience_gets_the_branding_contact(web: httpx.AsyncClient) -> None:
    _, token = await survey(
        outcome=Outcome.LATE,
        name="Acme",
        branding={"support_email": "help@acme.test", "support_phone": "+48 22 100 20 30"},
    )
    await tap(web, token, "ces_delivery", 1)
    response = await tap(web, token, "csat_delivery", 4)
    assert 'href="mailto:help@acme.test"' in response.text
    assert 'href="tel:+48221002030"' in response.text


async def test_a_promoter_is_not_sent_to_support(web: httpx.AsyncClient) -> None:
    _, token = await survey(branding={"support_email": "help@acme.test"})
    await tap(web, token, "csat_delivery", 4)
    response = await tap(web, token, "nps", 9)
    assert "Thank you!" in response.text
    assert "help@acme.test" not in response.text


async def test_without_javascript_a_post_returns_to_the_question(web: httpx.AsyncClient) -> None:
    made, token = await survey()
    response = await tap(web, token, "csat_delivery", 4, htmx=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/s/{token}#q-csat_delivery"
    _private(response)
    page = await web.get(f"/s/{token}")
    assert _pressed(page.text) == ["4"]
    last = await tap(web, token, "nps", 9, htmx=False)
    assert last.headers["location"] == f"/s/{token}#thanks"
    assert 'id="thanks"' in (await web.get(f"/s/{token}")).text
    assert await SurveyAnswer.filter(survey_id=made.id).count() == 2


# --- language and the merchant's words ----------------------------------------------------


@pytest.mark.parametrize("locale", ["el", "ru"])
async def test_the_survey_speaks_its_customers_language(
    web: httpx.AsyncClient, locale: str
) -> None:
    _, token = await survey(locale=locale, name="Acme")
    response = await web.get(f"/s/{token}")
    assert f'<html lang="{locale}">' in response.text
    assert QUESTION_TEXT[locale]["csat_delivery"] in response.text
    assert QUESTION_TEXT[locale]["nps"].replace("{merchant}", "Acme") in response.text
    assert "How did we do?" not in response.text


async def test_the_visitors_language_choice_wins(web: httpx.AsyncClient) -> None:
    _, token = await survey(locale="el")
    browser_default = await web.get(f"/s/{token}", headers={"Accept-Language": "en-GB,en"})
    assert QUESTION_TEXT["el"]["csat_delivery"] in browser_default.text  # the survey's own
    chosen = await web.get(f"/s/{token}?lang=ru")
    assert QUESTION_TEXT["ru"]["csat_delivery"] in chosen.text
    remembered = await web.get(f"/s/{token}")  # the cookie ?lang= set
    assert QUESTION_TEXT["ru"]["csat_delivery"] in remembered.text


async def test_the_merchants_wording_is_shown(web: httpx.AsyncClient) -> None:
    _, token = await survey(
        locale="pl",
        name="Sklep",
        survey_settings={"wording": {"pl": {"nps": "Czy polecisz {merchant} znajomym?"}}},
    )
    response = await web.get(f"/s/{token}")
    assert "Czy polecisz Sklep znajomym?" in response.text
    assert QUESTION_TEXT["pl"]["csat_delivery"] in response.text


async def test_the_custom_question_is_asked_and_saved(web: httpx.AsyncClient) -> None:
    made, token = await survey(
        custom=True,
        survey_settings={
            "custom_question": {"en": "Did the size fit?", "ro": "Mărimea a fost bună?"}
        },
    )
    response = await web.get(f"/s/{token}")
    assert "Did the size fit?" in response.text
    assert "1 = Not at all" in response.text and "5 = Completely" in response.text
    await tap(web, token, "csat_delivery", 5)
    await tap(web, token, "nps", 10)
    assert (await Survey.get(id=made.id)).completed_at is None  # the custom one is still open
    done = await tap(web, token, "custom", 2)
    assert "Thank you!" in done.text
    answer = await SurveyAnswer.get(survey_id=made.id, question="custom")
    assert (answer.score, answer.metric) == (2, "custom")
