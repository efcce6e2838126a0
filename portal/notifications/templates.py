"""Notification templates: defaults on disk, merchant overrides in the database, one renderer.

A template is a subject (email only) and a body written as plain text; the email layout
turns the body into the HTML part with the merchant's branding, and the SMS body is
fitted to two segments with the tracking link at its end. Everything renders in a
sandboxed Jinja2 environment with ``StrictUndefined``, so a merchant's template can
neither reach Python internals nor silently print nothing for a misspelt variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape
from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import Channel, NotificationTemplate
from portal.notifications import phrases
from portal.notifications.base import Trigger, pick_locale
from portal.notifications.checking import TemplateProblem, check_template
from portal.notifications.context import VARIABLES, sample_context
from portal.notifications.links import PREFERENCES_PATH, make_tracking_link, read_tracking_link
from portal.notifications.sms import fit_sms_body, sms_segments
from portal.settings import Settings

__all__ = [
    "Rendered",
    "TemplateProblem",
    "TemplateSource",
    "default_source",
    "make_tracking_link",
    "preview",
    "read_tracking_link",
    "render_message",
    "template_source",
    "validate_template",
]

TEMPLATES_ROOT = Path(__file__).resolve().parents[2] / "templates"
NOTIFICATIONS_DIR = TEMPLATES_ROOT / "notifications"
SUBJECT_PREFIX = "Subject:"
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


@dataclass(frozen=True, slots=True)
class TemplateSource:
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str | None


@dataclass(frozen=True, slots=True)
class Preview:
    """What the admin editor shows next to a template being edited."""

    rendered: Rendered | None
    encoding: str
    segments: int
    problems: list[TemplateProblem]


#: Stand-ins for checking a template without a request: only names and shapes matter.
_SAMPLE_SETTINGS = Settings(secret_key="template-check", public_base_url="https://shop.example")
_SAMPLE_MERCHANT = SimpleNamespace(name="Sample Shop", branding={})

_env = SandboxedEnvironment(
    loader=FileSystemLoader(NOTIFICATIONS_DIR),
    undefined=StrictUndefined,
    autoescape=lambda name: bool(name and name.endswith(".html")),
    trim_blocks=True,
    lstrip_blocks=True,
)


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    return _env.from_string(source)


def default_path(trigger: str, channel: str, locale: str) -> Path:
    return NOTIFICATIONS_DIR / f"{trigger}.{channel}.{pick_locale(locale)}.txt"


@lru_cache(maxsize=256)
def default_source(trigger: str, channel: str, locale: str) -> TemplateSource:
    """The shipped template; email files start with a ``Subject:`` line and a blank line."""
    text = default_path(Trigger(trigger), Channel(channel), locale).read_text(encoding="utf-8")
    if Channel(channel) == Channel.EMAIL:
        first, _, rest = text.partition("\n")
        if not first.startswith(SUBJECT_PREFIX):
            raise ValueError(f"{trigger}.{channel}.{locale}: the first line must be 'Subject: …'")
        return TemplateSource(first[len(SUBJECT_PREFIX) :].strip(), rest.strip("\n"))
    return TemplateSource("", text.strip("\n"))


async def template_source(
    merchant_id: int,
    trigger: str,
    channel: str,
    locale: str,
    *,
    using_db: BaseDBAsyncClient | None = None,
) -> TemplateSource:
    """The merchant's override for this trigger, channel and locale, else the default."""
    override = (
        await NotificationTemplate.filter(
            merchant_id=merchant_id, trigger=trigger, channel=channel, locale=pick_locale(locale)
        )
        .using_db(using_db)
        .first()
    )
    if override is not None:
        return TemplateSource(override.subject, override.body)
    return default_source(trigger, channel, locale)


def tidy(text: str) -> str:
    """Trailing spaces and runs of blank lines removed."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def paragraphs(text: str) -> list[Markup]:
    """Plain text → escaped HTML paragraphs with links made clickable."""
    result = []
    for block in re.split(r"\n\s*\n", text):
        html = str(escape(block))
        html = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', html)
        result.append(Markup(html.replace("\n", "<br>\n")))
    return result


def _layout_words(context: dict[str, Any], locale: str) -> dict[str, str]:
    words = phrases.words(locale)
    brand = context["merchant"]["branding"]
    contact = brand.get("support_email") or brand.get("support_phone") or brand.get("support_url")
    return {
        **words,
        "support": words["support"].format(contact=contact) if contact else "",
        "footer": words["footer"].format(merchant=context["merchant"]["name"]),
    }


def in_layout(
    body: str,
    subject: str,
    context: dict[str, Any],
    *,
    locale: str,
    link: str,
    preferences_link: str = "",
    cta: str | None = None,
) -> Rendered:
    """An email: ``body`` inside the branded text and HTML layout, its button to ``link``."""
    words = _layout_words(context, locale)
    if cta is not None:
        words["cta"] = cta
    layout = {
        **context,
        "body": body,
        "subject": subject,
        "paragraphs": paragraphs(body),
        "words": words,
        "tracking_link": link,
        "locale": pick_locale(locale),
        "preferences_link": preferences_link,
    }
    text = tidy(_env.get_template("_layout.txt").render(layout))
    html = _env.get_template("_layout.html").render(layout)
    return Rendered(subject, text, html)


def render_message(
    source: TemplateSource,
    channel: str,
    context: dict[str, Any],
    *,
    locale: str,
    preferences_link: str = "",
) -> Rendered:
    """Subject, text and HTML for email, text (fitted to two segments) for SMS."""
    body = tidy(_compiled(source.body).render(context))
    link = context.get("tracking_link", "")
    if Channel(channel) == Channel.SMS:
        return Rendered("", fit_sms_body(body, link), None)
    subject = " ".join(_compiled(source.subject).render(context).split())
    return in_layout(
        body, subject, context, locale=locale, link=link, preferences_link=preferences_link
    )


def validate_template(source: str, channel: str) -> list[TemplateProblem]:
    """Problems that stop a template from being saved: syntax errors and unknown names.

    Unknown top-level variables are found statically; unknown attributes (``merchant.nme``)
    and sandbox violations by rendering against a sample context.
    """
    Channel(channel)
    sample = sample_context(_SAMPLE_SETTINGS, _SAMPLE_MERCHANT, "en", channel)
    problems = check_template(_env, source, VARIABLES.keys(), sample)
    return sorted(problems, key=lambda p: (p.line, p.message))


def preview(
    settings: Settings,
    merchant: Any,
    *,
    channel: str,
    locale: str,
    subject: str,
    body: str,
) -> Preview:
    """Render an edited template against sample data, with its SMS segment count."""
    problems = [
        *(validate_template(subject, channel) if Channel(channel) == Channel.EMAIL else []),
        *validate_template(body, channel),
    ]
    if problems:
        return Preview(None, "", 0, problems)
    context = sample_context(settings, merchant, locale, channel)
    rendered = render_message(
        TemplateSource(subject, body),
        channel,
        context,
        locale=locale,
        preferences_link=f"{settings.public_base_url}{PREFERENCES_PATH}/sample",
    )
    encoding, segments = sms_segments(rendered.text)
    return Preview(rendered, encoding, segments, [])
