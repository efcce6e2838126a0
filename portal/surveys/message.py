"""The survey family: the invitation, rendered and queued like every customer message.

It goes through the composer (:mod:`portal.notifications.composer`: the merchant's
branding and layout, SMS fitting, quiet hours, the preferences link) and differs in
three things only: the button says "Answer the survey" and points at the survey link,
the channel and language were chosen when the survey was created, and the unique key
names the survey (``survey:{id}:{channel}``) instead of a shipment trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.i18n import lazy
from portal.models import Channel, Survey
from portal.notifications.composer import Family, Message, compose
from portal.notifications.context import PARTY_VARIABLES
from portal.notifications.templates import (
    TemplateSource,
)
from portal.settings import Settings
from portal.surveys.wording import SURVEY_TRIGGER, message_words

#: Variables a merchant's ``survey`` template may use.
VARIABLES: dict[str, str] = {
    **PARTY_VARIABLES,
    "intro": lazy("The invitation's standard sentence, in the customer's language"),
    "subject": lazy("The standard subject line, in the customer's language"),
    "survey_link": lazy("The link to the survey"),
}
DEFAULT_EMAIL = TemplateSource("{{ subject }}", "{{ greeting }}\n\n{{ intro }}")
DEFAULT_SMS = TemplateSource("", "{{ intro }}")


@dataclass(frozen=True, slots=True)
class Invitation:
    """The survey's link, and whether it asks about a return (else a delivery)."""

    link: str
    about_return: bool


def invitation_context(
    settings: Settings, message: Message[Invitation], channel: Channel, locale: str
) -> dict[str, Any]:
    words = message_words(locale)
    intro = (
        words["sms"].format(merchant=message.merchant.name)
        if channel == Channel.SMS
        else words["return" if message.about.about_return else "delivery"]
    )
    return {"intro": intro, "subject": words["subject"], "survey_link": message.about.link}


def _default(trigger: str, channel: Channel, locale: str) -> TemplateSource:
    return DEFAULT_SMS if channel == Channel.SMS else DEFAULT_EMAIL


def _sample(settings: Settings, trigger: str) -> Invitation:
    return Invitation(f"{settings.public_base_url}/s/sample", about_return=False)


SURVEYS: Family[Invitation] = Family(
    key="survey",
    triggers=(SURVEY_TRIGGER,),
    variables=VARIABLES,
    default_channels={SURVEY_TRIGGER: (Channel.EMAIL,)},
    default=_default,
    context=invitation_context,
    sample=_sample,
    link="survey_link",
    key_format="survey:{id}:{channel}",
    button=lambda trigger, locale: message_words(locale)["cta"],
)


async def enqueue_invitation(
    survey: Survey,
    *,
    merchant: Any,
    customer: Any,
    order: Any | None,
    channel: Channel,
    link: str,
    conn: BaseDBAsyncClient,
    settings: Settings,
    now: datetime,
) -> datetime | None:
    """Write the invitation to the outbox on ``channel`` (a second copy is ignored);
    returns its send time, None when nothing was written."""
    message = Message(
        SURVEYS,
        SURVEY_TRIGGER,
        survey.id,
        Invitation(link, about_return=survey.return_request_id is not None),
        merchant=merchant,
        customer=customer,
        order=order,
        shipment_id=survey.shipment_id,
        locale=survey.locale,
        channels=(channel,),
    )
    queued = await compose(message, conn=conn, settings=settings, now=now)
    return queued[0].scheduled_for if queued else None
