"""The return family: what a customer is told about their return, step by step.

A return message goes through the same composer as every message
(:mod:`portal.notifications.composer`) and differs only in what it talks about: an RMA
number, amounts and a link to the drop-off code instead of a parcel. Defaults are files
``templates/notifications/return_<step>.<channel>.<locale>.txt``; a merchant rewrites them
through ``NotificationTemplate`` rows with the same trigger names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency

from portal import i18n
from portal.core import links, timezones
from portal.i18n import lazy
from portal.models import Channel, ReturnKind
from portal.notifications.base import pick_locale
from portal.notifications.composer import SHORT_LINK_CHANNELS, Family, Message
from portal.notifications.context import PARTY_VARIABLES
from portal.notifications.templates import TemplateSource, file_default
from portal.returns import labels, short_links
from portal.settings import Settings

#: Return state reached -> the trigger that tells the customer. ``awaiting_shipment`` (not
#: ``approved``) carries the approval: only then does the label exist with its deadline,
#: and a keep-item return goes approved -> resolved without anything to send back.
TRIGGER_BY_STATE: dict[str, str] = {
    "needs_review": "return_requested",
    "awaiting_shipment": "return_approved",
    "rejected": "return_rejected",
    "received": "return_received",
    "resolved": "return_resolved",
    "cancelled": "return_cancelled",
    "expired": "return_expired",
}
TRIGGERS: tuple[str, ...] = tuple(TRIGGER_BY_STATE.values())

#: Return kind -> the triggers its returns send. A withdrawal's return is approved at once
#: by law, not by the shop: its acknowledgement (:mod:`portal.returns.withdrawal_messages`)
#: already names the return and how to send the goods back, so it sends no
#: ``return_approved`` (a "good news, approved" after it reads as the shop's favour, with
#: a refund promise worded unlike the statutory one).
TRIGGERS_BY_KIND: dict[ReturnKind, frozenset[str]] = {
    ReturnKind.RETURN: frozenset(TRIGGERS),
    ReturnKind.WITHDRAWAL: frozenset(TRIGGERS) - {"return_approved"},
}

#: Trigger names for the merchant's screens (translated at use).
TRIGGER_NAMES: dict[str, str] = {
    "return_requested": lazy("Return under review"),
    "return_approved": lazy("Return approved"),
    "return_rejected": lazy("Return rejected"),
    "return_received": lazy("Returned parcel received"),
    "return_resolved": lazy("Return resolved"),
    "return_cancelled": lazy("Return cancelled"),
    "return_expired": lazy("Return expired"),
}

#: Without a merchant rule: e-mail always; SMS too when the customer has to act.
DEFAULT_CHANNELS: dict[str, tuple[Channel, ...]] = {
    trigger: (Channel.EMAIL, Channel.SMS) if trigger == "return_approved" else (Channel.EMAIL,)
    for trigger in TRIGGERS
}

#: Every variable a return template may use, with what it holds (translated at use).
VARIABLES: dict[str, str] = {
    **PARTY_VARIABLES,
    "return_number": lazy("The return's number (RMA), e.g. R-7KQ2MX"),
    "message": lazy(
        "The shop's message to the customer, e.g. why a return was rejected (may be empty)"
    ),
    "refund_total": lazy("The amount refunded, with its currency (may be empty)"),
    "credit_total": lazy("The store credit granted, with its currency (may be empty)"),
    "fees_total": lazy("The fees kept back, with its currency (may be empty)"),
    "drop_off_by": lazy("The last day to drop the parcel off (may be empty)"),
    "return_link": lazy("The link to the drop-off code, or to the customer’s return page"),
}

#: The drop-off day in a text message: day and month in words ("14 декабря", "December 14"),
#: without the year, which a deadline a few weeks away does not need and an SMS pays for.
SHORT_DAY = "MMMMd"

#: The button under each e-mail (translated into the customer's language).
CTA_DROP_OFF = lazy("Show my drop-off code")
CTA_RETURN = lazy("View my return")


def is_return_trigger(trigger: str) -> bool:
    return trigger in TRIGGER_NAMES


def trigger_for(kind: ReturnKind | str, state: str) -> str | None:
    """The trigger a return of ``kind`` sends on reaching ``state``; None when it sends
    nothing there (a state the customer is not told about, or a step its kind skips)."""
    trigger = TRIGGER_BY_STATE.get(state)
    if trigger is None or trigger not in TRIGGERS_BY_KIND[ReturnKind(kind)]:
        return None
    return trigger


def default_source(trigger: str, channel: Channel | str, locale: str) -> TemplateSource:
    """The shipped template ``return_<step>.<channel>.<locale>.txt``."""
    if not is_return_trigger(trigger):
        raise ValueError(f"not a return trigger: {trigger!r}")
    return file_default(trigger, Channel(channel).value, locale)


def money(amount: Decimal | None, currency: str, locale: str) -> str:
    """``Decimal('12.50')`` → "€12.50" in ``locale``; empty for nothing or zero."""
    if not amount:
        return ""
    return format_currency(amount, currency, locale=pick_locale(locale))


def return_link(
    settings: Settings, request: Any, merchant: Any, trigger: str, channel: Channel = Channel.EMAIL
) -> str:
    """The drop-off code once approved; the customer's own return page otherwise.

    A text message gets the short form of either (:mod:`portal.returns.short_links`), so
    its words fit two segments in every language; an e-mail keeps the long signed links.
    """
    short = channel in SHORT_LINK_CHANNELS
    if trigger == "return_approved":
        if short:
            return short_links.DROP_OFF.url(settings, merchant.id, request.number)
        return labels.drop_off_url(settings, merchant.id, request.number)
    if short:
        return short_links.FOLLOW.url(settings, merchant.id, request.number)
    return links.follow_url(settings, merchant.id, request.number)


@dataclass(frozen=True, slots=True)
class ReturnStep:
    """The return request as it stands, and the shop's note to the customer (a rejection's
    reason)."""

    request: Any
    note: str = ""


def return_context(
    settings: Settings, message: Message[ReturnStep], channel: Channel, locale: str
) -> dict[str, Any]:
    """The return's variables (see :data:`VARIABLES`)."""
    request = message.about.request
    currency = request.currency
    expires: datetime | None = request.label_expires_at
    drop_off_by = ""
    if expires is not None:  # the day the returns pages show, in the customer's zone
        zone = timezones.recipient_zone(
            customer=message.customer,
            order=message.order,
            merchant=message.merchant,
            default_time_zone=settings.default_time_zone,
        )
        day = timezones.last_whole_day(expires, zone)
        if channel in SHORT_LINK_CHANNELS:  # a text's room is counted
            drop_off_by = format_skeleton(SHORT_DAY, day, locale=pick_locale(locale))
        else:
            drop_off_by = format_date(day, "long", locale=pick_locale(locale))
    return {
        "return_number": request.number,
        "message": message.about.note.strip(),
        "refund_total": money(request.refund_total, currency, locale),
        "credit_total": money(request.credit_total, currency, locale),
        "fees_total": money(request.fees_total, currency, locale),
        "drop_off_by": drop_off_by,
        "return_link": return_link(settings, request, message.merchant, message.trigger, channel),
    }


def cta(trigger: str, locale: str) -> str:
    """The e-mail button: the drop-off code once approved, the return page otherwise."""
    words = CTA_DROP_OFF if trigger == "return_approved" else CTA_RETURN
    return i18n.translations(pick_locale(locale)).ugettext(words)


def _sample(settings: Settings, trigger: str) -> ReturnStep:
    request = SimpleNamespace(
        number="R-7KQ2MX",
        currency="EUR",
        refund_total=Decimal("54.00"),
        credit_total=Decimal("0"),
        fees_total=Decimal("6.00"),
        label_expires_at=datetime(2026, 12, 14, 12, tzinfo=UTC),
    )
    note = "The item shows signs of wear." if trigger == "return_rejected" else ""
    return ReturnStep(request, note)


RETURNS: Family[ReturnStep] = Family(
    key="return",
    triggers=TRIGGERS,
    variables=VARIABLES,
    default_channels=DEFAULT_CHANNELS,
    default=default_source,
    context=return_context,
    sample=_sample,
    link="return_link",
    key_format="return:{id}:{step}:{channel}",
    button=cta,
)
