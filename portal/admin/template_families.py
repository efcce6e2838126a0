"""The families of messages a merchant can reword: shipment updates, return steps and the
survey invitation.

Each family says which triggers it has, what they are called, which variables its
templates may use, what the shipped default is, and how to check and preview an edited
template, so the editor (:mod:`portal.admin.notification_templates`) treats them alike
and what the preview shows is what the family's renderer will send.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from portal.admin.branding import TRIGGER_NAMES as SHIPMENT_TRIGGER_NAMES
from portal.i18n import _, lazy
from portal.models import Channel
from portal.notifications import templates
from portal.notifications.base import Trigger
from portal.notifications.checking import check_template
from portal.notifications.context import VARIABLES as SHIPMENT_VARIABLES
from portal.notifications.links import PREFERENCES_PATH
from portal.notifications.sms import sms_segments
from portal.notifications.templates import Preview, TemplateProblem, TemplateSource
from portal.returns import messages as return_messages
from portal.settings import Settings
from portal.surveys import message as survey_message
from portal.surveys.wording import SURVEY_TRIGGER

#: What each shipment variable holds, in words the editor can translate; keyed like
#: :data:`portal.notifications.context.VARIABLES` (the source of truth for names).
SHIPMENT_DESCRIPTIONS = {
    "greeting": lazy("The opening line, with the customer's name when known"),
    "merchant": lazy(
        "The shop: merchant.name and merchant.branding (logo_url, primary_color, "
        "accent_color, support_email, support_url, support_phone)"
    ),
    "customer_name": lazy("The customer's name (may be empty)"),
    "order_number": lazy("The order number (may be empty)"),
    "tracking_number": lazy("The carrier's tracking number"),
    "carrier_name": lazy("The carrier's name, e.g. DHL"),
    "status": lazy("The parcel's status in plain words"),
    "reason": lazy("Why, in a plain sentence, for problems and failed attempts (may be empty)"),
    "eta": lazy("The expected delivery date, written out (may be empty)"),
    "tracking_link": lazy("The signed link to the tracking page"),
    "return_link": lazy("The link to start a return of the order"),
}

#: The survey invitation's variables (names from :data:`survey_message.VARIABLES`).
SURVEY_DESCRIPTIONS = {
    "greeting": SHIPMENT_DESCRIPTIONS["greeting"],
    "merchant": SHIPMENT_DESCRIPTIONS["merchant"],
    "customer_name": SHIPMENT_DESCRIPTIONS["customer_name"],
    "order_number": SHIPMENT_DESCRIPTIONS["order_number"],
    "intro": lazy("The invitation's standard sentence, in the customer's language"),
    "subject": lazy("The standard subject line, in the customer's language"),
    "survey_link": lazy("The link to the survey"),
}


@dataclass(frozen=True, slots=True)
class Family:
    """One kind of message the editor offers."""

    key: str
    triggers: tuple[str, ...]
    names: dict[str, str]
    descriptions: dict[str, str]
    #: (trigger, channel, locale) -> the shipped template
    default: Callable[[str, str, str], TemplateSource]
    #: (source, trigger, channel) -> problems
    validate: Callable[[str, str, str], list[TemplateProblem]]
    #: (settings, merchant, trigger, channel, locale, subject, body) -> preview
    preview: Callable[[Any, Any, str, str, str, str, str], Preview]
    example: str

    def variables(self) -> list[tuple[str, str]]:
        return [(name, _(text)) for name, text in self.descriptions.items()]


def _shipment_preview(
    settings: Settings,
    merchant: Any,
    trigger: str,
    channel: str,
    locale: str,
    subject: str,
    body: str,
) -> Preview:
    return templates.preview(
        settings, merchant, channel=channel, locale=locale, subject=subject, body=body
    )


def _return_preview(
    settings: Settings,
    merchant: Any,
    trigger: str,
    channel: str,
    locale: str,
    subject: str,
    body: str,
) -> Preview:
    return return_messages.preview(
        settings,
        merchant,
        trigger=trigger,
        channel=channel,
        locale=locale,
        subject=subject,
        body=body,
    )


_survey_env = SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_SAMPLE_SETTINGS = SimpleNamespace(
    secret_key="template-check", old_secret_keys=(), public_base_url="https://shop.example"
)


def _survey_context(settings: Settings, merchant: Any, channel: str, locale: str) -> dict[str, Any]:
    return survey_message.invitation_context(
        settings,
        merchant=merchant,
        customer=SimpleNamespace(name="Anna Nowak"),
        order=SimpleNamespace(number="#1042"),
        locale=locale,
        link=f"{settings.public_base_url}/s/sample",
        about_return=False,
        channel=Channel(channel),
    )


def _survey_validate(source: str, trigger: str, channel: str) -> list[TemplateProblem]:
    sample = SimpleNamespace(name="Sample Shop", branding={})
    context = _survey_context(_SAMPLE_SETTINGS, sample, channel, "en")
    return check_template(_survey_env, source, SURVEY_DESCRIPTIONS.keys(), context)


def _survey_default(trigger: str, channel: str, locale: str) -> TemplateSource:
    if Channel(channel) == Channel.SMS:
        return survey_message.DEFAULT_SMS
    return survey_message.DEFAULT_EMAIL


def _survey_preview(
    settings: Settings,
    merchant: Any,
    trigger: str,
    channel: str,
    locale: str,
    subject: str,
    body: str,
) -> Preview:
    problems = [
        *(_survey_validate(subject, trigger, channel) if Channel(channel) == Channel.EMAIL else []),
        *_survey_validate(body, trigger, channel),
    ]
    if problems:
        return Preview(None, "", 0, problems)
    rendered = survey_message.render_invitation(
        TemplateSource(subject, body),
        Channel(channel),
        _survey_context(settings, merchant, channel, locale),
        locale=locale,
        preferences=f"{settings.public_base_url}{PREFERENCES_PATH}/sample",
    )
    encoding, segments = sms_segments(rendered.text)
    return Preview(rendered, encoding, segments, [])


SHIPMENT = Family(
    key="shipment",
    triggers=tuple(t.value for t in Trigger),
    names=SHIPMENT_TRIGGER_NAMES,
    descriptions={n: SHIPMENT_DESCRIPTIONS.get(n, d) for n, d in SHIPMENT_VARIABLES.items()},
    default=templates.default_source,
    validate=lambda source, trigger, channel: templates.validate_template(source, channel),
    preview=_shipment_preview,
    example="tracking_number",
)
RETURN = Family(
    key="return",
    triggers=return_messages.TRIGGERS,
    names=return_messages.TRIGGER_NAMES,
    descriptions=return_messages.VARIABLES,
    default=return_messages.default_source,
    validate=lambda source, trigger, channel: return_messages.validate(source, trigger),
    preview=_return_preview,
    example="return_number",
)
SURVEY = Family(
    key="survey",
    triggers=(SURVEY_TRIGGER,),
    names={SURVEY_TRIGGER: lazy("Survey invitation")},
    descriptions=SURVEY_DESCRIPTIONS,
    default=_survey_default,
    validate=_survey_validate,
    preview=_survey_preview,
    example="survey_link",
)
FAMILIES: tuple[Family, ...] = (SHIPMENT, RETURN, SURVEY)
_BY_TRIGGER = {trigger: family for family in FAMILIES for trigger in family.triggers}


def family_of(trigger: str) -> Family | None:
    return _BY_TRIGGER.get(trigger)
