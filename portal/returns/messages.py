"""The words a customer receives about their return: triggers, variables, rendering.

A return message reuses the notification machinery (the merchant's branded layout, SMS
fitting, sandboxed rendering with ``StrictUndefined``) and differs in what it talks about:
an RMA number, amounts and a link to the drop-off code instead of a parcel. Defaults are
files ``templates/notifications/return_<step>.<channel>.<locale>.txt``; a merchant rewrites
them through ``NotificationTemplate`` rows with the same trigger names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment
from tortoise.backends.base.client import BaseDBAsyncClient

from portal import i18n
from portal.i18n import lazy
from portal.models import Channel, NotificationTemplate
from portal.notifications.base import pick_locale
from portal.notifications.checking import check_template
from portal.notifications.context import greeting, merchant_context
from portal.notifications.sms import fit_sms_body, sms_segments
from portal.notifications.templates import (
    NOTIFICATIONS_DIR,
    SUBJECT_PREFIX,
    Preview,
    Rendered,
    TemplateProblem,
    TemplateSource,
    in_layout,
    tidy,
)
from portal.returns import labels
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
    "greeting": lazy("The opening line, with the customer's name when known"),
    "merchant": lazy(
        "The shop: merchant.name and merchant.branding (logo_url, primary_color, "
        "accent_color, support_email, support_url, support_phone)"
    ),
    "customer_name": lazy("The customer's name (may be empty)"),
    "order_number": lazy("The order number (may be empty)"),
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

#: The button under each e-mail (translated into the customer's language).
CTA_DROP_OFF = lazy("Show my drop-off code")
CTA_RETURN = lazy("View my return")

_env = SandboxedEnvironment(
    loader=FileSystemLoader(NOTIFICATIONS_DIR),
    undefined=StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    return _env.from_string(source)


def is_return_trigger(trigger: str) -> bool:
    return trigger in TRIGGER_NAMES


def unique_key(request_id: int, trigger: str, channel: Channel | str) -> str:
    """``return:<id>:<step>:<channel>``: one message per return, step and channel."""
    step = trigger.removeprefix("return_")
    return f"return:{request_id}:{step}:{Channel(channel).value}"


@lru_cache(maxsize=256)
def default_source(trigger: str, channel: str, locale: str) -> TemplateSource:
    """The shipped template; e-mail files start with ``Subject: …`` and a blank line."""
    if not is_return_trigger(trigger):
        raise ValueError(f"not a return trigger: {trigger!r}")
    name = f"{trigger}.{Channel(channel).value}.{pick_locale(locale)}.txt"
    text = (NOTIFICATIONS_DIR / name).read_text(encoding="utf-8")
    if Channel(channel) == Channel.EMAIL:
        first, _, rest = text.partition("\n")
        if not first.startswith(SUBJECT_PREFIX):
            raise ValueError(f"{name}: the first line must be 'Subject: …'")
        return TemplateSource(first[len(SUBJECT_PREFIX) :].strip(), rest.strip("\n"))
    return TemplateSource("", text.strip("\n"))


async def template_source(
    merchant_id: int, trigger: str, channel: Channel, locale: str, conn: BaseDBAsyncClient
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
    return default_source(trigger, channel.value, locale)


def money(amount: Decimal | None, currency: str, locale: str) -> str:
    """``Decimal('12.50')`` → "€12.50" in ``locale``; empty for nothing or zero."""
    if not amount:
        return ""
    return format_currency(amount, currency, locale=pick_locale(locale))


def return_link(settings: Settings, request: Any, merchant: Any, trigger: str) -> str:
    """The drop-off code once approved; the customer's own return page otherwise."""
    if trigger == "return_approved":
        return labels.drop_off_url(settings, merchant.id, request.number)
    from portal.returns_page import access  # the pages import this module's package

    return access.follow_url(settings, merchant.id, request.number)


