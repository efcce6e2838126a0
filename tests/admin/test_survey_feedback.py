"""What a customer wrote in a survey reaches the shop on the shipment's and the return's
workspace pages and in the Satisfaction analytics, with its score and date, escaped, and
only to the shop it is about.

From an empty database: two shops, each with a delivered parcel, a return and their
surveys; the customers answer on the survey page (``/s/<token>``), the owners read the
workspace, over HTTP against the app."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date
from starlette.applications import Starlette

from carriers.base import Status
from portal.admin import survey_feedback
from portal.analytics.sql import Filters
from portal.models import Merchant, Metric, Outcome, Survey, SurveyAnswer
from portal.surveys.outcomes import questions_for
from portal.surveys.scheduling import new_token
from tests import factories
from tests.admin.helpers import signed_in_owner
from tests.admin.returns_helpers import return_for
from tests.conftest import client_for
from tests.returns.helpers import shop_with_policy
from tests.survey_page.helpers import tap


async def _survey(shop: Merchant, outcome: Outcome, **about: object) -> str:
    """A survey about a parcel or a return, as the scheduler makes it; its link token."""
    token, digest = new_token()
    await Survey.create(
        merchant=shop,
        customer=await factories.customer(shop),
        outcome=outcome,
        questions=[q.key for q in questions_for(outcome)],
        token_hash=digest,
        expires_at=datetime.now(UTC) + timedelta(days=30),
        **about,
    )
    return token


async def _answer(app: Starlette, token: str, question: str, score: int, comment: str) -> None:
    """The customer taps a score, then writes a comment, on the survey page."""
    async with client_for(app) as customer:
        assert (await tap(customer, token, question, score)).status_code == 200
        if comment:
            answered = await tap(customer, token, question, comment=comment)
            assert answered.status_code == 200, answered.text


@pytest.fixture
async def shops(app: Starlette, db: str) -> dict[str, dict[str, int]]:
    """Two shops, each with a surveyed parcel and a surveyed return, answered."""
    made = {}
    for name, words in (("mine", "Box was <b>crushed</b> & wet"), ("theirs", "Their secret")):
        shop, _policy = await shop_with_policy()
        parcel = await factories.shipment(shop, status=Status.DELIVERED)
        ret = await return_for(shop)
        about_parcel = await _survey(shop, Outcome.SMOOTH, shipment=parcel)
        await _answer(app, about_parcel, "csat_delivery", 2, words)
        await _answer(app, about_parcel, "nps", 9, "")
        about_return = await _survey(shop, Outcome.RETURN, return_request=ret)
        await _answer(app, about_return, "ces_return", 4, f"{name}: the label printed fine")
        made[name] = {"shop": shop.id, "shipment": parcel.id, "return": ret.id}
    return made


async def test_the_shipment_page_shows_the_customers_words_with_score_and_date(
    client: httpx.AsyncClient, shops: dict[str, dict[str, int]]
) -> None:
    await signed_in_owner(client, await Merchant.get(id=shops["mine"]["shop"]))
    page = await client.get(f"/admin/shipments/{shops['mine']['shipment']}")
    assert page.status_code == 200
    shown = [(f.question, f.score, f.high, f.comment) for f in page.context["feedback"]]  # type: ignore[attr-defined]
    assert shown == [
        ("How satisfied are you with the delivery of your order?", 2, 5,
         "Box was <b>crushed</b> & wet"),
        (f"How likely are you to recommend {shops_name(page)} to a friend or colleague?", 9,
         10, ""),
    ]  # fmt: skip
    assert "Customer feedback" in page.text
    assert "<blockquote>Box was &lt;b&gt;crushed&lt;/b&gt; &amp; wet</blockquote>" in page.text
    assert "<b>crushed</b>" not in page.text
    assert "Score: 2 of 5" in page.text and "Score: 9 of 10" in page.text
    assert "No comment" in page.text  # the NPS answer has none
    shop_clock = ZoneInfo(page.context["staff"].merchant.time_zone)  # type: ignore[attr-defined]
    shop_day = format_date(datetime.now(shop_clock).date(), "medium", locale="en")
    assert f">{shop_day}, " in page.text  # the shop's day, not UTC's, in the page's language
    assert "Their secret" not in page.text


def shops_name(page: httpx.Response) -> str:
    return str(page.context["staff"].merchant.name)  # type: ignore[attr-defined]


async def test_the_return_page_shows_the_return_surveys_words(
    client: httpx.AsyncClient, shops: dict[str, dict[str, int]]
) -> None:
    await signed_in_owner(client, await Merchant.get(id=shops["mine"]["shop"]))
    page = await client.get(f"/admin/returns/{shops['mine']['return']}")
    assert page.status_code == 200
    assert [(f.score, f.comment) for f in page.context["feedback"]] == [  # type: ignore[attr-defined]
        (4, "mine: the label printed fine")
    ]
    assert "How easy was it to return your item?" in page.text
    assert "Score: 4 of 5" in page.text
    assert "theirs:" not in page.text and "crushed" not in page.text


async def test_feedback_is_in_the_staff_members_language(
    client: httpx.AsyncClient, shops: dict[str, dict[str, int]]
) -> None:
    await signed_in_owner(client, await Merchant.get(id=shops["mine"]["shop"]))
    page = await client.get(f"/admin/returns/{shops['mine']['return']}?lang=pl")
    assert "Opinie klienta" in page.text
    assert "Jak łatwo było zwrócić produkt?" in page.text
    assert "mine: the label printed fine" in page.text  # the customer's words as written


async def test_another_shops_feedback_stays_out_of_reach(
    client: httpx.AsyncClient, shops: dict[str, dict[str, int]]
) -> None:
    await signed_in_owner(client, await Merchant.get(id=shops["mine"]["shop"]))
    for path in (
        f"/admin/shipments/{shops['theirs']['shipment']}",
        f"/admin/returns/{shops['theirs']['return']}",
    ):
        page = await client.get(path)
        assert page.status_code == 404, path
        assert "Their secret" not in page.text and "theirs:" not in page.text


async def test_a_page_without_answers_shows_no_feedback_section(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _token = await signed_in_owner(client)
    parcel = await factories.shipment(await user.merchant)
    page = await client.get(f"/admin/shipments/{parcel.id}")
    assert page.status_code == 200 and page.context["feedback"] == []  # type: ignore[attr-defined]
    assert "Customer feedback" not in page.text


async def test_the_satisfaction_analytics_list_the_periods_comments_a_page_at_a_time(
    client: httpx.AsyncClient, shops: dict[str, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Newest first, each with its score, date and a link to its parcel or return; one
    comment a page here, so the shop's two take two pages."""
    monkeypatch.setattr(survey_feedback, "COMMENTS_PAGE", 1)
    await signed_in_owner(client, await Merchant.get(id=shops["mine"]["shop"]))
    first = await client.get("/admin/analytics/satisfaction")
    assert first.status_code == 200
    assert [c.feedback.comment for c in first.context["comments"]] == [  # type: ignore[attr-defined]
        "mine: the label printed fine"
    ]
    assert f'<a href="/admin/returns/{shops["mine"]["return"]}">Return</a>' in first.text
    older = re.search(r'href="([^"]*comments_before=\d+)[^"]*">Older comments<', first.text)
    assert older, "the first page links to the older comments"
    second = await client.get(html.unescape(older.group(1)))
    assert [c.feedback.comment for c in second.context["comments"]] == [  # type: ignore[attr-defined]
        "Box was <b>crushed</b> & wet"
    ]
    assert "<blockquote>Box was &lt;b&gt;crushed&lt;/b&gt; &amp; wet</blockquote>" in second.text
    assert f'<a href="/admin/shipments/{shops["mine"]["shipment"]}">Shipment</a>' in second.text
    assert "Score: 2 of 5" in second.text and "Older comments" not in second.text
    assert "Newest comments" in second.text and "Newest comments" not in first.text
    for page in (first, second):
        assert "Their secret" not in page.text and "theirs:" not in page.text


