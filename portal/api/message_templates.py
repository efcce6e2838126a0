"""``/message-templates``: the shop's own wording of its e-mails and text messages, per
message kind, channel and language, for a shop that sets itself up without the workspace.

A template is addressed as the workspace's message templates screen
(:mod:`portal.admin.notification_templates`) addresses it: the kind (a trigger such as
``delivered`` or ``return_approved``), the channel (``email`` or ``sms``; the SMS text is
also the short text of WhatsApp and browser notifications) and the language. It is checked
and saved by that screen's own code (:func:`~portal.admin.notification_templates.store`),
so what one refuses the other refuses; ``DELETE`` goes back to the default as the screen's
reset does. Every key has a template: the shop's own, or the portal's default.
"""

from __future__ import annotations

from typing import Any

from portal.admin import notification_templates as screen
from portal.admin.template_families import FAMILIES, Family, family_of
from portal.api.errors import invalid, invalid_parameters, not_found
from portal.api.operations import KIND_PATH, LOCALE_PATH, Call, Operation, Param, Reply
from portal.api.schemas import DATE_TIME, FieldError, component, list_of, nullable, obj, string
from portal.models import Channel, NotificationTemplate
from portal.notifications.base import LOCALES

#: The channels with templates of their own, as the screen offers them.
CHANNELS = tuple(screen.CHANNEL_NAMES)

_TEXT = {
    "subject": nullable(string(description="The e-mail's subject (null for a text message).")),
    "body": string(description="The message, a Jinja template of the kind's variables."),
}
TEMPLATE_IN = component(
    "MessageTemplateInput",
    obj(
        {"body": string(description=f"At most {screen.BODY_MAX} characters.")},
        {"subject": string(description="E-mail only, and required there.")},
    ),
)
TEMPLATE = component(
    "MessageTemplate",
    obj(
        {
            "kind": string(),
            "channel": string(enum=[c.value for c in CHANNELS]),
            "locale": string(),
            "own": {"type": "boolean", "description": "The shop's own (false: the default)."},
            **_TEXT,
            "default": obj(_TEXT),
            "updated_at": nullable(DATE_TIME),
        }
    ),
)
TEMPLATE_ENTRY = component(
    "MessageTemplateEntry",
    obj(
        {
            "kind": string(),
            "channel": string(),
            "locale": string(),
            "own": {"type": "boolean"},
            "updated_at": nullable(DATE_TIME),
        }
    ),
)


def _keys() -> list[tuple[Family, str, Channel]]:
    """Every kind and channel with a template, in the screen's order."""
    return [
        (family, trigger, channel)
        for family in FAMILIES
        for trigger in family.triggers
        for channel in CHANNELS
        if channel in family.channels
    ]


def _key(call: Call) -> tuple[Family, str, Channel, str]:
    """The path's kind, channel and language; 422 naming what is allowed for a wrong one."""
    kind, channel_name, locale = call.path["kind"], call.path["channel"], call.path["locale"]
    family = family_of(kind)
    problems: list[tuple[str, str]] = []
    if family is None:
        kinds = [trigger for f in FAMILIES for trigger in f.triggers]
        problems.append(("kind", f"is not a message kind; use one of: {', '.join(kinds)}"))
    else:
        allowed = [c.value for c in family.channels if c in CHANNELS]
        if channel_name not in allowed:
            problems.append(
                ("channel", f"is not a channel of this kind; use one of: {', '.join(allowed)}")
            )
    if locale not in LOCALES:
        problems.append(("locale", f"is not a portal language; use one of: {', '.join(LOCALES)}"))
    if problems or family is None:
        raise invalid_parameters(problems)
    return family, kind, Channel(channel_name), locale


def _text(channel: Channel, subject: str, body: str) -> dict[str, Any]:
    return {"subject": subject if channel == Channel.EMAIL else None, "body": body}


