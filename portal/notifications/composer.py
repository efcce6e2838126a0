"""One pipeline for every customer message, whatever it is about.

A *family* (shipment updates, return steps, the survey invitation, and whatever comes
next: withdrawal receipts, claims) declares only what is its own: its triggers, the
channels it uses when the merchant chose none, its default templates, the variables its
templates may use, how to build them (:attr:`Family.context`) and a sample to preview
with. The composer does the rest for all of them alike:

- channels from the merchant's rules for the trigger, else the family's defaults;
- the recipient on each channel from the customer's contact and consent;
- the customer's language and time zone, and the merchant's quiet hours;
- the merchant's template, else the default; a merchant template that fails to render is
  logged and replaced by the default, because a message must never roll back the change
  it reports (a tracking update, a return move);
- the outbox row, under a unique key that makes a replayed event write nothing new.

The admin editor checks and previews templates with :func:`validate` and :func:`preview`,
so what the merchant sees is what the customer will get.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.core import timezones
from portal.core.links import PREFERENCES_PATH, in_language, preferences_link
from portal.core.phones import to_e164
from portal.models import Channel, NotificationTemplate, OutboxMessage, WhatsAppTemplate
from portal.notifications import channel_choice, outbox, webpush, whatsapp
from portal.notifications.base import pick_locale
from portal.notifications.checking import TemplateProblem, check_template
from portal.notifications.context import greeting, merchant_context
from portal.notifications.sms import MAX_SEGMENTS, fit_sms_body, sms_segments
from portal.notifications.templates import (
    ENV,
    Preview,
    Rendered,
    TemplateSource,
    compiled,
    in_layout,
    tidy,
)
from portal.settings import Settings

log = logging.getLogger(__name__)

About = TypeVar("About")

#: Stand-ins for checking and previewing a template: only names and shapes matter.
SAMPLE_SETTINGS = Settings(secret_key="template-check", public_base_url="https://shop.example")
SAMPLE_CUSTOMER = SimpleNamespace(name="Anna Nowak", time_zone=None, country=None)
SAMPLE_ORDER = SimpleNamespace(id=0, number="#1042")
_SAMPLE_MERCHANT = SimpleNamespace(id=0, slug="sample-shop", name="Sample Shop", branding={})


def _no_button_words(trigger: str, locale: str) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class Family(Generic[About]):
    """What one kind of message declares; everything else is the composer's."""

    key: str
    triggers: tuple[str, ...]
    #: variable name -> what it holds (translated at use); the only names templates may use
    variables: Mapping[str, str]
    #: trigger -> channels when the merchant's rules do not name the trigger
    default_channels: Mapping[str, tuple[Channel, ...]]
    #: (trigger, channel, locale) -> the shipped template
    default: Callable[[str, Channel, str], TemplateSource]
    #: (settings, message, channel, locale) -> the family's own variables
    context: Callable[[Any, Message[About], Channel, str], dict[str, Any]]
    #: (settings, trigger) -> what a sample message is about, for previews and checks
    sample: Callable[[Any, str], About]
    #: the variable holding the link the e-mail button and the end of an SMS point at
    link: str
    #: the outbox key; may use {id}, {trigger}, {step} (the trigger without the family's
    #: prefix) and {channel}
    key_format: str
    #: (trigger, locale) -> the e-mail button's words; None keeps the layout's own
    button: Callable[[str, str], str | None] = _no_button_words
    #: the channels the family has templates for; SMS stands for every short text (SMS,
    #: WhatsApp, push). A message due on a channel without one goes by the family's
    #: default channels instead (a claim's steps, written for e-mail only).
    template_channels: tuple[Channel, ...] = (Channel.EMAIL, Channel.SMS)
    #: the variables whose values a text message may clip (at a word, with an ellipsis)
    #: before it drops the sentence that holds them (:func:`portal.notifications.sms.fit_sms_body`):
    #: free-form names, such as a pickup point's, that the linked page shows whole
    sms_elastic: tuple[str, ...] = ()
    #: trigger -> the SMS segments its text may take when not the usual two
    #: (:data:`portal.notifications.sms.MAX_SEGMENTS`): a message the customer acts on at
    #: a place, by a deadline, with a code (a parcel waiting at a pickup point)
    sms_budget: Mapping[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Message(Generic[About]):
    """One occasion to tell a customer something: what about, and who is concerned."""

    family: Family[About]
    trigger: str
    #: the id in the unique key (the shipment's, the return's, the survey's)
    subject_id: int
    about: About
    merchant: Any
    customer: Any
    order: Any | None
    shipment_id: int | None = None
    #: the language, when the family decided it already (a survey stores its own)
    locale: str | None = None
    #: the channels, when the family decided them already (a survey picks one)
    channels: Sequence[Channel] | None = None
    #: what makes this occasion unique beyond subject and trigger, appended to the key
    #: (a pickup reminder's deadline date, so a new deadline can remind again)
    occasion: str | None = None
    #: an e-mail address the customer gave for this very message (a withdrawal's
    #: acknowledgement): used instead of the stored contact and whatever the marketing
    #: consent, because the law requires the message
    to: str | None = None
    #: sent at once, not held for quiet hours (a receipt owed "without undue delay")
    immediate: bool = False


@dataclass(frozen=True, slots=True)
class Queued:
    """A message the composer wrote to the outbox, and when it will go."""

    unique_key: str
    channel: Channel
    scheduled_for: datetime


def channels_for(merchant: Any, family: Family[Any], trigger: str) -> list[Channel]:
    """The merchant's channels for a trigger; a trigger it never set keeps the default."""
    chosen = (getattr(merchant, "notification_rules", None) or {}).get(trigger)
    if chosen is None:
        return list(family.default_channels[trigger])
    return [Channel(c) for c in chosen if c in Channel._value2member_map_]


def contact_for(
    channel: Channel, customer: Any, order: Any | None, shop_country: str | None = None
) -> str | None:
    """Where to send on ``channel``, or None when the customer has no usable contact or
    has opted out of it.

    A number written without its country code (one saved before numbers were stored in
    E.164, say) is read as one of the customer's country, else the shipping country's,
    else the shop's (``shop_country``), as the API, the CSV import and the store sync read
    it when they store it: the same for a text message and a WhatsApp address."""
    if channel == Channel.EMAIL:
        if not customer.email_opt_in:
            return None
        address = customer.email or (order.email if order is not None else "")
        return address if address and "@" in address else None
    region = customer.country or (order.ship_country if order is not None else None) or shop_country
    if channel == Channel.WHATSAPP:
        if not getattr(customer, "whatsapp_opt_in", False):
            return None
        phone = to_e164(customer.phone, region)
        return whatsapp.address(phone) if phone else None
    if channel != Channel.SMS or not customer.sms_opt_in:
        return None
    return to_e164(customer.phone, region)


def unique_key(
    family: Family[Any],
    subject_id: int,
    trigger: str,
    channel: Channel,
    occasion: str | None = None,
) -> str:
    step = trigger.removeprefix(f"{family.key}_")
    key = family.key_format.format(
        id=subject_id, trigger=trigger, step=step, channel=Channel(channel).value
    )
    return f"{key}:{occasion}" if occasion else key


#: The variables that link to a customer's page, and the channels whose links name the
#: message's language (an SMS keeps its link short; a WhatsApp button's URL is the
#: approved template's).
PAGE_LINKS = ("tracking_link", "return_link", "withdrawal_link", "survey_link")
LINKS_IN_LANGUAGE = frozenset({Channel.EMAIL, Channel.PUSH})
#: The channels whose messages carry the short form of a link (tracking, a return's pages):
#: texts, where every character is read and, for SMS, counted against the text's segment
#: budget (two, three for a parcel waiting at a pickup point: :func:`segment_budget`).
SHORT_LINK_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})


