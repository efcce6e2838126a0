"""The survey invitation: the merchant's layout, a survey button, templates that may fail."""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from portal.models import Channel, NotificationTemplate, OutboxMessage, Survey
from portal.notifications import composer
from portal.notifications.sms import sms_segments
from portal.notifications.templates import Rendered, TemplateSource
from portal.settings import Settings
from portal.surveys.message import (
    DEFAULT_EMAIL,
    DEFAULT_SMS,
    SURVEYS,
    Invitation,
    enqueue_invitation,
)
from tests.notifications.helpers import released_after
from tests.surveys.helpers import NOW, Delivered, delivered

LINK = "https://portal.test/s/abc"


async def _survey() -> tuple[Survey, Delivered]:
    parcel = await delivered(name="Anna")
    survey = await Survey.create(
        merchant=parcel.merchant,
        customer=parcel.customer,
        shipment=parcel.shipment,
        outcome="smooth",
        questions=["csat_delivery", "nps"],
        token_hash="0" * 64,
        expires_at=NOW + timedelta(days=30),
    )
    return survey, parcel


def _render(
    settings: Settings, source: TemplateSource, channel: Channel, locale: str, about_return: bool
) -> Rendered:
    about = Invitation(LINK, about_return)
    message = composer.Message(SURVEYS, "survey", 0, about, sample_merchant(), None, None)
    context = composer.context_for(settings, message, channel, locale)
    where = {"trigger": "survey", "channel": channel, "locale": locale}
    return composer.render(SURVEYS, source, context=context, **where)


def test_the_email_button_invites_to_the_survey(settings: Settings) -> None:
    rendered = _render(settings, DEFAULT_EMAIL, Channel.EMAIL, "en", about_return=False)
    assert rendered.subject == "How did we do?"
    assert rendered.html is not None
    # the link asks for the e-mail's language (docs/notifications.md)
    assert f'href="{LINK}?lang=en"' in rendered.html and "Answer the survey" in rendered.html
    assert "Track your parcel" not in rendered.html
    assert "delivery went" in rendered.text and LINK in rendered.text


def test_the_sms_ends_with_the_link_and_fits_two_segments(settings: Settings) -> None:
    rendered = _render(settings, DEFAULT_SMS, Channel.SMS, "el", about_return=True)
    assert rendered.text.endswith(LINK)
    assert sms_segments(rendered.text)[1] <= 2


async def test_a_merchants_survey_template_is_used(db: str, settings: Settings) -> None:
    survey, parcel = await _survey()
    await NotificationTemplate.create(
        merchant_id=survey.merchant_id,
        trigger="survey",
        channel="email",
        locale="en",
        subject="Quick question, {{ customer_name }}",
        body="Rate us: {{ survey_link }}",
    )
    async with in_transaction() as conn:
        await enqueue_invitation(
            survey,
            merchant=parcel.merchant,
            customer=parcel.customer,
            order=parcel.order,
            channel=Channel.EMAIL,
            link=LINK,
            conn=conn,
            settings=settings,
            now=NOW,
        )
    message = await OutboxMessage.get(unique_key=f"survey:{survey.id}:email")
    assert message.subject == "Quick question, Anna"
    assert f"Rate us: {LINK}" in message.body_text


async def test_a_broken_merchant_template_falls_back_to_the_default(
    db: str, settings: Settings
) -> None:
    survey, parcel = await _survey()
    await NotificationTemplate.create(
        merchant_id=survey.merchant_id,
        trigger="survey",
        channel="email",
        locale="en",
        subject="Hi",
        body="{{ no_such_variable }}",
    )
    async with in_transaction() as conn:
        await enqueue_invitation(
            survey,
            merchant=parcel.merchant,
            customer=parcel.customer,
            order=parcel.order,
            channel=Channel.EMAIL,
            link=LINK,
            conn=conn,
            settings=settings,
            now=NOW,
        )
    message = await OutboxMessage.get()
    assert message.subject == "How did we do?"


async def test_an_invitation_waits_out_quiet_hours(db: str, settings: Settings) -> None:
    survey, parcel = await _survey()
    parcel.merchant.quiet_hours_channels = ["email", "sms"]
    late_evening = NOW.replace(hour=22)  # the merchant's zone is UTC; quiet 21:00–08:00
    async with in_transaction() as conn:
        sent_for = await enqueue_invitation(
            survey,
            merchant=parcel.merchant,
            customer=parcel.customer,
            order=None,
            channel=Channel.EMAIL,
            link=LINK,
            conn=conn,
            settings=settings,
            now=late_evening,
        )
    assert released_after(sent_for, (NOW + timedelta(days=1)).replace(hour=8))


def sample_merchant() -> object:
    from types import SimpleNamespace

    return SimpleNamespace(name="Sample Shop", branding={"support_email": "help@shop.test"})
