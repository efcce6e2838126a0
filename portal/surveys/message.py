"""The survey invitation: rendered like every notification and written to the outbox.

It reuses the notification machinery (the merchant's branding and layout, SMS fitting,
quiet hours, the preferences link) and differs in two things only: the button says
"Answer the survey" and points at the survey link, and the unique key names the survey
(``survey:{id}:{channel}``) instead of a shipment trigger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import Channel, NotificationTemplate, Survey
from portal.notifications import outbox, schedule
from portal.notifications.base import pick_locale
from portal.notifications.context import greeting, merchant_context
from portal.notifications.links import preferences_link
from portal.notifications.sms import fit_sms_body
from portal.notifications.templates import (
    NOTIFICATIONS_DIR,
    Rendered,
    TemplateSource,
    in_layout,
    tidy,
)
from portal.settings import Settings
from portal.surveys.wording import SURVEY_TRIGGER, message_words

#: Variables a merchant's ``survey`` template may use.
VARIABLES = ("greeting", "merchant", "customer_name", "order_number", "intro", "survey_link")
DEFAULT_EMAIL = TemplateSource("{{ subject }}", "{{ greeting }}\n\n{{ intro }}")
DEFAULT_SMS = TemplateSource("", "{{ intro }}")

_env = SandboxedEnvironment(
    loader=FileSystemLoader(NOTIFICATIONS_DIR),
    undefined=StrictUndefined,
    autoescape=lambda name: bool(name and name.endswith(".html")),
    trim_blocks=True,
    lstrip_blocks=True,
)


def unique_key(survey_id: int, channel: Channel | str) -> str:
    return f"survey:{survey_id}:{Channel(channel).value}"


def invitation_context(
    settings: Settings,
    *,
    merchant: Any,
    customer: Any | None,
    order: Any | None,
    locale: str,
    link: str,
    about_return: bool,
    channel: Channel,
) -> dict[str, Any]:
    words = message_words(locale)
    name = (getattr(customer, "name", "") or "") if customer is not None else ""
    intro = (
        words["sms"].format(merchant=merchant.name)
        if channel == Channel.SMS
        else words["return" if about_return else "delivery"]
    )
    return {
        "greeting": greeting(name, locale),
        "merchant": merchant_context(merchant, settings),
        "customer_name": name,
        "order_number": (getattr(order, "number", "") or "") if order is not None else "",
        "intro": intro,
        "subject": words["subject"],
        "survey_link": link,
    }


def render_invitation(
    source: TemplateSource,
    channel: Channel,
    context: dict[str, Any],
    *,
    locale: str,
    preferences: str = "",
) -> Rendered:
    """Subject, text and HTML (email, in the notifications layout) or an SMS body."""
    body = tidy(_env.from_string(source.body).render(context))
    link = context["survey_link"]
    if channel == Channel.SMS:
        return Rendered("", fit_sms_body(body, link), None)
    subject = " ".join(_env.from_string(source.subject).render(context).split())
    return in_layout(
        body,
        subject,
        context,
        locale=locale,
        link=link,
        preferences_link=preferences,
        cta=message_words(locale)["cta"],
    )


async def invitation_source(
    merchant_id: int, channel: Channel, locale: str, conn: BaseDBAsyncClient
) -> TemplateSource:
    """The merchant's ``survey`` template for this channel and locale, else the default."""
    override = (
        await NotificationTemplate.filter(
            merchant_id=merchant_id,
            trigger=SURVEY_TRIGGER,
            channel=channel,
            locale=pick_locale(locale),
        )
        .using_db(conn)
        .first()
    )
    if override is not None:
        return TemplateSource(override.subject, override.body)
    return DEFAULT_SMS if channel == Channel.SMS else DEFAULT_EMAIL


async def enqueue_invitation(
    settings: Settings,
    *,
    survey: Survey,
    merchant: Any,
    customer: Any,
    order: Any | None,
    channel: Channel,
    recipient: str,
    link: str,
    due: datetime,
    conn: BaseDBAsyncClient,
) -> datetime:
    """Write the invitation to the outbox (a second copy is ignored); returns its send time."""
    locale = survey.locale
    context = invitation_context(
        settings,
        merchant=merchant,
        customer=customer,
        order=order,
        locale=locale,
        link=link,
        about_return=survey.return_request_id is not None,
        channel=channel,
    )
    source = await invitation_source(merchant.id, channel, locale, conn)
    preferences = preferences_link(settings, customer.id)
    try:
        rendered = render_invitation(
            source, channel, context, locale=locale, preferences=preferences
        )
    except Exception:  # a broken merchant template must not lose the survey
        default = DEFAULT_SMS if channel == Channel.SMS else DEFAULT_EMAIL
        rendered = render_invitation(
            default, channel, context, locale=locale, preferences=preferences
        )
    zone = schedule.recipient_zone(
        customer=customer,
        order=order,
        merchant=merchant,
        default_time_zone=getattr(settings, "default_time_zone", "UTC"),
    )
    scheduled_for = await outbox.enqueue(
        merchant_id=merchant.id,
        customer_id=customer.id,
        shipment_id=survey.shipment_id,
        channel=channel,
        recipient=recipient,
        trigger=SURVEY_TRIGGER,
        unique_key=unique_key(survey.id, channel),
        locale=locale,
        rendered=rendered,
        due=due,
        zone=zone,
        quiet_hours=schedule.merchant_quiet_hours(merchant, settings),
        using_db=conn,
    )
    return scheduled_for
