"""WhatsApp templates: which approved template (Twilio Content SID) each message kind uses.

WhatsApp accepts a business-initiated message only as a template it approved; the shop
creates and submits its templates in Twilio's Content Template Builder and maps them here,
one per message kind and language, with the message variables that fill ``{{1}}``,
``{{2}}``…. A kind without a template is sent on the shop's next channel instead.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.admin.template_families import FAMILIES, family_of
from portal.i18n import _
from portal.models import WhatsAppTemplate

#: Twilio Content SIDs: "HX" and 32 hexadecimal digits.
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
#: Variables every message has besides its family's own.
COMMON_VARIABLES = ("customer_name", "order_number", "merchant.name", "greeting")
MAX_VARIABLES = 10


def allowed_variables(trigger: str) -> list[str]:
    family = family_of(trigger)
    own = list(family.messages.variables) if family is not None else []
    return [*COMMON_VARIABLES, *own]


def validate(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The template mapping from a form, and what is wrong with it."""
    errors: dict[str, str] = {}
    trigger = data.get("trigger", "")
    family = family_of(trigger)
    if family is None or not family.short_text:
        errors["trigger"] = _("Choose from the listed options.")
    locale = data.get("locale", "")
    if locale not in i18n.LOCALES:
        errors["locale"] = _("Choose one of the listed languages.")
    sid = data.get("content_sid", "").strip()
    if not CONTENT_SID.fullmatch(sid):
        errors["content_sid"] = _(
            "Enter the template's Content SID: HX followed by 32 letters and digits."
        )
    names = [n.strip() for n in data.get("variables", "").split(",") if n.strip()]
    allowed = set(allowed_variables(trigger))
    unknown = [n for n in names if n not in allowed]
    if unknown and "trigger" not in errors:
        errors["variables"] = _("Unknown variables: %(names)s.") % {"names": ", ".join(unknown)}
    if len(names) > MAX_VARIABLES:
        errors["variables"] = _("Use at most %(max)d variables.") % {"max": MAX_VARIABLES}
    return {"trigger": trigger, "locale": locale, "content_sid": sid, "variables": names}, errors


def kinds() -> list[tuple[str, str]]:
    """The message kinds that may go on WhatsApp: those with a short text (a claim's steps
    and the withdrawal receipt go by e-mail only)."""
    return [
        (t, str(family.names.get(t, t)))
        for family in FAMILIES
        if family.short_text
        for t in family.triggers
    ]


async def _page(request: Request, **context: Any) -> Response:
    merchant_id = staff_of(request).merchant.id
    mapped = await WhatsAppTemplate.filter(merchant_id=merchant_id).order_by("trigger", "locale")
    names = dict(kinds())
    status = int(context.pop("status", 200))
    return render(
        request,
        "admin/whatsapp_templates.html",
        {
            "templates": [(t, names.get(t.trigger, t.trigger)) for t in mapped],
            "kinds": kinds(),
            "languages": [(code, i18n.language_name(code)) for code in i18n.LOCALES],
            "variables": {t: allowed_variables(t) for t, _name in kinds()},
            "values": {"trigger": "", "locale": "", "content_sid": "", "variables": ""},
            "errors": {},
            "done": request.query_params.get("done"),
            **context,
        },
        status=status,
    )


@require_staff()
async def list_templates(request: Request) -> Response:
    return await _page(request)


@require_staff()
async def save_template(request: Request) -> Response:
    merchant_id = staff_of(request).merchant.id
    async with request.form() as form:
        data = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    clean, errors = validate(data)
    if errors:
        return await _page(request, values=data, errors=errors, status=400)
    await WhatsAppTemplate.update_or_create(
        {"content_sid": clean["content_sid"], "variables": clean["variables"]},
        merchant_id=merchant_id,
        trigger=clean["trigger"],
        locale=clean["locale"],
    )
    return RedirectResponse("/admin/whatsapp?done=saved", status_code=303)


@require_staff()
async def delete_template(request: Request) -> Response:
    merchant_id = staff_of(request).merchant.id
    template = await get_or_404(
        WhatsAppTemplate.filter(id=int_param(request, "template_id"), merchant_id=merchant_id)
    )
    await template.delete()
    return RedirectResponse("/admin/whatsapp?done=deleted", status_code=303)
