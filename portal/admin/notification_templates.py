"""Merchant overrides of the notification templates: a list, an editor with a live
preview, save (refused while the template has problems) and reset to the default.

The shop's staff edit the words their customers receive; the machinery (sandboxed
rendering, validation, SMS segment counting) lives in :mod:`portal.notifications`, so
what the preview shows is exactly what the dispatcher will send. Every query is scoped
to the signed-in staff user's merchant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.exceptions import IntegrityError

from portal import i18n
from portal.admin.auth import render, require_staff, staff_of
from portal.admin.branding import TRIGGER_NAMES
from portal.i18n import _, lazy
from portal.models import Channel, NotificationTemplate
from portal.notifications.base import LOCALES, Trigger
from portal.notifications.context import VARIABLES
from portal.notifications.templates import (
    Preview,
    TemplateProblem,
    TemplateSource,
    default_source,
    preview,
    validate_template,
)

BASE_PATH = "/admin/notifications/templates"
SUBJECT_MAX = 500  # NotificationTemplate.subject is a varchar(500)
BODY_MAX = 5000

CHANNEL_NAMES = {Channel.EMAIL: lazy("E-mail"), Channel.SMS: lazy("Text message")}
FIELD_NAMES = {"subject": lazy("Subject"), "body": lazy("Message")}

#: What each template variable holds, in words the editor can translate; keyed like
#: :data:`portal.notifications.context.VARIABLES` (which stays the source of truth for names).
DESCRIPTIONS = {
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
}


def edit_path(trigger: str, channel: str, locale: str) -> str:
    return f"{BASE_PATH}/{trigger}/{channel}/{locale}"


def _key(request: Request) -> tuple[Trigger, Channel, str]:
    """The trigger, channel and locale in the path; anything unknown is a 404."""
    params = request.path_params
    try:
        trigger, channel = Trigger(params["trigger"]), Channel(params["channel"])
    except (KeyError, ValueError):
        raise HTTPException(404) from None
    if params.get("locale") not in LOCALES:
        raise HTTPException(404)
    return trigger, channel, params["locale"]


def _text(form: Any, name: str) -> str:
    """A form field as text with the browser's CRLF line ends made plain LF."""
    value = form.get(name)
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def field_problems(channel: Channel, subject: str, body: str) -> dict[str, list[TemplateProblem]]:
    """Problems by form field; empty when the template may be saved."""
    fields = [("body", body, BODY_MAX)]
    if channel == Channel.EMAIL:
        fields.insert(0, ("subject", subject, SUBJECT_MAX))
    errors: dict[str, list[TemplateProblem]] = {}
    for name, value, limit in fields:
        if not value.strip():
            problems = [TemplateProblem(1, _("This cannot be empty."))]
        elif len(value) > limit:
            message = _("Keep it under %(limit)d characters.") % {"limit": limit}
            problems = [TemplateProblem(1, message)]
        else:
            problems = validate_template(value, channel)
        if problems:
            errors[name] = problems
    return errors


def _preview_state(
    request: Request, channel: Channel, locale: str, subject: str, body: str
) -> dict[str, Any]:
    """What the preview area shows: the rendered sample, or the problems by field."""
    errors = field_problems(channel, subject, body)
    result: Preview | None = None
    if not errors:
        result = preview(
            request.app.state.settings,
            staff_of(request).merchant,
            channel=channel,
            locale=locale,
            subject=subject if channel == Channel.EMAIL else "",
            body=body,
        )
    problems = [(_(FIELD_NAMES[name]), p) for name, found in errors.items() for p in found]
    return {"preview": result, "errors": errors, "problems": problems}


async def _override(merchant_id: int, trigger: str, channel: str, locale: str) -> Any:
    return await NotificationTemplate.get_or_none(
        merchant_id=merchant_id, trigger=trigger, channel=channel, locale=locale
    )


async def upsert_override(
    merchant_id: int, trigger: str, channel: str, locale: str, subject: str, body: str
) -> None:
    """Write the merchant's override; safe when two saves race (the unique key decides)."""
    key = {"merchant_id": merchant_id, "trigger": trigger, "channel": channel, "locale": locale}
    values = {"subject": subject, "body": body, "updated_at": datetime.now(UTC)}
    if await NotificationTemplate.filter(**key).update(**values):
        return
    try:
        await NotificationTemplate.create(**key, **values)
    except IntegrityError:
        await NotificationTemplate.filter(**key).update(**values)


