"""Starlette endpoints of the customer's survey page, and ``routes`` to mount.

GET  /s/{token}           the survey (or the thanks once its grace is over); no sign-in:
                          the random token in the link is the key (see portal.surveys.answers
                          for what "single use" means), or a text message's short
                          ``<id>.<mac>`` (portal.surveys.short_link)
POST /s/{token}/answers   one tap (``question`` + ``score``) or a comment (``question`` +
                          ``comment``); htmx gets the question's fragment and the status
                          region out of band, a plain form post a 303 back to the question

An unknown or forged token is a 404, an expired one a 410, a post to a survey that no
longer takes changes a 409 (htmx reloads the page, which then thanks). Bad input (a
question this survey does not ask, a score off its scale, a comment before a score) is a
400 that changes nothing. The token is in the path, so every answer forbids caching and
sending it on as a referrer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from portal import i18n
from portal.i18n import _
from portal.models import Merchant, Survey
from portal.survey_page.presenter import COMMENT_MAX, SurveyView, present
from portal.surveys import answers
from portal.surveys.answers import AnswerError, Opened, OpenState
from portal.surveys.outcomes import question
from portal.surveys.wording import support_contact, survey_config
from portal.tracking_page.branding import brand_of
from portal.web.templating import templates_of

#: Every survey response: the token must not leak through caches or the Referer header.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
#: Longer tokens are not ours (ours are 43 characters); refused before hashing.
TOKEN_MAX = 128
PAGE = "surveys/page.html"
QUESTION = "surveys/_question.html"
CLOSED = "surveys/closed.html"


@contextlib.contextmanager
def survey_language(request: Request, survey: Survey | None) -> Iterator[str]:
    """The survey's own language unless the visitor chose one (``?lang=`` or the cookie)."""
    chosen = i18n.supported(request.query_params.get("lang")) or i18n.supported(
        request.cookies.get(i18n.COOKIE)
    )
    locale = chosen or (i18n.supported(survey.locale) if survey else None) or i18n.current_locale()
    token = i18n.set_locale(locale)
    request.state.locale = locale  # what LocaleMiddleware keeps in scope["state"]
    try:
        yield locale
    finally:
        i18n.reset_locale(token)


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    return templates_of(request).TemplateResponse(
        request, name, context, status_code=status_code, headers=PRIVATE_HEADERS
    )


def _closed(request: Request, state: OpenState, merchant: Merchant | None, status: int) -> Response:
    brand = brand_of(merchant) if merchant is not None else None
    return _render(request, CLOSED, {"state": state.value, "brand": brand}, status)


def _bad_request(message: str) -> Response:
    return HTMLResponse(f"<p>{escape(message)}</p>", status_code=400, headers=PRIVATE_HEADERS)


async def _open(request: Request) -> Opened:
    token = request.path_params["token"]
    if len(token) > TOKEN_MAX:
        return Opened(OpenState.UNKNOWN)
    return await answers.open_survey(token, settings=request.app.state.settings)


def _view(survey: Survey, opened: Opened, merchant: Merchant, locale: str) -> SurveyView:
    config = survey_config(merchant)
    return present(
        survey,
        opened.questions,
        opened.answers,
        locale=locale,
        config=config,
        merchant=merchant,
        contact=support_contact(merchant, config),
        now=datetime.now(UTC),
    )


def _context(
    request: Request, survey: Survey, opened: Opened, merchant: Merchant, locale: str
) -> dict[str, Any]:
    return {
        "brand": brand_of(merchant),
        "survey": _view(survey, opened, merchant, locale),
        "answer_url": f"/s/{request.path_params['token']}/answers",
    }


async def survey_page(request: Request) -> Response:
    opened = await _open(request)
    with survey_language(request, opened.survey) as locale:
        if opened.survey is None:
            return _closed(request, OpenState.UNKNOWN, None, 404)
        merchant = await Merchant.get(id=opened.survey.merchant_id)
        if opened.state is OpenState.EXPIRED:
            return _closed(request, opened.state, merchant, 410)
        context = _context(request, opened.survey, opened, merchant, locale)
        if opened.state is OpenState.COMPLETED:
            return _render(request, CLOSED, {**context, "state": opened.state.value})
        return _render(request, PAGE, context)


def _score(raw: object) -> int | None:
    """The posted score; ValueError for anything but a plain integer."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text.lstrip("-").isdigit() or len(text) > 3:
        raise ValueError(text)
    return int(text)


@dataclass(frozen=True, slots=True)
class Posted:
    """One posted answer that fits the survey: a score, a comment, or both."""

    key: str
    score: int | None
    comment: str | None


def parse_answer(survey: Survey, form: Mapping[str, Any]) -> Posted | str:
    """The posted answer, or the message saying why it cannot be taken."""
    key = str(form.get("question", ""))
    if key not in survey.questions:
        return _("This survey does not ask that question.")
    asked = question(key)
    try:
        score = _score(form.get("score"))
    except ValueError:
        score = asked.low - 1  # refused just below, with the scale in the message
    if score is not None and not asked.accepts(score):
        return _("Choose a score from %(low)d to %(high)d.") % {
            "low": asked.low,
            "high": asked.high,
        }
    raw_comment = form.get("comment")
    comment = None if raw_comment is None else str(raw_comment)
    if comment is not None and len(comment) > COMMENT_MAX:
        return _("Please keep your comment to %(max)d characters or fewer.") % {"max": COMMENT_MAX}
    if score is None and comment is None:
        return _("Choose a score first.")
    return Posted(key, score, comment)


def _no_longer_open(request: Request, state: OpenState, merchant: Merchant) -> Response:
    """The closed page; htmx reloads the whole page so that it shows it."""
    status = 410 if state is OpenState.EXPIRED else 409
    response = _closed(request, state, merchant, status)
    response.headers["HX-Refresh"] = "true"
    return response


async def answer(request: Request) -> Response:
    token = request.path_params["token"]
    opened = await _open(request)
    with survey_language(request, opened.survey) as locale:
        survey = opened.survey
        if survey is None:
            return _closed(request, OpenState.UNKNOWN, None, 404)
        merchant = await Merchant.get(id=survey.merchant_id)
        if opened.state is not OpenState.OPEN:
            return _no_longer_open(request, opened.state, merchant)
        async with request.form(max_files=0, max_fields=8) as form:
            posted = parse_answer(survey, form)
        if isinstance(posted, str):
            return _bad_request(posted)
        try:
            recorded = await answers.record_answer(
                survey,
                posted.key,
                posted.score,
                posted.comment,
                settings=request.app.state.settings,
            )
        except AnswerError:
            if posted.score is None and posted.key not in opened.answers:
                return _bad_request(_("Choose a score first."))
            return _no_longer_open(request, OpenState.COMPLETED, merchant)
        if not request.headers.get("hx-request"):
            anchor = "thanks" if recorded.completed else f"q-{posted.key}"
            return RedirectResponse(f"/s/{token}#{anchor}", 303, headers=PRIVATE_HEADERS)
        fresh = await answers.open_survey(token, settings=request.app.state.settings)
        if fresh.survey is None or not fresh.questions:  # expired in between
            return _no_longer_open(request, fresh.state, merchant)
        context = _context(request, fresh.survey, fresh, merchant, locale)
        view = next(q for q in context["survey"].questions if q.key == posted.key)
        return _render(request, QUESTION, {**context, "question": view, "oob": True})


routes: list[BaseRoute] = [
    Route("/s/{token}", survey_page, name="survey"),
    Route("/s/{token}/answers", answer, methods=["POST"], name="survey_answer"),
]
