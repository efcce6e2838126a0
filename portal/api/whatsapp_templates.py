"""``/whatsapp-templates``: which approved Twilio template each message kind and language
uses on WhatsApp, for a shop that sets itself up without the workspace.

The same rules as the workspace's WhatsApp templates screen
(:mod:`portal.admin.whatsapp_templates`): a kind that can go as a short text, a portal
language, a Content SID ``HX`` + 32 hex digits, and known message variables. A template is
addressed by its kind and language, so ``PUT`` creates or replaces it.
"""

from __future__ import annotations

from typing import Any

from portal import i18n
from portal.admin import whatsapp_templates as screen
from portal.api.errors import invalid, invalid_parameters, not_found
from portal.api.operations import KIND_PATH, LOCALE_PATH, Call, Operation, Reply
from portal.api.schemas import DATE_TIME, FieldError, component, list_of, obj, string
from portal.models import WhatsAppTemplate

TEMPLATE_IN = component(
    "WhatsAppTemplateInput",
    obj(
        {
            "content_sid": string(
                maxLength=64, description="The template's Twilio Content SID: HX + 32 hex digits."
            )
        },
        {
            "variables": {
                "type": "array",
                "items": string(maxLength=64),
                "maxItems": screen.MAX_VARIABLES,
                "description": "The message variables that fill {{1}}, {{2}}…, in order.",
            }
        },
    ),
)
TEMPLATE = component(
    "WhatsAppTemplate",
    obj(
        {
            "kind": string(),
            "locale": string(),
            "content_sid": string(),
            "variables": {"type": "array", "items": string()},
            "updated_at": DATE_TIME,
        }
    ),
)


def template_json(template: WhatsAppTemplate) -> dict[str, Any]:
    return {
        "kind": template.trigger,
        "locale": template.locale,
        "content_sid": template.content_sid,
        "variables": list(template.variables),
        "updated_at": template.updated_at.isoformat(),
    }


def _check_path(kind: str, locale: str) -> None:
    """422 naming what is allowed when the kind or the language is not one WhatsApp takes."""
    kinds = [trigger for trigger, _name in screen.kinds()]
    problems: list[tuple[str, str]] = []
    if kind not in kinds:
        problems.append(
            (
                "kind",
                f"is not a message kind that can go on WhatsApp; use one of: {', '.join(kinds)}"
                " (claims and the withdrawal receipt go by e-mail only)",
            )
        )
    if locale not in i18n.LOCALES:
        problems.append(
            ("locale", f"is not a portal language; use one of: {', '.join(i18n.LOCALES)}")
        )
    if problems:
        raise invalid_parameters(problems)


def _check_body(kind: str, body: dict[str, Any]) -> tuple[str, list[str]]:
    sid = body["content_sid"].strip()
    names = [name.strip() for name in body.get("variables", [])]
    errors: list[FieldError] = []
    if not screen.CONTENT_SID.fullmatch(sid):
        errors.append(
            FieldError("/content_sid", "must be a Content SID: HX followed by 32 hex digits")
        )
    allowed = screen.allowed_variables(kind)
    for index, name in enumerate(names):
        if name not in allowed:
            errors.append(
                FieldError(
                    f"/variables/{index}",
                    f"is not a variable of this kind; use one of: {', '.join(allowed)}",
                )
            )
    if errors:
        raise invalid(errors)
    return sid, names


async def list_templates(call: Call) -> Reply:
    templates = await WhatsAppTemplate.filter(merchant_id=call.merchant_id).order_by(
        "trigger", "locale"
    )
    return Reply(200, {"data": [template_json(t) for t in templates]})


async def get_template(call: Call) -> Reply:
    template = await WhatsAppTemplate.get_or_none(
        merchant_id=call.merchant_id, trigger=call.path["kind"], locale=call.path["locale"]
    )
    if template is None:
        raise not_found("WhatsApp template")
    return Reply(200, template_json(template))


async def put_template(call: Call) -> Reply:
    kind, locale = call.path["kind"], call.path["locale"]
    _check_path(kind, locale)
    sid, names = _check_body(kind, call.body)
    template, created = await WhatsAppTemplate.update_or_create(
        {"content_sid": sid, "variables": names},
        merchant_id=call.merchant_id,
        trigger=kind,
        locale=locale,
    )
    return Reply(
        201 if created else 200,
        template_json(template),
        location=f"/api/v1/whatsapp-templates/{kind}/{locale}" if created else None,
    )


async def delete_template(call: Call) -> Reply:
    deleted = await WhatsAppTemplate.filter(
        merchant_id=call.merchant_id, trigger=call.path["kind"], locale=call.path["locale"]
    ).delete()
    if not deleted:
        raise not_found("WhatsApp template")
    return Reply(204)


_PATH = (KIND_PATH, LOCALE_PATH)
_ONE = "/whatsapp-templates/{kind}/{locale}"

OPERATIONS = [
    Operation(
        "GET",
        "/whatsapp-templates",
        "listWhatsAppTemplates",
        "List the shop's WhatsApp templates by message kind and language",
        "notifications",
        list_templates,
        {200: list_of(TEMPLATE)},
    ),
    Operation(
        "GET",
        _ONE,
        "getWhatsAppTemplate",
        "Get the WhatsApp template of one message kind and language",
        "notifications",
        get_template,
        {200: TEMPLATE},
        params=_PATH,
    ),
    Operation(
        "PUT",
        _ONE,
        "putWhatsAppTemplate",
        "Create (201) or replace (200) the WhatsApp template of a message kind and language",
        "notifications",
        put_template,
        {200: TEMPLATE, 201: TEMPLATE},
        body=TEMPLATE_IN,
        params=_PATH,
    ),
    Operation(
        "DELETE",
        _ONE,
        "deleteWhatsAppTemplate",
        "Delete a WhatsApp template (the kind then goes on the shop's next channel)",
        "notifications",
        delete_template,
        {204: None},
        params=_PATH,
    ),
]
