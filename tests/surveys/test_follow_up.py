"""An unhappy answer reaches the shop: one e-mail to its support address once the answers
settle, with every score and comment, whatever order the customer gave them in."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from portal.models import DomainEvent, MessageState, OutboxMessage, Outcome, Survey
from portal.notifications.dispatcher import dispatch_once
from portal.settings import Settings
from portal.surveys import follow_up
from portal.surveys.answers import EDIT_GRACE, record_answer
from portal.surveys.facts import load_facts
from portal.surveys.scheduling import new_token
from tests import factories
from tests.notifications.helpers import SmtpSink, free_port, listening
from tests.surveys.follow_up_helpers import SUPPORT, alerts, shop_with_support, smooth_survey
from tests.surveys.helpers import NOW, delivered, resolved_return

# portal.events.LISTENER_MODULES does not name the module yet: importing it registers it.
assert follow_up.on_survey_answered


async def _follow_up_events(survey_id: int) -> int:
    return await DomainEvent.filter(kind=follow_up.SURVEY_FOLLOW_UP, subject_id=survey_id).count()


async def test_a_detractor_gets_one_alert_with_the_comment_typed_after_the_score(
    db: str, settings: Settings
) -> None:
    shop = await shop_with_support(name="Kite Shop")
    survey = await smooth_survey(shop, phone="+48600100200")
    await record_answer(survey, "nps", 3, now=NOW, settings=settings)
    await record_answer(
        survey, "csat_delivery", 4, now=NOW + timedelta(minutes=1), settings=settings
    )
    await record_answer(
        survey,
        "nps",
        None,
        "Box crushed, nobody answered",
        now=NOW + timedelta(minutes=5),
        settings=settings,
    )
    (alert,) = await alerts(survey)
    assert (alert.recipient, alert.trigger, alert.channel) == (SUPPORT, "survey_follow_up", "email")
    assert alert.state == MessageState.PENDING and alert.customer_id is None  # type: ignore[attr-defined]
    assert alert.scheduled_for == NOW + timedelta(minutes=1) + EDIT_GRACE  # completion + grace
    facts = await load_facts(survey.id, shop.id)
    assert facts is not None and facts.order is not None
    assert alert.subject == f"A customer needs a follow-up: order {facts.order.number}"
    text = alert.body_text
    for expected in (
        "Kite Shop",
        "Customer: Anna Nowak",
        f"E-mail: {facts.customer_email}",
        "Phone: +48600100200",
        f"Order: {facts.order.number}",
        "What happened: Smooth delivery",
        "How likely are you to recommend Kite Shop to a friend or colleague? (NPS)",
        "Score: 3 of 10 (low)",
        "Comment: Box crushed, nobody answered",
        "Score: 4 of 5\nNo comment",
        f"https://portal.test/admin/orders/{facts.order.id}",
    ):
        assert expected in text, expected
    assert alert.body_html is not None
    assert f'href="https://portal.test/admin/orders/{facts.order.id}"' in alert.body_html
    assert "Box crushed, nobody answered" in alert.body_html
    assert await _follow_up_events(survey.id) == 1


async def test_a_promoter_raises_no_alert(db: str, settings: Settings) -> None:
    survey = await smooth_survey(await shop_with_support())
    await record_answer(survey, "csat_delivery", 5, now=NOW, settings=settings)
    await record_answer(survey, "nps", 10, "Lovely", now=NOW, settings=settings)
    assert await alerts(survey) == []
    assert await _follow_up_events(survey.id) == 0


async def test_two_low_answers_still_make_one_alert_showing_the_last(
    db: str, settings: Settings
) -> None:
    survey = await smooth_survey(await shop_with_support())
    await record_answer(survey, "nps", 3, now=NOW, settings=settings)
    await record_answer(
        survey, "csat_delivery", 1, now=NOW + timedelta(minutes=2), settings=settings
    )
    await record_answer(
        survey, "nps", 0, "Never again", now=NOW + timedelta(minutes=3), settings=settings
    )
    (alert,) = await alerts(survey)
    assert "Score: 0 of 10 (low)" in alert.body_text and "Never again" in alert.body_text
    assert "Score: 3 of 10" not in alert.body_text
    assert await _follow_up_events(survey.id) == 1


async def test_a_survey_left_unfinished_alerts_the_grace_after_the_first_low_answer(
    db: str, settings: Settings
) -> None:
    survey = await smooth_survey(await shop_with_support())
    await record_answer(survey, "nps", 2, now=NOW, settings=settings)
    (alert,) = await alerts(survey)
    assert alert.scheduled_for == NOW + EDIT_GRACE
    assert "Not answered" in alert.body_text


async def test_a_corrected_score_withdraws_the_alert_and_a_lower_one_brings_it_back(
    db: str, settings: Settings
) -> None:
    survey = await smooth_survey(await shop_with_support())
    await record_answer(survey, "csat_delivery", 2, now=NOW, settings=settings)
    await record_answer(survey, "nps", 4, now=NOW, settings=settings)
    await record_answer(survey, "nps", 9, now=NOW + timedelta(minutes=1), settings=settings)
    (alert,) = await alerts(survey)
    assert alert.state == MessageState.CANCELLED
    await record_answer(
        survey, "nps", 5, "Thinking about it, no", now=NOW + timedelta(minutes=2), settings=settings
    )
    (alert,) = await alerts(survey)
    assert alert.state == MessageState.PENDING and "Thinking about it, no" in alert.body_text
    assert alert.scheduled_for == NOW + EDIT_GRACE


async def test_a_claimed_or_sent_alert_is_never_rewritten(db: str, settings: Settings) -> None:
    survey = await smooth_survey(await shop_with_support())
    await record_answer(survey, "csat_delivery", 5, now=NOW, settings=settings)
    await record_answer(survey, "nps", 1, now=NOW, settings=settings)
    await OutboxMessage.filter(unique_key=follow_up.unique_key(survey.id)).update(
        state=MessageState.SENT
    )
    await record_answer(
        survey, "nps", None, "too late to matter", now=NOW + timedelta(minutes=9), settings=settings
    )
    (alert,) = await alerts(survey)
    assert alert.state == MessageState.SENT and "too late" not in alert.body_text


async def test_without_a_support_email_nothing_is_written(
    db: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    survey = await smooth_survey(await factories.merchant())
    caplog.set_level("INFO", logger="portal.surveys.follow_up")
    await record_answer(survey, "nps", 2, now=NOW, settings=settings)
    assert await alerts(survey) == []
    assert await OutboxMessage.filter(merchant_id=survey.merchant_id).count() == 0  # type: ignore[attr-defined]
    assert "no support e-mail" in caplog.text
    assert await _follow_up_events(survey.id) == 1  # the webhook still hears about it


async def test_the_branding_support_email_is_used_when_surveys_name_none(
    db: str, settings: Settings
) -> None:
    shop = await factories.merchant(branding={"support_email": "care@brand.test"})
    survey = await smooth_survey(shop)
    await record_answer(survey, "nps", 2, now=NOW, settings=settings)
    assert [a.recipient for a in await alerts(survey)] == ["care@brand.test"]


async def test_each_shop_hears_only_about_its_own_customers(db: str, settings: Settings) -> None:
    ours = await smooth_survey(await shop_with_support("ours@shop.test"))
    theirs = await smooth_survey(await shop_with_support("theirs@shop.test", name="Other"))
    await record_answer(ours, "nps", 2, now=NOW, settings=settings)
    await record_answer(theirs, "nps", 10, now=NOW, settings=settings)
    messages = await OutboxMessage.all()
    assert [(m.recipient, m.merchant_id) for m in messages] == [  # type: ignore[attr-defined]
        ("ours@shop.test", ours.merchant_id)  # type: ignore[attr-defined]
    ]
    async with in_transaction() as conn:
        assert await load_facts(ours.id, theirs.merchant_id, conn) is None  # type: ignore[attr-defined]


async def test_the_alert_speaks_the_shops_default_language(db: str, settings: Settings) -> None:
    survey = await smooth_survey(await shop_with_support(default_locale="pl"))
    await record_answer(survey, "nps", 2, now=NOW, settings=settings)
    (alert,) = await alerts(survey)
    assert alert.locale == "pl"
    assert alert.subject.startswith("Klient potrzebuje kontaktu")
    assert "Wynik: 2 z 10" in alert.body_text
    assert '<html lang="pl">' in (alert.body_html or "")


async def test_a_replayed_answer_records_no_second_follow_up(db: str, settings: Settings) -> None:
    survey = await smooth_survey(await shop_with_support())
    await record_answer(survey, "nps", 2, now=NOW, settings=settings)
    event = await DomainEvent.get(kind="survey.answered", subject_id=survey.id)
    async with in_transaction() as conn:
        await follow_up.on_survey_answered(event, factories.listener_context(conn, settings))
    assert len(await alerts(survey)) == 1
    assert await _follow_up_events(survey.id) == 1


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with listening(SmtpSink(port=free_port())) as sink:
        yield sink


async def test_the_alert_goes_out_over_smtp_when_due_even_to_an_opted_out_customer(
    db: str, settings: Settings, smtp_sink: SmtpSink
) -> None:
    survey = await smooth_survey(await shop_with_support(), email_opt_in=False)
    await record_answer(survey, "nps", 2, "Late", now=NOW, settings=settings)
    smtp = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}")
    assert (await dispatch_once(smtp, now=NOW + EDIT_GRACE - timedelta(seconds=1))).claimed == 0
    report = await dispatch_once(smtp, now=NOW + EDIT_GRACE)
    assert report.sent == 1
    (email,) = smtp_sink.messages
    assert email["To"] == SUPPORT and "List-Unsubscribe" not in email
    assert "Comment: Late" in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_hard_return_names_the_return_and_its_order(db: str, settings: Settings) -> None:
    shop = await shop_with_support()
    parcel = await delivered(shop, name="Jan Kowalski")
    request = await resolved_return(parcel)
    survey = await Survey.create(
        merchant=shop,
        customer=parcel.customer,
        return_request=request,
        outcome=Outcome.RETURN,
        questions=["ces_return", "csat_resolution"],
        token_hash=new_token()[1],
        expires_at=NOW + timedelta(days=30),
    )
    await record_answer(
        survey, "ces_return", 1, "The label did not print", now=NOW, settings=settings
    )
    (alert,) = await alerts(survey)
    for expected in (
        "Customer: Jan Kowalski",
        f"Order: {parcel.order.number}",
        f"Return: {request.number}",
        "What happened: Return",
        "How easy was it to return your item? (CES)",
        "Score: 1 of 5 (low)",
        "Comment: The label did not print",
        f"https://portal.test/admin/orders/{parcel.order.id}",
    ):
        assert expected in alert.body_text, expected
