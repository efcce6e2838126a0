"""Every survey answer is a ``survey.answered`` delivery; a survey whose answers call for a
follow-up is one ``survey.follow_up`` delivery, due with the merchant's alert e-mail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tortoise.transactions import in_transaction

from portal.admin.webhooks import TOPIC_CHOICES, topic_labels
from portal.models import DomainEvent, Merchant, Survey, WebhookDelivery, WebhookEndpoint
from portal.settings import Settings
from portal.surveys.answers import EDIT_GRACE, record_answer
from portal.surveys.facts import load_facts
from portal.webhooks_out import admin, survey_listener, topics
from tests import factories
from tests.conftest import make_settings
from tests.surveys.follow_up_helpers import shop_with_support, smooth_survey
from tests.surveys.helpers import NOW


@pytest.fixture
def hook_settings(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db)


async def _endpoint(settings: Settings, shop: Merchant, *patterns: str) -> WebhookEndpoint:
    endpoint, _ = await admin.create_endpoint(
        settings, merchant_id=shop.id, url="https://x.test/h", topics_=list(patterns)
    )
    return endpoint


async def _deliveries(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(await WebhookDelivery.filter(endpoint=endpoint).order_by("id"))


async def _unhappy(survey: Survey) -> None:
    """NPS 3, then CSAT 4 completes the survey, then a comment on the NPS."""
    await record_answer(survey, "nps", 3, now=NOW, settings=factories.app_settings())
    await record_answer(
        survey,
        "csat_delivery",
        4,
        now=NOW + timedelta(minutes=1),
        settings=factories.app_settings(),
    )
    await record_answer(
        survey,
        "nps",
        None,
        "Box crushed",
        now=NOW + timedelta(minutes=4),
        settings=factories.app_settings(),
    )


async def test_topic_patterns_filter_what_each_endpoint_gets(hook_settings: Settings) -> None:
    shop = await shop_with_support()
    family = await _endpoint(hook_settings, shop, "survey.*")
    answered = await _endpoint(hook_settings, shop, "survey.answered")
    follow_up = await _endpoint(hook_settings, shop, "survey.follow_up")
    star = await _endpoint(hook_settings, shop, "*")
    returns = await _endpoint(hook_settings, shop, "return.*", "shipment.*")
    await _unhappy(await smooth_survey(shop))
    every = ["survey.answered"] * 3 + ["survey.follow_up"]
    assert sorted(d.topic for d in await _deliveries(family)) == every
    assert sorted(d.topic for d in await _deliveries(star)) == every
    assert [d.topic for d in await _deliveries(answered)] == ["survey.answered"] * 3
    assert [d.topic for d in await _deliveries(follow_up)] == ["survey.follow_up"]
    assert await _deliveries(returns) == []


async def test_an_answer_carries_the_survey_and_the_answer(hook_settings: Settings) -> None:
    shop = await shop_with_support()
    endpoint = await _endpoint(hook_settings, shop, "survey.answered")
    survey = await smooth_survey(shop, locale="pl")
    await Survey.filter(id=survey.id).update(locale="pl")
    await record_answer(survey, "nps", 3, "Slow", now=NOW, settings=factories.app_settings())
    (delivery,) = await _deliveries(endpoint)
    facts = await load_facts(survey.id, shop.id)
    assert facts is not None
    event = await DomainEvent.get(kind="survey.answered", subject_id=survey.id)
    assert delivery.payload["id"] == f"evt_{event.id}"
    assert delivery.payload["topic"] == "survey.answered"
    assert delivery.next_attempt_at == NOW
    data = delivery.payload["data"]
    assert data["survey"] == {
        "id": survey.id,
        "outcome": "smooth",
        "locale": "pl",
        "order_number": facts.order_number,
        "tracking_number": facts.tracking_number,
        "return_number": None,
        "completed_at": None,
    }
    nps = {"question": "nps", "metric": "nps", "score": 3, "comment": "Slow"}
    assert data["answer"] == nps and data["answers"] == [nps]
    assert data["follow_up"] is True


async def test_the_follow_up_is_due_with_the_alert_and_has_the_later_comment(
    hook_settings: Settings,
) -> None:
    shop = await shop_with_support()
    endpoint = await _endpoint(hook_settings, shop, "survey.follow_up")
    survey = await smooth_survey(shop)
    await _unhappy(survey)
    (delivery,) = await _deliveries(endpoint)
    assert delivery.next_attempt_at == NOW + timedelta(minutes=1) + EDIT_GRACE
    data = delivery.payload["data"]
    assert data["follow_up"] is True
    assert data["answer"] == {
        "question": "nps",
        "metric": "nps",
        "score": 3,
        "comment": "Box crushed",
    }
    assert [a["question"] for a in data["answers"]] == ["csat_delivery", "nps"]
    assert data["survey"]["completed_at"] == (NOW + timedelta(minutes=1)).isoformat()


async def test_a_tried_follow_up_is_left_as_it_was_sent(hook_settings: Settings) -> None:
    shop = await shop_with_support()
    endpoint = await _endpoint(hook_settings, shop, "survey.follow_up")
    survey = await smooth_survey(shop)
    await record_answer(survey, "nps", 2, now=NOW, settings=factories.app_settings())
    await WebhookDelivery.filter(endpoint=endpoint).update(attempts=1)
    await record_answer(
        survey,
        "nps",
        None,
        "after the send",
        now=NOW + timedelta(minutes=3),
        settings=factories.app_settings(),
    )
    (delivery,) = await _deliveries(endpoint)
    assert delivery.payload["data"]["answer"]["comment"] is None


async def test_a_corrected_score_withdraws_the_follow_up_until_it_is_low_again(
    hook_settings: Settings,
) -> None:
    shop = await shop_with_support()
    endpoint = await _endpoint(hook_settings, shop, "survey.follow_up")
    survey = await smooth_survey(shop)
    await record_answer(survey, "nps", 4, now=NOW, settings=factories.app_settings())
    await record_answer(
        survey, "nps", 9, now=NOW + timedelta(minutes=1), settings=factories.app_settings()
    )
    assert await _deliveries(endpoint) == []
    await record_answer(
        survey, "nps", 6, now=NOW + timedelta(minutes=2), settings=factories.app_settings()
    )
    (delivery,) = await _deliveries(endpoint)
    assert delivery.payload["data"]["answer"]["score"] == 6
    assert delivery.next_attempt_at == NOW + EDIT_GRACE


async def test_a_follow_up_is_sent_without_a_support_email_too(hook_settings: Settings) -> None:
    shop = await factories.merchant()
    endpoint = await _endpoint(hook_settings, shop, "survey.follow_up")
    await record_answer(
        await smooth_survey(shop), "nps", 0, now=NOW, settings=factories.app_settings()
    )
    assert [d.topic for d in await _deliveries(endpoint)] == ["survey.follow_up"]


async def test_replayed_events_write_no_second_delivery(hook_settings: Settings) -> None:
    shop = await shop_with_support()
    endpoint = await _endpoint(hook_settings, shop, "survey.*")
    survey = await smooth_survey(shop)
    await record_answer(survey, "nps", 2, now=NOW, settings=factories.app_settings())
    answered = await DomainEvent.get(kind="survey.answered", subject_id=survey.id)
    follow_up = await DomainEvent.get(kind="survey.follow_up", subject_id=survey.id)
    async with in_transaction() as conn:
        ctx = factories.listener_context(conn)
        await survey_listener.enqueue_answer_deliveries(answered, ctx)
        await survey_listener.enqueue_follow_up_deliveries(follow_up, ctx)
    assert sorted(d.topic for d in await _deliveries(endpoint)) == [
        "survey.answered",
        "survey.follow_up",
    ]


async def test_another_merchants_endpoint_gets_nothing(hook_settings: Settings) -> None:
    theirs = await _endpoint(hook_settings, await factories.merchant(), "*")
    await _unhappy(await smooth_survey(await shop_with_support()))
    assert await _deliveries(theirs) == []


def test_survey_topics_are_known_patterns_and_offered_in_the_admin() -> None:
    for good in ("survey.*", "survey.answered", "survey.follow_up"):
        assert topics.pattern_problem(good) is None, good
        assert good in TOPIC_CHOICES
    assert topics.pattern_problem("survey.completed") is not None
    assert all(topics.matches("survey.*", topic) for topic in topics.SURVEY_TOPICS)
    assert not topics.matches("return.*", topics.SURVEY_ANSWERED)
    assert set(TOPIC_CHOICES) <= set(topic_labels())
