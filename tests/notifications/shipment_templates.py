"""The composer's template functions applied to the shipment family, in the short forms
the shipment template tests read best with."""

from __future__ import annotations

from typing import Any

from portal.models import Channel
from portal.notifications import composer
from portal.notifications.checking import TemplateProblem
from portal.notifications.shipments import SHIPMENTS
from portal.notifications.templates import Preview, Rendered, TemplateSource

#: Shipment samples and checks do not depend on the trigger.
TRIGGER = "delivered"


def default_source(trigger: str, channel: str, locale: str) -> TemplateSource:
    return SHIPMENTS.default(trigger, Channel(channel), locale)


async def template_source(
    merchant_id: int, trigger: str, channel: str, locale: str
) -> TemplateSource:
    return await composer.template_source(SHIPMENTS, merchant_id, trigger, channel, locale)


def sample_context(
    settings: Any, merchant: Any, locale: str, channel: str = "email"
) -> dict[str, Any]:
    return composer.sample_context(
        SHIPMENTS, settings, merchant, trigger=TRIGGER, channel=channel, locale=locale
    )


def render_message(
    source: TemplateSource,
    channel: str,
    context: dict[str, Any],
    *,
    locale: str,
    preferences_link: str = "",
) -> Rendered:
    return composer.render(
        SHIPMENTS,
        source,
        trigger=TRIGGER,
        channel=channel,
        context=context,
        locale=locale,
        preferences_link=preferences_link,
    )


def validate_template(source: str, channel: str) -> list[TemplateProblem]:
    return composer.validate(SHIPMENTS, source, TRIGGER, channel)


def preview(
    settings: Any, merchant: Any, *, channel: str, locale: str, subject: str, body: str
) -> Preview:
    return composer.preview(
        SHIPMENTS,
        settings,
        merchant,
        trigger=TRIGGER,
        channel=channel,
        locale=locale,
        subject=subject,
        body=body,
    )