def context_for(
    settings: Settings, message: Message[Any], channel: Channel | str, locale: str
) -> dict[str, Any]:
    """Every variable of the message: the shop and customer's, then the family's own.

    An e-mail's (and a push's) links to the customer's pages ask for the message's
    language, so the page reads as the message did whatever the browser prefers.
    """
    customer, order = message.customer, message.order
    name = (getattr(customer, "name", "") or "") if customer is not None else ""
    context = {
        "greeting": greeting(name, locale),
        "merchant": merchant_context(message.merchant, settings),
        "customer_name": name,
        "order_number": (getattr(order, "number", "") or "") if order is not None else "",
        **message.family.context(settings, message, Channel(channel), locale),
    }
    if Channel(channel) in LINKS_IN_LANGUAGE:
        for key in PAGE_LINKS:
            value = context.get(key)
            if isinstance(value, str) and value:
                context[key] = in_language(value, locale)
    return context


def sample_context(
    family: Family[Any],
    settings: Settings,
    merchant: Any,
    *,
    trigger: str,
    channel: Channel | str,
    locale: str,
) -> dict[str, Any]:
    """A realistic context for previews and for checking a template before it is saved."""
    shop = SimpleNamespace(
        id=getattr(merchant, "id", 0) or 0,
        slug=getattr(merchant, "slug", "shop") or "shop",
        name=merchant.name,
        branding=getattr(merchant, "branding", {}) or {},
        time_zone=getattr(merchant, "time_zone", None),
    )
    about = family.sample(settings, trigger)
    message = Message(family, trigger, 0, about, shop, SAMPLE_CUSTOMER, SAMPLE_ORDER)
    return context_for(settings, message, channel, locale)


