"""Surveys are created when an outcome settles: once, at most monthly, never mid-problem."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta

from tortoise.transactions import in_transaction

from portal import events
from portal.models import Channel, OutboxMessage, Outcome, Shipment, Survey
from portal.settings import Settings
from portal.surveys.scheduling import (
    RETURN_RESOLVED,
    create_survey,
    schedule_due_surveys,
    survey_return,
)
from tests import factories
from tests.surveys.helpers import NOW, delivered, resolved_return

LINK = re.compile(r"https://portal\.test/s/([A-Za-z0-9_-]+)")


async def test_a_delivery_past_its_delay_gets_a_survey_and_an_email(
    db: str, settings: Settings
) -> None:
    parcel = await delivered(email="anna@example.test", name="Anna")

    assert await schedule_due_surveys(settings, None, now=NOW) is False

    survey = await Survey.get(shipment_id=parcel.shipment.id)
    assert survey.outcome == Outcome.SMOOTH
    assert survey.questions == ["csat_delivery", "nps"]
    assert survey.customer_id == parcel.customer.id
    assert survey.expires_at == NOW + timedelta(days=30)
    message = await OutboxMessage.get(unique_key=f"survey:{survey.id}:email")
    assert message.recipient == "anna@example.test"
    assert message.trigger == "survey"
    assert message.subject == "How did we do?"
    assert survey.sent_at == message.scheduled_for
    token = LINK.search(message.body_text).group(1)  # type: ignore[union-attr]
    assert survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in survey.token_hash
    assert message.body_html is not None and "Answer the survey" in message.body_html
    assert f'href="https://portal.test/s/{token}?lang=en"' in message.body_html


async def test_a_delivery_inside_its_delay_waits(db: str, settings: Settings) -> None:
    await delivered(delivered_at=NOW - timedelta(days=1, hours=23))
    await schedule_due_surveys(settings, None, now=NOW)
    assert await Survey.all().count() == 0


async def test_the_delay_is_the_merchants(db: str, settings: Settings) -> None:
    patient = await factories.merchant(survey_delay_days=5)
    await delivered(patient, delivered_at=NOW - timedelta(days=3))
    await schedule_due_surveys(settings, None, now=NOW)
    assert await Survey.all().count() == 0
    await schedule_due_surveys(settings, None, now=NOW + timedelta(days=2, minutes=1))
    assert await Survey.all().count() == 1


async def test_running_twice_creates_one_survey_and_one_message(
    db: str, settings: Settings
) -> None:
    await delivered()
    await schedule_due_surveys(settings, None, now=NOW)
    await schedule_due_surveys(settings, None, now=NOW + timedelta(minutes=5))
    assert await Survey.all().count() == 1
    assert await OutboxMessage.all().count() == 1


async def test_a_customer_gets_at_most_one_survey_in_thirty_days(
    db: str, settings: Settings
) -> None:
    first = await delivered()
    await schedule_due_surveys(settings, None, now=NOW)
    second = await delivered(
        first.merchant, customer=first.customer, delivered_at=NOW + timedelta(days=20)
    )
    await schedule_due_surveys(settings, None, now=NOW + timedelta(days=22, hours=1))
    assert not await Survey.filter(shipment_id=second.shipment.id).exists()

    third = await delivered(
        first.merchant, customer=first.customer, delivered_at=NOW + timedelta(days=29)
    )
    await schedule_due_surveys(settings, None, now=NOW + timedelta(days=31, hours=1))
    assert await Survey.filter(shipment_id=third.shipment.id).exists()


async def test_a_shipment_in_exception_gets_no_survey(db: str, settings: Settings) -> None:
    await delivered(status="exception", statuses=(("exception", "damaged"),))
    await schedule_due_surveys(settings, None, now=NOW)
    assert await Survey.all().count() == 0


async def test_a_late_parcel_is_asked_about_effort_first(db: str, settings: Settings) -> None:
    parcel = await delivered(first_eta=(NOW - timedelta(days=5)).date())
    await schedule_due_surveys(settings, None, now=NOW)
    survey = await Survey.get(shipment_id=parcel.shipment.id)
    assert survey.outcome == Outcome.LATE
    assert survey.questions == ["ces_delivery", "csat_delivery"]


async def test_a_damaged_parcel_is_never_asked_nps(db: str, settings: Settings) -> None:
    parcel = await delivered(
        statuses=(("in_transit", None), ("exception", "damaged"), ("delivered", None))
    )
    await schedule_due_surveys(settings, None, now=NOW)
    survey = await Survey.get(shipment_id=parcel.shipment.id)
    assert survey.outcome == Outcome.LOST_OR_DAMAGED
    assert "nps" not in survey.questions


async def test_a_merchant_can_survey_by_sms(db: str, settings: Settings) -> None:
    shop = await factories.merchant(notification_rules={"survey": ["sms"]})
    await delivered(shop, phone="+48601234567", sms_opt_in=True, locale="pl")
    await schedule_due_surveys(settings, None, now=NOW)
    message = await OutboxMessage.get()
    assert message.channel == Channel.SMS
    assert message.recipient == "+48601234567"
    assert message.locale == "pl"
    assert LINK.search(message.body_text) and message.body_text.startswith(shop.name)


async def test_an_unreachable_customer_is_skipped_without_blocking_others(
    db: str, settings: Settings
) -> None:
    await delivered(email_opt_in=False)
    reachable = await delivered()
    assert await schedule_due_surveys(settings, None, now=NOW, limit=1) is True
    assert [s.shipment_id for s in await Survey.all()] == [reachable.shipment.id]


async def test_the_job_reports_more_work_when_it_stops_at_its_limit(
    db: str, settings: Settings
) -> None:
    for _ in range(3):
        await delivered()
    assert await schedule_due_surveys(settings, None, now=NOW, limit=2) is True
    assert await schedule_due_surveys(settings, None, now=NOW, limit=2) is False
    assert await Survey.all().count() == 3


async def test_a_parcel_delivered_before_it_was_imported_is_not_surveyed(
    db: str, settings: Settings
) -> None:
    """A store's first sync brings parcels the carrier delivered days ago: their customers
    got no message from Doorstep about them, and get no survey either."""
    parcel = await delivered()
    imported = await delivered()
    assert imported.shipment.delivered_at is not None
    await Shipment.filter(id=imported.shipment.id).update(
        created_at=imported.shipment.delivered_at + timedelta(hours=20)
    )

    assert await schedule_due_surveys(settings, None, now=NOW) is False

    assert [s.shipment_id for s in await Survey.all()] == [parcel.shipment.id]


async def test_a_resolved_exchange_gets_a_return_survey_through_its_event(
    db: str, settings: Settings
) -> None:
    parcel = await delivered(delivered_at=NOW - timedelta(hours=1))
    request = await resolved_return(parcel, resolutions=("refund", "exchange"))
    async with in_transaction() as conn:
        await events.emit(
            merchant_id=parcel.merchant.id,
            kind=RETURN_RESOLVED,
            subject_type="return_request",
            subject_id=request.id,
            payload={"from_state": "inspected", "to_state": "resolved"},
            using_db=conn,
            settings=settings,
        )
    survey = await Survey.get(return_request_id=request.id)
    assert survey.outcome == Outcome.EXCHANGE
    assert survey.questions == ["ces_return", "csat_resolution"]
    message = await OutboxMessage.get(unique_key=f"survey:{survey.id}:email")
    assert "return" in message.body_text
    # The customer reads that the return is resolved before being asked how it went.
    queued = await OutboxMessage.filter(channel=Channel.EMAIL).order_by("scheduled_for", "id")
    assert [m.trigger for m in queued] == ["return_resolved", "survey"]


async def test_a_return_is_not_surveyed_while_a_parcel_is_in_exception(
    db: str, settings: Settings
) -> None:
    parcel = await delivered(status="exception", delivered_at=NOW - timedelta(hours=1))
    request = await resolved_return(parcel)
    async with in_transaction() as conn:
        assert await survey_return(settings, request.id, now=NOW, conn=conn) is None


async def test_a_return_is_surveyed_once(db: str, settings: Settings) -> None:
    parcel = await delivered(delivered_at=NOW - timedelta(hours=1))
    request = await resolved_return(parcel)
    async with in_transaction() as conn:
        assert await survey_return(settings, request.id, now=NOW, conn=conn) is not None
    async with in_transaction() as conn:
        assert await survey_return(settings, request.id, now=NOW, conn=conn) is None
    assert await Survey.all().count() == 1


async def test_a_merchants_custom_question_is_asked_last(db: str, settings: Settings) -> None:
    parcel = await delivered()
    parcel.merchant.survey_settings = {"custom_question": {"en": "Did it fit?"}}  # type: ignore[attr-defined]
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
    assert survey.questions == ["csat_delivery", "nps", "custom"]


async def test_two_parcels_of_one_customer_due_together_get_one_survey(
    db: str, settings: Settings
) -> None:
    first = await delivered()
    await delivered(first.merchant, customer=first.customer)
    await schedule_due_surveys(settings, None, now=NOW)
    assert await Survey.filter(customer_id=first.customer.id).count() == 1


async def test_concurrent_workers_create_each_survey_once(db: str, settings: Settings) -> None:
    shop = await factories.merchant()
    for _ in range(4):
        await delivered(shop)
    await asyncio.gather(*(schedule_due_surveys(settings, None, now=NOW) for _ in range(3)))
    assert await Survey.all().count() == 4
    assert await OutboxMessage.all().count() == 4


async def test_the_job_asks_a_custom_question_saved_on_the_merchant(
    db: str, settings: Settings
) -> None:
    shop = await factories.merchant(survey_settings={"custom_question": {"pl": "Czy pasuje?"}})
    parcel = await delivered(shop)
    await schedule_due_surveys(settings, None, now=NOW)
    survey = await Survey.get(shipment_id=parcel.shipment.id)
    assert survey.questions == ["csat_delivery", "nps", "custom"]


async def test_a_merchant_who_switched_surveys_off_gets_none(db: str, settings: Settings) -> None:
    off = await factories.merchant(survey_settings={"enabled": False})
    on = await factories.merchant(survey_settings={"enabled": True})
    await delivered(off)
    surveyed = await delivered(on)
    await schedule_due_surveys(settings, None, now=NOW)
    assert [s.shipment_id for s in await Survey.all()] == [surveyed.shipment.id]  # type: ignore[attr-defined]
    request = await resolved_return(await delivered(off, delivered_at=NOW - timedelta(hours=1)))
    async with in_transaction() as conn:
        assert await survey_return(settings, request.id, now=NOW, conn=conn) is None


async def test_the_survey_channel_comes_from_the_survey_settings(
    db: str, settings: Settings
) -> None:
    shop = await factories.merchant(
        survey_settings={"channels": ["sms"]}, notification_rules={"survey": ["email"]}
    )
    await delivered(shop, phone="+48 600 100 200", country="PL", sms_opt_in=True)
    await schedule_due_surveys(settings, None, now=NOW)
    survey = await Survey.get()
    assert await OutboxMessage.filter(unique_key=f"survey:{survey.id}:sms").exists()
