"""The composer treats every family alike: a failing merchant template is logged and the
default sent, a replay writes nothing, consent and the merchant's rules choose channels, and
a number saved without its country code is read as the shop's country's."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from tortoise.transactions import in_transaction

from portal.models import Channel, NotificationTemplate, OutboxMessage
from portal.notifications import composer
from portal.notifications.base import MessageChannel
from portal.notifications.dispatcher import CHANNELS
from portal.notifications.shipments import SHIPMENTS
from portal.returns.messages import RETURNS
from portal.settings import Settings
from portal.surveys.message import SURVEYS
from tests import factories

FAMILIES = (SHIPMENTS, RETURNS, SURVEYS)
NOON = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


async def _message(
    family: composer.Family[object], settings: Settings, **customer: object
) -> composer.Message[object]:
    shop = await factories.merchant(default_locale="en")
    fields = {"email": "anna@example.test", "locale": "en", **customer}
    person = await factories.customer(shop, **fields)
    trigger = family.triggers[0]
    about = family.sample(settings, trigger)
    return composer.Message(family, trigger, 7, about, shop, person, None)


async def _compose(message: composer.Message[object], settings: Settings) -> list[str]:
    async with in_transaction() as conn:
        queued = await composer.compose(message, conn=conn, settings=settings, now=NOON)
    return [q.unique_key for q in queued]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.key)
async def test_a_failing_merchant_template_is_logged_and_the_default_sent(
    family: composer.Family[object],
    settings: Settings,
    db: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = await _message(family, settings)
    await NotificationTemplate.create(  # saved before a variable was renamed, say
        merchant=message.merchant,
        trigger=message.trigger,
        channel="email",
        locale="en",
        subject="Hi",
        body="{{ renamed_variable }}",
    )

    with caplog.at_level(logging.WARNING, logger="portal.notifications.composer"):
        keys = await _compose(message, settings)

    (sent,) = await OutboxMessage.filter(unique_key__in=keys)
    context = composer.context_for(settings, message, Channel.EMAIL, "en")
    default = family.default(message.trigger, Channel.EMAIL, "en")
    expected = composer.render(
        family, default, trigger=message.trigger, channel="email", context=context, locale="en"
    )
    assert sent.subject == expected.subject != "Hi"
    (record,) = [r for r in caplog.records if r.name == "portal.notifications.composer"]
    assert record.levelno == logging.WARNING and record.exc_info is not None
    assert message.trigger in record.getMessage()
    assert str(message.merchant.id) in record.getMessage()


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.key)
async def test_a_replayed_message_writes_nothing_new(
    family: composer.Family[object], settings: Settings, db: str
) -> None:
    message = await _message(family, settings)

    first = await _compose(message, settings)
    assert first and await _compose(message, settings) == []
    assert first[0].startswith(f"{family.key}:7:")
    assert await OutboxMessage.filter(unique_key__in=first).count() == len(first)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.key)
async def test_consent_and_the_merchants_rules_choose_the_channels(
    family: composer.Family[object], settings: Settings, db: str
) -> None:
    message = await _message(family, settings, phone="+48601234567", sms_opt_in=True)
    message.merchant.notification_rules = {message.trigger: ["sms"]}

    keys = await _compose(message, settings)

    assert [k.rsplit(":", 1)[1] for k in keys] == ["sms"]
    (text,) = await OutboxMessage.filter(unique_key__in=keys)
    assert text.recipient == "+48601234567" and text.body_html is None
    opted_out = await _message(family, settings, email_opt_in=False)
    assert await _compose(opted_out, settings) == []


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.key)
async def test_an_emails_page_links_ask_for_the_messages_language_an_sms_link_stays_short(
    family: composer.Family[object], settings: Settings, db: str
) -> None:
    message = await _message(family, settings, locale="ro", phone="+40722123456", sms_opt_in=True)
    message.merchant.notification_rules = {message.trigger: ["email", "sms"]}

    keys = await _compose(message, settings)

    sent = {m.channel: m for m in await OutboxMessage.filter(unique_key__in=keys)}
    assert set(sent) == {Channel.EMAIL, Channel.SMS}
    base = re.escape(settings.public_base_url)
    mail_links = re.findall(rf"{base}/[^\s\"<>]+", sent[Channel.EMAIL].body_text)
    assert mail_links, sent[Channel.EMAIL].body_text
    assert all(link.endswith(("?lang=ro", "&lang=ro")) for link in mail_links), mail_links
    assert "/unsubscribe/" in " ".join(mail_links)  # the preferences page too
    sms_links = re.findall(rf"{base}/\S+", sent[Channel.SMS].body_text)
    assert sms_links and not any("lang=" in link for link in sms_links), sms_links


def test_every_channel_has_one_class_in_the_dispatchers_table() -> None:
    assert set(CHANNELS) == set(Channel)
    assert all(issubclass(kind, MessageChannel) for kind in CHANNELS.values())


def test_a_number_without_its_country_code_is_read_as_the_shops_countrys() -> None:
    """As the API, the CSV import and the store sync store numbers: the customer's country,
    else the shipping country, else the shop's; a WhatsApp address like a text message."""
    greek = SimpleNamespace(
        phone="697 123 4567", country=None, sms_opt_in=True, whatsapp_opt_in=True
    )
    no_country = SimpleNamespace(ship_country=None, email="")
    assert composer.contact_for(Channel.SMS, greek, no_country, "GR") == "+306971234567"
    assert (
        composer.contact_for(Channel.WHATSAPP, greek, no_country, "GR") == "whatsapp:+306971234567"
    )
    assert composer.contact_for(Channel.WHATSAPP, greek, no_country) is None  # no country at all
    to_cyprus = SimpleNamespace(ship_country="CY", email="")
    assert composer.contact_for(Channel.WHATSAPP, greek, to_cyprus, "GR") is None  # not Cypriot


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.WHATSAPP])
async def test_a_greek_shops_message_reaches_a_number_saved_without_its_code(
    channel: Channel, settings: Settings, db: str
) -> None:
    message = await _message(
        SURVEYS,
        settings,
        phone="697 123 4567",
        sms_opt_in=True,
        whatsapp_opt_in=True,
        whatsapp_window_until=datetime(2026, 6, 11, tzinfo=UTC),  # open: free text allowed
    )
    message.merchant.country = "GR"
    message.merchant.notification_rules = {message.trigger: [channel.value]}

    keys = await _compose(message, settings)

    (sent,) = await OutboxMessage.filter(unique_key__in=keys)
    assert sent.channel == channel
    assert sent.recipient.removeprefix("whatsapp:") == "+306971234567"