async def _edit_page(
    request: Request,
    *,
    subject: str | None = None,
    body: str | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    trigger, channel, locale = _key(request)
    merchant = staff_of(request).merchant
    default = default_source(trigger, channel, locale)
    override = await _override(merchant.id, trigger, channel, locale)
    current = TemplateSource(override.subject, override.body) if override else default
    subject = current.subject if subject is None else subject
    body = current.body if body is None else body
    context: dict[str, Any] = {
        "trigger": trigger.value,
        "channel": channel.value,
        "locale": locale,
        "trigger_name": _(TRIGGER_NAMES[trigger]),
        "channel_name": _(CHANNEL_NAMES[channel]),
        "language": i18n.language_name(locale),
        "action": edit_path(trigger, channel, locale),
        "default": default,
        "overridden": override is not None,
        "values": {"subject": subject, "body": body},
        "variables": [(name, _(DESCRIPTIONS.get(name, desc))) for name, desc in VARIABLES.items()],
        "saved": request.query_params.get("saved"),
        "was_reset": request.query_params.get("reset"),
        "reset_error": None,
        **_preview_state(request, channel, locale, subject, body),
    }
    context.update(extra)
    return render(request, "admin/notification_template_edit.html", context, status=status)


@require_staff()
async def list_templates(request: Request) -> Response:
    """Every trigger × channel × locale, marking those the shop has rewritten."""
    merchant = staff_of(request).merchant
    overridden = set(
        await NotificationTemplate.filter(merchant_id=merchant.id).values_list(
            "trigger", "channel", "locale"
        )
    )
    rows = [
        {
            "trigger_name": _(TRIGGER_NAMES[trigger]),
            "channel_name": _(CHANNEL_NAMES[channel]),
            "cells": [
                {
                    "locale": locale,
                    "language": i18n.language_name(locale),
                    "overridden": (trigger.value, channel.value, locale) in overridden,
                    "url": edit_path(trigger, channel, locale),
                }
                for locale in LOCALES
            ],
        }
        for trigger in Trigger
        for channel in Channel
    ]
    languages = [(locale, i18n.language_name(locale)) for locale in LOCALES]
    context = {"rows": rows, "languages": languages, "overridden_count": len(overridden)}
    return render(request, "admin/notification_templates.html", context)


@require_staff()
async def edit_template(request: Request) -> Response:
    return await _edit_page(request)


@require_staff()
async def save_template(request: Request) -> Response:
    """Save the override, or 422 with the problems beside the fields and nothing written."""
    trigger, channel, locale = _key(request)
    async with request.form() as form:
        subject = _text(form, "subject") if channel == Channel.EMAIL else ""
        body = _text(form, "body")
    if field_problems(channel, subject, body):
        return await _edit_page(request, subject=subject, body=body, status=422)
    merchant = staff_of(request).merchant
    await upsert_override(merchant.id, trigger, channel, locale, subject.strip(), body)
    return RedirectResponse(f"{edit_path(trigger, channel, locale)}?saved=1", status_code=303)


@require_staff()
async def preview_template(request: Request) -> Response:
    """The live preview for htmx (a fragment), or the whole page for a plain form post."""
    _trigger, channel, locale = _key(request)
    async with request.form() as form:
        subject = _text(form, "subject") if channel == Channel.EMAIL else ""
        body = _text(form, "body")
    if not request.headers.get("hx-request"):
        return await _edit_page(request, subject=subject, body=body)
    context = {"channel": channel.value, **_preview_state(request, channel, locale, subject, body)}
    return render(request, "admin/_template_preview.html", context)


@require_staff()
async def reset_template(request: Request) -> Response:
    """Delete the override (the default applies again); needs the confirmation box ticked."""
    trigger, channel, locale = _key(request)
    async with request.form() as form:
        confirmed = form.get("confirm") == "yes"
    if not confirmed:
        error = _("Tick the box to confirm that your version should be deleted.")
        return await _edit_page(request, status=400, reset_error=error)
    await NotificationTemplate.filter(
        merchant_id=staff_of(request).merchant.id, trigger=trigger, channel=channel, locale=locale
    ).delete()
    return RedirectResponse(f"{edit_path(trigger, channel, locale)}?reset=1", status_code=303)


_ONE = "/notifications/templates/{trigger}/{channel}/{locale}"

#: Relative to the ``/admin`` mount.
routes: list[BaseRoute] = [
    Route("/notifications/templates", list_templates, name="admin_notification_templates"),
    Route(_ONE, edit_template, name="admin_notification_template"),
    Route(_ONE, save_template, methods=["POST"]),
    Route(f"{_ONE}/preview", preview_template, methods=["POST"]),
    Route(f"{_ONE}/reset", reset_template, methods=["POST"]),
]