async def test_the_comments_follow_the_period_and_carrier_filters(
    client: httpx.AsyncClient, shops: dict[str, dict[str, int]]
) -> None:
    await signed_in_owner(client, await Merchant.get(id=shops["mine"]["shop"]))
    last_year = await client.get("/admin/analytics/satisfaction?from=2025-01-01&to=2025-12-31")
    assert last_year.context["comments"] == []  # type: ignore[attr-defined]
    assert "No comments for this period." in last_year.text
    other_carrier = await client.get("/admin/analytics/satisfaction?carrier=ups")
    assert other_carrier.context["comments"] == []  # type: ignore[attr-defined]
    polish = await client.get("/admin/analytics/satisfaction?lang=pl")
    assert "Co napisali klienci" in polish.text


async def test_comments_run_newest_written_first_and_every_page_follows_on(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Newest by when the comment was written, ties by answer id: an older answer commented
    later comes first, and following ``before`` lists each comment once even where a page
    ends between two written at the same instant. An id that is not one of the shop's
    answers starts from the newest, showing nothing of the other shop."""
    monkeypatch.setattr(survey_feedback, "COMMENTS_PAGE", 2)
    shop, other = await factories.merchant(), await factories.merchant()
    noon = datetime(2026, 5, 1, 12, tzinfo=UTC)
    hours = {"c0": 0, "c1": 3, "c2": 1, "c3": 1, "c4": 1, "c5": 2, None: 4, "": 5, "June": 800}
    for n, (comment, hour) in enumerate(hours.items()):
        survey = await Survey.create(
            merchant=shop, outcome=Outcome.SMOOTH, token_hash=f"{n:064d}", expires_at=noon
        )
        await SurveyAnswer.create(
            merchant=shop,
            survey=survey,
            question="csat_delivery",
            metric=Metric.CSAT,
            score=4,
            comment=comment,
            outcome=Outcome.SMOOTH,
            answered_at=noon + timedelta(hours=hour),
        )
    theirs = await Survey.create(
        merchant=other, outcome=Outcome.SMOOTH, token_hash="f" * 64, expires_at=noon
    )
    foreign = await SurveyAnswer.create(
        merchant=other,
        survey=theirs,
        question="csat_delivery",
        metric=Metric.CSAT,
        score=1,
        comment="Their secret",
        outcome=Outcome.SMOOTH,
        answered_at=noon,
    )
    may = Filters(shop.id, datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))

    pages, before = [], None
    while True:
        found, before = await survey_feedback.comments(shop, may, before)
        pages.append([c.feedback.comment for c in found])
        if before is None:
            break
    assert pages == [["c1", "c5"], ["c4", "c3"], ["c2", "c0"]]
    from_foreign, _ = await survey_feedback.comments(shop, may, foreign.id)
    assert [c.feedback.comment for c in from_foreign] == ["c1", "c5"]


async def test_a_comment_is_dated_on_the_shops_clock_not_utcs(
    client: httpx.AsyncClient, shops: dict[str, dict[str, int]]
) -> None:
    """Answered at 20:07 UTC, the comment of a shop in Kolkata (+05:30) is dated the next
    morning, 01:37, on both workspace pages that show it, as the workspace's language
    writes a moment (the instant itself stays in the ``datetime`` attribute)."""
    shop = await Merchant.get(id=shops["mine"]["shop"])
    shop.time_zone = "Asia/Kolkata"
    await shop.save(update_fields=["time_zone"])
    answered = datetime(2026, 11, 20, 20, 7, tzinfo=UTC)
    await SurveyAnswer.filter(survey__merchant_id=shop.id).update(answered_at=answered)
    await signed_in_owner(client, shop)
    for page in (f"/admin/shipments/{shops['mine']['shipment']}",
                 f"/admin/returns/{shops['mine']['return']}"):  # fmt: skip
        text = (await client.get(page)).text
        assert (
            '<time datetime="2026-11-20T20:07:00+00:00">Nov 21, 2026, 1:37\u202fAM</time>' in text
        )
        assert "Nov 20, 2026, 8:07" not in text and "2026-11-20 20:07" not in text, page