async def template_source(
    family: Family[Any],
    merchant_id: int,
    trigger: str,
    channel: Channel | str,
    locale: str,
    conn: BaseDBAsyncClient | None = None,
) -> TemplateSource:
    """The merchant's override for this trigger, channel and language, else the default."""
    override = (
        await NotificationTemplate.filter(
            merchant_id=merchant_id, trigger=trigger, channel=channel, locale=pick_locale(locale)
        )
        .using_db(conn)
        .first()
    )
    if override is not None:
        return TemplateSource(override.subject, override.body)
    return family.default(trigger, Channel(channel), locale)


def segment_budget(family: Family[Any], trigger: str) -> int:
    """The SMS segments a text of ``trigger`` may take (two unless its family says)."""
    return (family.sms_budget or {}).get(trigger, MAX_SEGMENTS)


def render(
    family: Family[Any],
    source: TemplateSource,
    *,
    trigger: str,
    channel: Channel | str,
    context: dict[str, Any],
    locale: str,
    preferences_link: str = "",
) -> Rendered:
    """Subject, text and HTML (e-mail, in the merchant's layout) or a fitted SMS body."""
    body = tidy(compiled(source.body).render(context))
    link = str(context.get(family.link, ""))
    if Channel(channel) == Channel.SMS:
        elastic = [str(context.get(name) or "") for name in family.sms_elastic]
        budget = segment_budget(family, trigger)
        return Rendered("", fit_sms_body(body, link, budget, elastic, locale=locale), None)
    subject = " ".join(compiled(source.subject).render(context).split())
    button = family.button(trigger, locale)
    return in_layout(
        body,
        subject,
        context,
        locale=locale,
        link=link,
        preferences_link=preferences_link,
        words={"cta": button} if button else None,
    )


async def _render_or_default(
    message: Message[Any],
    channel: Channel,
    locale: str,
    context: dict[str, Any],
    link: str,
    conn: BaseDBAsyncClient,
) -> Rendered:
    """The merchant's template, or the default when theirs fails (a variable renamed
    after it was saved): logged, never silent, and never rolling back the cause."""
    family, trigger = message.family, message.trigger
    merchant_id = message.merchant.id
    source = await template_source(family, merchant_id, trigger, channel, locale, conn)
    options: dict[str, Any] = {"trigger": trigger, "channel": channel, "locale": locale}
    try:
        return render(family, source, context=context, preferences_link=link, **options)
    except Exception:
        default = family.default(trigger, channel, locale)
        if source == default:
            raise
        log.warning(
            "merchant %s: its %s template (%s, %s) failed to render; sent the default",
            merchant_id,
            trigger,
            channel.value,
            locale,
            exc_info=True,
        )
        return render(family, default, context=context, preferences_link=link, **options)


async def compose(
    message: Message[Any], *, conn: BaseDBAsyncClient, settings: Settings, now: datetime
) -> list[Queued]:
    """Write ``message`` to the outbox on each channel the customer can and wants to hear
    on; returns what was written (nothing for a key already there)."""
    merchant, customer, order = message.merchant, message.customer, message.order
    family, trigger = message.family, message.trigger
    locale = message.locale or pick_locale(customer.locale, merchant.default_locale)
    zone = timezones.recipient_zone(
        customer=customer,
        order=order,
        merchant=merchant,
        default_time_zone=settings.default_time_zone,
    )
    quiet_hours = timezones.merchant_quiet_hours(merchant, settings)
    # A receipt owed "without undue delay" (``immediate``) is never held.
    quiet = frozenset() if message.immediate else channel_choice.quiet_channels(merchant)
    # The customer's choice for the order applies to the shop's own messages, not to one
    # whose family decided its channel (a survey, a statutory acknowledgement).
    planned = (
        list(message.channels)
        if message.channels
        else channel_choice.for_message(merchant, order, channels_for(merchant, family, trigger))
    )
    queued = []
    index = 0
    while index < len(planned):
        channel = planned[index]
        index += 1
        source_channel = channel_choice.template_channel(channel)
        if source_channel not in family.template_channels:
            # The customer chose text messages, say, for a kind written for e-mail only.
            planned.extend(c for c in family.default_channels[trigger] if c not in planned)
            continue
        address = await _address(message, channel, now, conn)
        if address is None:
            continue
        key = unique_key(family, message.subject_id, trigger, channel, message.occasion)
        if await OutboxMessage.filter(unique_key=key).using_db(conn).exists():
            continue
        context = context_for(settings, message, source_channel, locale)
        payload = await _payload(message, channel, locale, context, now, conn)
        if channel == Channel.WHATSAPP and payload is None:
            # No approved template and no open window: WhatsApp would refuse it.
            substitute = channel_choice.fallback(merchant, Channel.WHATSAPP, planned)
            if substitute is not None:
                planned.append(substitute)
            continue
        link = preferences_link(settings, customer.id)
        if channel in LINKS_IN_LANGUAGE:
            link = in_language(link, locale)
        rendered = await _render_or_default(message, source_channel, locale, context, link, conn)
        scheduled_for = await outbox.enqueue(
            merchant_id=merchant.id,
            customer_id=customer.id,
            shipment_id=message.shipment_id,
            channel=channel,
            recipient=address,
            trigger=trigger,
            unique_key=key,
            locale=locale,
            rendered=rendered,
            due=now,
            zone=zone,
            quiet_hours=quiet_hours if channel in quiet else None,
            using_db=conn,
            payload=payload or None,
            release_window=timedelta(minutes=settings.quiet_release_minutes),
        )
        queued.append(Queued(key, channel, scheduled_for))
    return queued


