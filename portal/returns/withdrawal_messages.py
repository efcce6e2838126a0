"""The withdrawal family: the acknowledgement of a withdrawal statement.

Article 11a(3) of Directive 2011/83/EU asks the trader to acknowledge receipt of the
statement "without undue delay" on a durable medium, with its content and the date and
time it was submitted. That is this e-mail: it goes through the same composer as every
message (so the shop's branding and the outbox's one-copy guarantee hold), to the address
the customer typed into the form, in the language of the page they used. Its default
templates are ``templates/notifications/withdrawal_received.email.<locale>.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from portal import i18n
from portal.core import links
from portal.i18n import lazy
from portal.models import Channel
from portal.notifications.base import pick_locale
from portal.notifications.composer import Family, Message
from portal.notifications.context import PARTY_VARIABLES
from portal.notifications.templates import TemplateSource, file_default
from portal.returns.messages import money
from portal.settings import Settings

RECEIVED = "withdrawal_received"
TRIGGERS: tuple[str, ...] = (RECEIVED,)
TRIGGER_NAMES: dict[str, str] = {RECEIVED: lazy("Withdrawal acknowledged")}

VARIABLES: dict[str, str] = {
    **PARTY_VARIABLES,
    "withdrawer_name": lazy("The name given in the withdrawal statement"),
    "withdrawal_email": lazy("The e-mail address given for the acknowledgement"),
    "withdrawn_items": lazy("The withdrawn items, one per line: quantity, title and SKU"),
    "submitted_at": lazy("The date and time the statement was submitted, in the customer's zone"),
    "return_number": lazy("The number of the return the withdrawal opened, e.g. R-7KQ2MX"),
    "refund_total": lazy("The amount to be refunded, with its currency"),
    "return_link": lazy("The link to the customer's return page"),
}

CTA = lazy("View my withdrawal")


@dataclass(frozen=True, slots=True)
class Statement:
    """The statement as recorded, the return it opened, and the customer's time zone."""

    withdrawal: Any
    request: Any
    zone: ZoneInfo


def submitted_words(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """The submission's date and time, seconds and zone included (a receipt's timestamp)."""
    return format_datetime(moment, "long", tzinfo=zone, locale=pick_locale(locale))


def items_text(items: list[dict[str, Any]]) -> str:
    return "\n".join(f"- {item['quantity']} × {item['title']} ({item['sku']})" for item in items)


def context(
    settings: Settings, message: Message[Statement], channel: Channel, locale: str
) -> dict[str, Any]:
    statement = message.about
    withdrawal, request = statement.withdrawal, statement.request
    return {
        "withdrawer_name": withdrawal.name,
        "withdrawal_email": withdrawal.email,
        "withdrawn_items": items_text(withdrawal.items),
        "submitted_at": submitted_words(withdrawal.submitted_at, statement.zone, locale),
        "return_number": request.number,
        "refund_total": money(request.refund_total, request.currency, locale),
        "return_link": links.follow_url(settings, message.merchant.id, request.number),
    }


def default_source(trigger: str, channel: Channel | str, locale: str) -> TemplateSource:
    if trigger not in TRIGGERS:
        raise ValueError(f"not a withdrawal trigger: {trigger!r}")
    return file_default(trigger, Channel(channel).value, locale)


def cta(trigger: str, locale: str) -> str:
    return i18n.translations(pick_locale(locale)).ugettext(CTA)


def _sample(settings: Settings, trigger: str) -> Statement:
    withdrawal = SimpleNamespace(
        name="Anna Nowak",
        email="anna@example.com",
        items=[{"sku": "TEE-M", "title": "T-shirt", "quantity": 1}],
        submitted_at=datetime(2026, 12, 6, 9, 15, tzinfo=UTC),
    )
    request = SimpleNamespace(number="R-7KQ2MX", refund_total=Decimal("54.00"), currency="EUR")
    return Statement(withdrawal, request, ZoneInfo("Europe/Warsaw"))


WITHDRAWALS: Family[Statement] = Family(
    key="withdrawal",
    triggers=TRIGGERS,
    variables=VARIABLES,
    default_channels={RECEIVED: (Channel.EMAIL,)},
    default=default_source,
    context=context,
    sample=_sample,
    link="return_link",
    key_format="withdrawal:{id}:{step}:{channel}",
    button=cta,
    template_channels=(Channel.EMAIL,),
)