async def _own(merchant_id: int, kind: str, channel: Channel, locale: str) -> Any:
    return await NotificationTemplate.get_or_none(
        merchant_id=merchant_id, trigger=kind, channel=channel, locale=locale
    )


async def _template_json(
    merchant_id: int, family: Family, kind: str, channel: Channel, locale: str
) -> dict[str, Any]:
    default = family.default(kind, channel.value, locale)
    own = await _own(merchant_id, kind, channel, locale)
    current = own if own is not None else default
    return {
        "kind": kind,
        "channel": channel.value,
        "locale": locale,
        "own": own is not None,
        **_text(channel, current.subject, current.body),
        "default": _text(channel, default.subject, default.body),
        "updated_at": own.updated_at.isoformat() if own is not None else None,
    }


async def list_templates(call: Call) -> Reply:
    """Every kind × channel × language, the shop's own marked (texts: ask for one)."""
    own = {
        (t.trigger, str(t.channel), t.locale): t.updated_at
        for t in await NotificationTemplate.filter(merchant_id=call.merchant_id)
    }
    data = []
    for _family, kind, channel in _keys():
        for locale in LOCALES:
            updated = own.get((kind, channel.value, locale))
            data.append(
                {
                    "kind": kind,
                    "channel": channel.value,
                    "locale": locale,
                    "own": updated is not None,
                    "updated_at": updated.isoformat() if updated is not None else None,
                }
            )
    return Reply(200, {"data": data})


async def get_template(call: Call) -> Reply:
    family, kind, channel, locale = _key(call)
    return Reply(200, await _template_json(call.merchant_id, family, kind, channel, locale))


async def put_template(call: Call) -> Reply:
    family, kind, channel, locale = _key(call)
    given = call.body
    if channel == Channel.SMS and "subject" in given:
        raise invalid([FieldError("/subject", "a text message has no subject; leave it out")])
    had = await _own(call.merchant_id, kind, channel, locale) is not None
    problems = await screen.store(
        call.merchant_id, family, kind, channel, locale, given.get("subject", ""), given["body"]
    )
    if problems:
        raise invalid(
            FieldError(f"/{name}", f"line {p.line}: {p.message}" if p.line > 1 else p.message)
            for name, found in problems.items()
            for p in found
        )
    return Reply(
        200 if had else 201,
        await _template_json(call.merchant_id, family, kind, channel, locale),
        location=None if had else f"/api/v1/message-templates/{kind}/{channel.value}/{locale}",
    )


async def delete_template(call: Call) -> Reply:
    _family, kind, channel, locale = _key(call)
    if not await screen.forget(call.merchant_id, kind, channel, locale):
        raise not_found("message template of the shop's own (it uses the default)")
    return Reply(204)


_PATH = (
    KIND_PATH,
    Param("channel", string(minLength=1, maxLength=16), "email or sms.", "path", True),
    LOCALE_PATH,
)
_ONE = "/message-templates/{kind}/{channel}/{locale}"

OPERATIONS = [
    Operation(
        "GET",
        "/message-templates",
        "listMessageTemplates",
        "List every message kind, channel and language, marking the shop's own templates",
        "notifications",
        list_templates,
        {200: list_of(TEMPLATE_ENTRY)},
    ),
    Operation(
        "GET",
        _ONE,
        "getMessageTemplate",
        "Get the template of one message kind, channel and language (own or default)",
        "notifications",
        get_template,
        {200: TEMPLATE},
        params=_PATH,
        errors=(422,),
    ),
    Operation(
        "PUT",
        _ONE,
        "putMessageTemplate",
        "Create (201) or replace (200) the shop's own template, checked as the workspace does",
        "notifications",
        put_template,
        {200: TEMPLATE, 201: TEMPLATE},
        body=TEMPLATE_IN,
        params=_PATH,
    ),
    Operation(
        "DELETE",
        _ONE,
        "deleteMessageTemplate",
        "Delete the shop's own template: the default applies again",
        "notifications",
        delete_template,
        {204: None},
        params=_PATH,
        errors=(422,),
    ),
]
