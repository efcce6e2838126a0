"""Merchant overrides of the notification templates: a list, an editor with a live
preview, save (refused while the template has problems) and reset to the default.

Shipment updates, return steps, the survey invitation, claim steps and the withdrawal
receipt are offered alike; what differs between them (names, variables, defaults, the
channels they have templates for, checking, preview) comes from their
:class:`~portal.admin.template_families.Family`.

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
from portal.admin.template_families import FAMILIES, SHIPMENT, Family, family_of
from portal.analytics import labels
from portal.i18n import _, lazy
from portal.models import Channel, NotificationTemplate
from portal.notifications.base import LOCALES
from portal.notifications.checking import TemplateProblem
from portal.notifications.templates import Preview, TemplateSource

BASE_PATH = "/admin/notifications/templates"
SUBJECT_MAX = 500  # NotificationTemplate.subject is a varchar(500)
BODY_MAX = 5000

#: The channels with templates of their own; WhatsApp (outside an approved template) and
#: browser notifications use the short text of the SMS template. A family offers those it
#: has defaults for (:attr:`~portal.admin.template_families.Family.channels`).
CHANNEL_NAMES = {c: labels.CHANNELS[c] for c in (Channel.EMAIL, Channel.SMS)}
FIELD_NAMES = {"subject": lazy("Subject"), "body": lazy("Message")}
FAMILY_TITLES = {
    "shipment": lazy("Delivery updates"),
    "return": lazy("Returns"),
    "survey": lazy("Surveys"),
    "claim": lazy("Claims"),
    "withdrawal": lazy("Withdrawals"),
}


def edit_path(trigger: str, channel: str, locale: str) -> str:
    return f"{BASE_PATH}/{trigger}/{channel}/{locale}"


def _key(request: Request) -> tuple[Family, str, Channel, str]:
    """The family, trigger, channel and locale in the path; anything unknown is a 404."""
    params = request.path_params
    trigger = str(params.get("trigger", ""))
    family = family_of(trigger)
    try:
        channel = Channel(params["channel"])
    except (KeyError, ValueError):
        raise HTTPException(404) from None
    if family is None or channel not in family.channels or params.get("locale") not in LOCALES:
        raise HTTPException(404)
    return family, trigger, channel, params["locale"]


def _text(form: Any, name: str) -> str:
    """A form field as text with the browser's CRLF line ends made plain LF."""
    value = form.get(name)
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def field_problems(
    channel: Channel,
    subject: str,
    body: str,
    *,
    family: Family = SHIPMENT,
    trigger: str = "delivered",
) -> dict[str, list[TemplateProblem]]:
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
            problems = family.validate(value, trigger, channel)
        if problems:
            errors[name] = problems
    return errors