async def _address(
    message: Message[Any], channel: Channel, now: datetime, conn: BaseDBAsyncClient
) -> str | None:
    """Where ``message`` goes on ``channel``; None when it cannot go there."""
    if message.to is not None and channel == Channel.EMAIL:
        return message.to if "@" in message.to else None
    if channel == Channel.PUSH:
        if message.shipment_id is None:
            return None
        subscribed = await webpush.has_subscribers(message.shipment_id, now)
        return webpush.recipient_for(message.shipment_id) if subscribed else None
    shop_country = getattr(message.merchant, "country", None)
    return contact_for(channel, message.customer, message.order, shop_country)


async def _payload(
    message: Message[Any],
    channel: Channel,
    locale: str,
    context: Mapping[str, Any],
    now: datetime,
    conn: BaseDBAsyncClient,
) -> dict[str, Any] | None:
    """What the channel needs besides the text (``{}`` when nothing); for WhatsApp, None
    when it may not be sent: no approved template and the 24-hour window is closed."""
    if channel == Channel.PUSH:
        return {
            "title": str(context.get("merchant", {}).get("name", "") or ""),
            "url": str(context.get(message.family.link, "") or ""),
        }
    if channel != Channel.WHATSAPP:
        return {}
    template = (
        await WhatsAppTemplate.filter(
            merchant_id=message.merchant.id, trigger=message.trigger, locale=locale
        )
        .using_db(conn)
        .first()
    )
    if template is not None:
        return whatsapp.template_payload(template.content_sid, template.variables, context)
    window = getattr(message.customer, "whatsapp_window_until", None)
    if window is not None and window > now:
        return {}
    return None


def validate(
    family: Family[Any], source: str, trigger: str, channel: Channel | str
) -> list[TemplateProblem]:
    """Problems that stop a template from being saved: syntax errors and unknown names.

    Unknown top-level variables are found statically; unknown attributes (``merchant.nme``)
    and sandbox violations by rendering against the family's sample.
    """
    sample = sample_context(
        family, SAMPLE_SETTINGS, _SAMPLE_MERCHANT, trigger=trigger, channel=channel, locale="en"
    )
    problems = check_template(ENV, source, family.variables.keys(), sample)
    return sorted(problems, key=lambda p: (p.line, p.message))


def preview(
    family: Family[Any],
    settings: Settings,
    merchant: Any,
    *,
    trigger: str,
    channel: Channel | str,
    locale: str,
    subject: str,
    body: str,
) -> Preview:
    """Render an edited template against sample data, with its SMS segment count."""
    problems = [
        *(validate(family, subject, trigger, channel) if Channel(channel) == Channel.EMAIL else []),
        *validate(family, body, trigger, channel),
    ]
    if problems:
        return Preview(None, "", 0, problems)
    context = sample_context(
        family, settings, merchant, trigger=trigger, channel=channel, locale=locale
    )
    rendered = render(
        family,
        TemplateSource(subject, body),
        trigger=trigger,
        channel=channel,
        context=context,
        locale=locale,
        preferences_link=f"{settings.public_base_url}{PREFERENCES_PATH}/sample",
    )
    encoding, segments = sms_segments(rendered.text)
    return Preview(rendered, encoding, segments, [])
