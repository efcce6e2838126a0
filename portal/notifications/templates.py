"""Notification templates: defaults on disk, the sandboxed environment and the e-mail layout.

A template is a subject (email only) and a body written as plain text; the email layout
turns the body into the HTML part with the merchant's branding, and the SMS body is
fitted to its segment budget (two; three for a parcel waiting at a pickup point) with the
message's link at its end (:func:`portal.notifications.composer.render`). Everything
renders in a sandboxed Jinja2 environment with ``StrictUndefined``, so a merchant's
template can neither reach Python internals nor silently print nothing for a misspelt
variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from portal.models import Channel
from portal.notifications import phrases
from portal.notifications.base import pick_locale
from portal.notifications.bounded import BoundedSandbox
from portal.notifications.checking import TemplateProblem

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


ENV = BoundedSandbox(
    loader=FileSystemLoader(NOTIFICATIONS_DIR),
    undefined=StrictUndefined,
    autoescape=lambda name: bool(name and name.endswith(".html")),
    trim_blocks=True,
    lstrip_blocks=True,
)


@lru_cache(maxsize=512)
def compiled(source: str) -> Template:
    return ENV.from_string(source)


def default_path(trigger: str, channel: str, locale: str) -> Path:
    return NOTIFICATIONS_DIR / f"{trigger}.{channel}.{pick_locale(locale)}.txt"


@lru_cache(maxsize=512)
def file_default(trigger: str, channel: str, locale: str) -> TemplateSource:
    """The shipped template ``<trigger>.<channel>.<locale>.txt``; email files start with a
    ``Subject:`` line and a blank line."""
    text = default_path(trigger, Channel(channel).value, locale).read_text(encoding="utf-8")
    if Channel(channel) == Channel.EMAIL:
        first, _, rest = text.partition("\n")
        if not first.startswith(SUBJECT_PREFIX):
            raise ValueError(f"{trigger}.{channel}.{locale}: the first line must be 'Subject: …'")
        return TemplateSource(first[len(SUBJECT_PREFIX) :].strip(), rest.strip("\n"))
    return TemplateSource("", text.strip("\n"))


#: A template's full stop after a value that ends with one: a Bulgarian or Russian date
#: ("21 декември 2026 г."), a Ukrainian one ("… 2026 р."). Two stops after a letter, then
#: a space or the end; an ellipsis ("...") and a link's dots are left alone.
_DOUBLE_STOP = re.compile(r"(?<=[^\W\d_])\.\.(?=\s|$)")


def tidy(text: str) -> str:
    """Trailing spaces, runs of blank lines and doubled full stops removed."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _DOUBLE_STOP.sub(".", re.sub(r"\n{3,}", "\n\n", "\n".join(lines))).strip()


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
    words: Mapping[str, str] | None = None,
) -> Rendered:
    """An email: ``body`` inside the branded text and HTML layout, its button to ``link``;
    ``words`` replace the layout's own (the button's label, the footer)."""
    words = {**_layout_words(context, locale), **(words or {})}
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
    text = tidy(ENV.get_template("_layout.txt").render(layout))
    html = ENV.get_template("_layout.html").render(layout)
    return Rendered(subject, text, html)