def _preview_state(
    request: Request,
    family: Family,
    trigger: str,
    channel: Channel,
    locale: str,
    subject: str,
    body: str,
) -> dict[str, Any]:
    """What the preview area shows: the rendered sample, or the problems by field."""
    errors = field_problems(channel, subject, body, family=family, trigger=trigger)
    result: Preview | None = None
    if not errors:
        result = family.preview(
            request.app.state.settings,
            staff_of(request).merchant,
            trigger,
            channel.value,
            locale,
            subject if channel == Channel.EMAIL else "",
            body,
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
    key: dict[str, Any] = {
        "merchant_id": merchant_id,
        "trigger": trigger,
        "channel": channel,
        "locale": locale,
    }
    values: dict[str, Any] = {"subject": subject, "body": body, "updated_at": datetime.now(UTC)}
    if await NotificationTemplate.filter(**key).update(**values):
        return
    try:
        await NotificationTemplate.create(**key, **values)
    except IntegrityError:
        await NotificationTemplate.filter(**key).update(**values)


async def store(
    merchant_id: int,
    family: Family,
    trigger: str,
    channel: Channel,
    locale: str,
    subject: str,
    body: str,
) -> dict[str, list[TemplateProblem]]:
    """Check the template (:func:`field_problems`) and, when it has no problems, save it as
    the merchant's own; the problems by field, nothing written when there are any. The
    screen and ``PUT /api/v1/message-templates/…`` both save through here."""
    subject = subject if channel == Channel.EMAIL else ""
    errors = field_problems(channel, subject, body, family=family, trigger=trigger)
    if not errors:
        await upsert_override(merchant_id, trigger, channel, locale, subject.strip(), body)
    return errors


async def forget(merchant_id: int, trigger: str, channel: Channel, locale: str) -> bool:
    """Delete the merchant's own template (the default applies again); whether it had one.
    The screen's reset and ``DELETE /api/v1/message-templates/…`` both go through here."""
    deleted = await NotificationTemplate.filter(
        merchant_id=merchant_id, trigger=trigger, channel=channel, locale=locale
    ).delete()
    return bool(deleted)


async def _edit_page(
    request: Request,
    *,
    subject: str | None = None,
    body: str | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    family, trigger, channel, locale = _key(request)
    merchant = staff_of(request).merchant
    default = family.default(trigger, channel.value, locale)
    override = await _override(merchant.id, trigger, channel, locale)
    current = TemplateSource(override.subject, override.body) if override else default
    subject = current.subject if subject is None else subject
    body = current.body if body is None else body
    context: dict[str, Any] = {
        "trigger": trigger,
        "family": family.key,
        "example": family.example,
        "channel": channel.value,
        "locale": locale,
        "trigger_name": _(family.names[trigger]),
        "channel_name": _(CHANNEL_NAMES[channel]),
        "language": i18n.language_name(locale),
        "action": edit_path(trigger, channel, locale),
        "default": default,
        "overridden": override is not None,
        "values": {"subject": subject, "body": body},
        "variables": family.variables(),
        "saved": request.query_params.get("saved"),
        "was_reset": request.query_params.get("reset"),
        "reset_error": None,
        **_preview_state(request, family, trigger, channel, locale, subject, body),
    }
    context.update(extra)
    return render(request, "admin/notification_template_edit.html", context, status=status)


@require_staff()
async def list_templates(request: Request) -> Response:
    """Every trigger × channel × locale, marking those the shop has rewritten; a family
    written for e-mail only shows its e-mail rows alone."""
    merchant = staff_of(request).merchant
    overridden = set(
        await NotificationTemplate.filter(merchant_id=merchant.id).values_list(
            "trigger", "channel", "locale"
        )
    )
    rows = [
        {
            "family": family.key,
            "trigger_name": _(family.names[trigger]),
            "channel_name": _(CHANNEL_NAMES[channel]),
            "cells": [
                {
                    "locale": locale,
                    "language": i18n.language_name(locale),
                    "overridden": (trigger, channel.value, locale) in overridden,
                    "url": edit_path(trigger, channel, locale),
                }
                for locale in LOCALES
            ],
        }
        for family in FAMILIES
        for trigger in family.triggers
        for channel in CHANNEL_NAMES
        if channel in family.channels
    ]
    languages = [(locale, i18n.language_name(locale)) for locale in LOCALES]
    groups = [
        (family.key, _(FAMILY_TITLES[family.key]), [r for r in rows if r["family"] == family.key])
        for family in FAMILIES
    ]
    context = {
        "rows": rows,
        "groups": groups,
        "languages": languages,
        "overridden_count": len(overridden),
    }
    return render(request, "admin/notification_templates.html", context)


@require_staff()
async def edit_template(request: Request) -> Response:
    return await _edit_page(request)


@require_staff()
async def save_template(request: Request) -> Response:
    """Save the override, or 422 with the problems beside the fields and nothing written."""
    family, trigger, channel, locale = _key(request)
    async with request.form() as form:
        subject = _text(form, "subject") if channel == Channel.EMAIL else ""
        body = _text(form, "body")
    merchant = staff_of(request).merchant
    if await store(merchant.id, family, trigger, channel, locale, subject, body):
        return await _edit_page(request, subject=subject, body=body, status=422)
    return RedirectResponse(f"{edit_path(trigger, channel, locale)}?saved=1", status_code=303)


@require_staff()
async def preview_template(request: Request) -> Response:
    """The live preview for htmx (a fragment), or the whole page for a plain form post."""
    family, trigger, channel, locale = _key(request)
    async with request.form() as form:
        subject = _text(form, "subject") if channel == Channel.EMAIL else ""
        body = _text(form, "body")
    if not request.headers.get("hx-request"):
        return await _edit_page(request, subject=subject, body=body)
    state = _preview_state(request, family, trigger, channel, locale, subject, body)
    context = {"channel": channel.value, **state}
    return render(request, "admin/_template_preview.html", context)


@require_staff()
async def reset_template(request: Request) -> Response:
    """Delete the override (the default applies again); needs the confirmation box ticked."""
    _family, trigger, channel, locale = _key(request)
    async with request.form() as form:
        confirmed = form.get("confirm") == "yes"
    if not confirmed:
        error = _("Tick the box to confirm that your version should be deleted.")
        return await _edit_page(request, status=400, reset_error=error)
    await forget(staff_of(request).merchant.id, trigger, channel, locale)
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
