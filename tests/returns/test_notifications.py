"""Customer messages about a return: one per step and channel, in the customer's language,
with the merchant's words when they wrote some, and none for a customer who opted out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
from tortoise.transactions import in_transaction

from portal.models import (
    Channel,
    DomainEvent,
    NotificationTemplate,
    OutboxMessage,
    ReturnKind,
    ReturnRequest,
)
from portal.notifications import composer
from portal.notifications.base import LOCALES
from portal.notifications.checking import TemplateProblem
from portal.returns import labels, messages, notifications, queue, service, short_links
from portal.settings import Settings
from tests import factories
from tests.admin.returns_helpers import return_for, review_shop
from tests.notifications.helpers import make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()


async def _messages(request_id: int) -> list[OutboxMessage]:
    return await OutboxMessage.filter(unique_key__startswith=f"return:{request_id}:").order_by("id")


async def test_a_request_under_review_is_acknowledged_once_even_when_replayed(
    settings: Settings, db: str
) -> None:
    shop = await review_shop()
    ret = await return_for(shop)
    sent = await _messages(ret.id)
    assert [m.unique_key for m in sent] == [f"return:{ret.id}:requested:email"]
    assert ret.number in sent[0].subject and ret.number in sent[0].body_text
    event = await DomainEvent.get(subject_id=ret.id, kind="return.needs_review")
    async with in_transaction() as conn:
        await notifications.on_return_event(event, factories.listener_context(conn, settings))
        assert await notifications.enqueue_for_event(event, conn=conn, settings=settings) == []
    assert len(await _messages(ret.id)) == 1


async def test_approval_sends_email_and_sms_with_the_drop_off_code(
    settings: Settings, db: str
) -> None:
    shop = await review_shop()
    ret = await return_for(shop, customer={"phone": "+48601234567", "sms_opt_in": True})
    await service.approve(ret, actor="staff:1", settings=settings)
    keys = {m.unique_key: m for m in await _messages(ret.id)}
    email = keys[f"return:{ret.id}:approved:email"]
    sms = keys[f"return:{ret.id}:approved:sms"]
    link = labels.drop_off_url(settings, shop.id, ret.number)
    assert email.subject == f"Your return {ret.number} is approved"
    assert link in email.body_text and link in (email.body_html or "")
    assert "Show my drop-off code" in (email.body_html or "")
    assert "$30.00" in email.body_text
    assert sms.body_text.endswith(short_links.DROP_OFF.url(settings, shop.id, ret.number))
    assert link not in sms.body_text  # a text carries the short form (two segments)
    assert sms.recipient == "+48601234567"


async def test_a_rejection_carries_the_merchants_message(settings: Settings, db: str) -> None:
    shop = await review_shop()
    ret = await return_for(shop)
    await service.reject(
        ret, actor="staff:1", note="Worn shoes cannot be returned.", settings=settings
    )
    rejected = next(m for m in await _messages(ret.id) if ":rejected:" in m.unique_key)
    assert "Worn shoes cannot be returned." in rejected.body_text


async def test_every_step_the_customer_sees_gets_its_message(settings: Settings, db: str) -> None:
    shop = await review_shop()
    ret = await return_for(shop, quantity=2)
    await service.approve(ret, actor="staff:1", settings=settings)
    await queue.mark_received(ret, actor="staff:1", issue_refund=True, settings=settings)
    steps = [m.unique_key.split(":")[2] for m in await _messages(ret.id)]
    assert steps == ["requested", "approved", "received", "resolved"]
    resolved = (await _messages(ret.id))[-1]
    assert "Refund: $60.00." in resolved.body_text
    cancelled = await return_for(shop)
    await service.cancel(cancelled, settings=settings)
    assert [m.trigger for m in await _messages(cancelled.id)] == [
        "return_requested",
        "return_cancelled",
    ]


def test_the_catalogue_declares_which_steps_each_kind_of_return_sends() -> None:
    assert set(messages.TRIGGERS_BY_KIND) == set(ReturnKind)
    for kind, triggers in messages.TRIGGERS_BY_KIND.items():
        assert triggers <= set(messages.TRIGGERS), kind
    every = {
        state: messages.trigger_for(ReturnKind.RETURN, state) for state in messages.TRIGGER_BY_STATE
    }
    assert every == messages.TRIGGER_BY_STATE
    # A withdrawal's acknowledgement already told the customer how to send the goods back.
    assert messages.trigger_for(ReturnKind.WITHDRAWAL, "awaiting_shipment") is None
    assert messages.trigger_for("withdrawal", "received") == "return_received"
    assert messages.trigger_for(ReturnKind.RETURN, "approved") is None  # not a customer step


async def test_a_withdrawals_return_announces_every_step_but_the_approval(
    settings: Settings, db: str
) -> None:
    shop = await review_shop()
    ret = await return_for(shop, customer={"phone": "+48601234567", "sms_opt_in": True})
    ret.kind = ReturnKind.WITHDRAWAL
    await ret.save(update_fields=["kind"])
    await service.approve(ret, actor="staff:1", settings=settings)
    await queue.mark_received(ret, actor="staff:1", issue_refund=True, settings=settings)
    steps = [m.unique_key.split(":", 2)[2] for m in await _messages(ret.id)]
    assert steps == ["requested:email", "received:email", "resolved:email"]


async def test_the_message_is_in_the_customers_language(settings: Settings, db: str) -> None:
    shop = await review_shop()
    ret = await return_for(shop, customer={"locale": "pl-PL"})
    await service.approve(ret, actor="staff:1", settings=settings)
    approved = next(m for m in await _messages(ret.id) if m.trigger == "return_approved")
    assert approved.locale == "pl"
    assert approved.subject == f"Twój zwrot {ret.number} został zaakceptowany"
    assert "Pokaż kod nadania" in (approved.body_html or "")
    assert "30,00" in approved.body_text


@pytest.mark.parametrize("locale", LOCALES)
def test_every_default_renders_in_every_language(locale: str) -> None:
    shop = SimpleNamespace(id=1, slug="shop", name="Shop", branding={})
    english = {}
    for trigger in messages.TRIGGERS:
        for channel in (Channel.EMAIL, Channel.SMS):
            source = messages.default_source(trigger, channel.value, locale)
            where = {"trigger": trigger, "channel": channel, "locale": locale}
            context = composer.sample_context(messages.RETURNS, make_settings(), shop, **where)
            rendered = composer.render(messages.RETURNS, source, context=context, **where)
            assert "R-7KQ2MX" in rendered.text, (trigger, channel)
            assert "{{" not in rendered.text and "{%" not in rendered.text
            assert validate(source.body, trigger) == []
            if channel == Channel.EMAIL:
                assert rendered.subject and rendered.html
                english[trigger] = messages.default_source(trigger, "email", "en").subject
                assert (locale == "en") == (source.subject == english[trigger])


async def test_an_opted_out_customer_gets_nothing(settings: Settings, db: str) -> None:
    shop = await review_shop()
    ret = await return_for(
        shop,
        customer={"email_opt_in": False, "sms_opt_in": False, "phone": "+48601234567"},
    )
    await service.approve(ret, actor="staff:1", settings=settings)
    assert await _messages(ret.id) == []


async def test_the_merchants_rules_and_own_words_apply(settings: Settings, db: str) -> None:
    shop = await review_shop()
    shop.notification_rules = {"return_requested": []}
    await shop.save()
    await NotificationTemplate.create(
        merchant=shop,
        trigger="return_approved",
        channel=Channel.EMAIL,
        locale="en",
        subject="Send {{ return_number }} back",
        body="{{ greeting }} Ship it{% if drop_off_by %} by {{ drop_off_by }}{% endif %}.",
    )
    ret = await return_for(shop)
    assert await _messages(ret.id) == []
    await service.approve(ret, actor="staff:1", settings=settings)
    (approved,) = await _messages(ret.id)
    assert approved.subject == f"Send {ret.number} back"
    assert "Ship it by" in approved.body_text


async def test_a_broken_merchant_template_falls_back_to_the_default(
    settings: Settings, db: str
) -> None:
    shop = await review_shop()
    await NotificationTemplate.create(
        merchant=shop,
        trigger="return_approved",
        channel=Channel.EMAIL,
        locale="en",
        subject="{{ return_number }}",
        body="{{ renamed_variable }}",
    )
    ret = await return_for(shop)
    await service.approve(ret, actor="staff:1", settings=settings)
    approved = next(m for m in await _messages(ret.id) if m.trigger == "return_approved")
    assert approved.subject == f"Your return {ret.number} is approved"


def validate(source: str, trigger: str) -> list[TemplateProblem]:
    return composer.validate(messages.RETURNS, source, trigger, Channel.EMAIL)


def test_templates_are_checked_against_the_return_variables() -> None:
    assert validate("{{ return_number }} {{ refund_total }}", "return_resolved") == []
    (problem,) = validate("ok\n{{ tracking_number }}", "return_resolved")
    assert (problem.line, problem.message) == (2, "unknown variable 'tracking_number'")
    assert validate("{% if %}", "return_resolved")[0].line == 1


def test_amounts_are_written_for_the_locale() -> None:
    assert messages.money(Decimal("1234.50"), "EUR", "en") == "€1,234.50"
    assert messages.money(Decimal("1234.50"), "PLN", "pl") == "1\xa0234,50\xa0zł"
    assert messages.money(Decimal("0"), "EUR", "en") == ""


async def test_an_unused_label_expiring_is_told_to_the_customer(
    settings: Settings, db: str
) -> None:
    shop = await review_shop()
    ret = await return_for(shop)
    await service.approve(ret, actor="staff:1", settings=settings)
    await ReturnRequest.filter(id=ret.id).update(
        label_expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    async with httpx.AsyncClient() as client:
        await service.expire_unused_labels(settings, client)
    expired = [m for m in await _messages(ret.id) if m.trigger == "return_expired"]
    assert [m.subject for m in expired] == [f"Your return {ret.number} has expired"]


def test_the_drop_off_day_is_the_pages_last_whole_day_in_the_customers_zone(
    settings: Settings,
) -> None:
    """Expiring at 10:50 in Sofia on 21 December, the code holds all of the 20th: the
    e-mail says the 20th, as the return's page does (not the UTC date of the expiry)."""
    request = SimpleNamespace(
        number="R-1", currency="EUR", refund_total=Decimal("21.90"), credit_total=Decimal(0),
        fees_total=Decimal("3.00"), label_expires_at=datetime(2026, 12, 21, 8, 50, tzinfo=UTC),
    )  # fmt: skip
    shop = SimpleNamespace(id=1, slug="m", name="M", branding={}, time_zone="Europe/Sofia")
    customer = SimpleNamespace(name="Елена", time_zone=None, country="BG")
    message = composer.Message(
        messages.RETURNS, "return_approved", 1, messages.ReturnStep(request), shop, customer,
        SimpleNamespace(id=1, number="2001", ship_country="BG"),
    )  # fmt: skip
    shown = messages.return_context(settings, message, Channel.EMAIL, "bg")
    assert shown["drop_off_by"] == "20 декември 2026\u202fг."
    late = SimpleNamespace(
        **{**vars(request), "label_expires_at": datetime(2026, 12, 20, 23, 30, tzinfo=UTC)}
    )
    message = composer.Message(
        messages.RETURNS, "return_approved", 1, messages.ReturnStep(late), shop, customer,
        SimpleNamespace(id=1, number="2001", ship_country="BG"),
    )  # fmt: skip
    assert messages.return_context(settings, message, Channel.EMAIL, "bg")["drop_off_by"] == (
        "20 декември 2026\u202fг."
    ), "01:30 on the 21st in Sofia: the 20th is the last whole day"