def message_context(
    settings: Settings,
    *,
    request: Any,
    merchant: Any,
    customer: Any | None,
    order: Any | None,
    trigger: str,
    locale: str,
    note: str = "",
) -> dict[str, Any]:
    """Everything a return template may use (see :data:`VARIABLES`)."""
    name = (getattr(customer, "name", "") or "") if customer is not None else ""
    currency = request.currency
    expires: datetime | None = request.label_expires_at
    return {
        "greeting": greeting(name, locale),
        "merchant": merchant_context(merchant, settings),
        "customer_name": name,
        "order_number": (getattr(order, "number", "") or "") if order is not None else "",
        "return_number": request.number,
        "message": note.strip(),
        "refund_total": money(request.refund_total, currency, locale),
        "credit_total": money(request.credit_total, currency, locale),
        "fees_total": money(request.fees_total, currency, locale),
        "drop_off_by": format_date(expires, "long", locale=pick_locale(locale)) if expires else "",
        "return_link": return_link(settings, request, merchant, trigger),
    }


def cta(trigger: str, locale: str) -> str:
    words = CTA_DROP_OFF if trigger == "return_approved" else CTA_RETURN
    return i18n.translations(pick_locale(locale)).ugettext(words)


def render(
    source: TemplateSource,
    trigger: str,
    channel: Channel | str,
    context: dict[str, Any],
    *,
    locale: str,
    preferences_link: str = "",
) -> Rendered:
    """Subject, text and HTML (e-mail in the merchant's layout) or a fitted SMS body."""
    body = tidy(_compiled(source.body).render(context))
    link = context["return_link"]
    if Channel(channel) == Channel.SMS:
        return Rendered("", fit_sms_body(body, link), None)
    subject = " ".join(_compiled(source.subject).render(context).split())
    return in_layout(
        body,
        subject,
        context,
        locale=locale,
        link=link,
        preferences_link=preferences_link,
        cta=cta(trigger, locale),
    )


# --- Checking and previewing a merchant's template ---------------------------------------

_SAMPLE_SETTINGS = Settings(secret_key="template-check", public_base_url="https://shop.example")


def sample_context(settings: Settings, merchant: Any, trigger: str, locale: str) -> dict[str, Any]:
    """A realistic context for previews and for checking a template before it is saved."""
    request = SimpleNamespace(
        number="R-7KQ2MX",
        currency="EUR",
        refund_total=Decimal("54.00"),
        credit_total=Decimal("0"),
        fees_total=Decimal("6.00"),
        label_expires_at=datetime(2026, 12, 14, 12, tzinfo=UTC),
    )
    shop = SimpleNamespace(
        id=getattr(merchant, "id", 0) or 0,
        slug=getattr(merchant, "slug", "shop") or "shop",
        name=merchant.name,
        branding=getattr(merchant, "branding", {}) or {},
    )
    return message_context(
        settings,
        request=request,
        merchant=shop,
        customer=SimpleNamespace(name="Anna Nowak"),
        order=SimpleNamespace(number="#1042"),
        trigger=trigger,
        locale=locale,
        note="The item shows signs of wear." if trigger == "return_rejected" else "",
    )


def validate(source: str, trigger: str) -> list[TemplateProblem]:
    """Syntax errors and names a return template may not use, with their lines."""
    sample = SimpleNamespace(id=0, slug="sample-shop", name="Sample Shop", branding={})
    context = sample_context(_SAMPLE_SETTINGS, sample, trigger, "en")
    return check_template(_env, source, VARIABLES.keys(), context)


def preview(
    settings: Settings,
    merchant: Any,
    *,
    trigger: str,
    channel: str,
    locale: str,
    subject: str,
    body: str,
) -> Preview:
    """Render an edited return template against sample data, with its SMS segments."""
    problems = [
        *(validate(subject, trigger) if Channel(channel) == Channel.EMAIL else []),
        *validate(body, trigger),
    ]
    if problems:
        return Preview(None, "", 0, problems)
    context = sample_context(settings, merchant, trigger, locale)
    rendered = render(
        TemplateSource(subject, body),
        trigger,
        channel,
        context,
        locale=locale,
        preferences_link=f"{settings.public_base_url}/unsubscribe/sample",
    )
    encoding, segments = sms_segments(rendered.text)
    return Preview(rendered, encoding, segments, [])
