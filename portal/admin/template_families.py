"""The families of messages a merchant can reword: shipment updates, return steps, the
survey invitation, claim steps and the withdrawal receipt — every family the composer sends.

Each editor family wraps a message family (:class:`portal.notifications.composer.Family`:
its triggers, variables, defaults and the channels it has templates for) with what only the
editor needs, the triggers' names and the variable to show as an example, so the editor
(:mod:`portal.admin.notification_templates`) treats them alike. Checking and previewing go
through the composer, so what the preview shows is what the customer will get. A family
written for e-mail only (claims, the withdrawal receipt) is offered for e-mail only: its
messages never go as a short text (the composer sends them by e-mail instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.admin.branding import TRIGGER_NAMES as SHIPMENT_TRIGGER_NAMES
from portal.claims import messages as claim_messages
from portal.i18n import _, lazy
from portal.models import Channel
from portal.notifications import composer
from portal.notifications.checking import TemplateProblem
from portal.notifications.shipments import SHIPMENTS
from portal.notifications.templates import Preview, TemplateSource
from portal.returns import withdrawal_messages
from portal.returns.messages import RETURNS, TRIGGER_NAMES
from portal.settings import Settings
from portal.surveys.message import SURVEYS
from portal.surveys.wording import SURVEY_TRIGGER


@dataclass(frozen=True, slots=True)
class Family:
    """One kind of message the editor offers."""

    messages: composer.Family[Any]
    names: Mapping[str, str]
    example: str

    @property
    def key(self) -> str:
        return self.messages.key

    @property
    def triggers(self) -> tuple[str, ...]:
        return self.messages.triggers

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The channels with a template of their own (SMS: every short text)."""
        return self.messages.template_channels

    @property
    def short_text(self) -> bool:
        """Whether its messages can go as a short text (SMS, WhatsApp, push)."""
        return Channel.SMS in self.channels

    def variables(self) -> list[tuple[str, str]]:
        return [(name, _(text)) for name, text in self.messages.variables.items()]

    def default(self, trigger: str, channel: str, locale: str) -> TemplateSource:
        return self.messages.default(trigger, Channel(channel), locale)

    def validate(self, source: str, trigger: str, channel: str) -> list[TemplateProblem]:
        return composer.validate(self.messages, source, trigger, channel)

    def preview(
        self,
        settings: Settings,
        merchant: Any,
        trigger: str,
        channel: str,
        locale: str,
        subject: str,
        body: str,
    ) -> Preview:
        return composer.preview(
            self.messages,
            settings,
            merchant,
            trigger=trigger,
            channel=channel,
            locale=locale,
            subject=subject,
            body=body,
        )


SHIPMENT = Family(SHIPMENTS, SHIPMENT_TRIGGER_NAMES, example="tracking_number")
RETURN = Family(RETURNS, TRIGGER_NAMES, example="return_number")
SURVEY = Family(SURVEYS, {SURVEY_TRIGGER: lazy("Survey invitation")}, example="survey_link")
CLAIM = Family(claim_messages.CLAIMS, claim_messages.TRIGGER_NAMES, example="claim_number")
WITHDRAWAL = Family(
    withdrawal_messages.WITHDRAWALS, withdrawal_messages.TRIGGER_NAMES, example="withdrawer_name"
)
FAMILIES: tuple[Family, ...] = (SHIPMENT, RETURN, SURVEY, CLAIM, WITHDRAWAL)
_BY_TRIGGER = {trigger: family for family in FAMILIES for trigger in family.triggers}


def family_of(trigger: str) -> Family | None:
    return _BY_TRIGGER.get(trigger)
