"""``/settings``: everything the workspace's Settings screen holds, for a shop that sets
itself up without the workspace — its name, colours and support contact (which its
messages carry), language, time zone, quiet hours, the channels it offers, which channel
each message kind goes on, expiry and the months of history kept; ``/settings/logo`` puts
or drops its logo, checked and stored by :mod:`portal.logo` as the screen's upload is.

Values are checked by :mod:`portal.shop_settings`, the screen's own rules: what one
refuses the other refuses, and a ``PATCH`` with any problem changes nothing. The schema
below gives the shape (types, and the channels each message kind can go on, from the same
declarations); the problems' words are the screen's, in English.

``/settings/surveys`` does the same for the survey settings screen's values, checked by
:mod:`portal.survey_settings`.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from portal import i18n, logo, survey_settings
from portal.api.errors import ApiError, invalid, invalid_field
from portal.api.operations import Call, Operation, Reply
from portal.api.schemas import FieldError, Schema, component, nullable, obj, string
from portal.history import retention
from portal.models import Merchant
from portal.settings import Settings
from portal.shop_settings import (
    CHANNELS,
    EXPIRE_MAX_DAYS,
    EXPIRE_MIN_DAYS,
    NAME_MAX,
    RULE_CHANNELS,
    TRIGGERS,
    clean,
    current,
    save,
)
from portal.surveys.wording import SUPPORT_KEYS

_CLEARS = " An empty string clears it."


def _channels(allowed: tuple[str, ...], description: str) -> Schema:
    return {
        "type": "array",
        "items": string(enum=list(allowed)),
        "uniqueItems": True,
        "description": description,
    }


_FIELDS: dict[str, Schema] = {
    "name": string(
        description=f"The shop's name, 1 to {NAME_MAX} characters: e-mails come from it "
        "and the tracking pages show it."
    ),
    "primary_color": string(
        description="Main colour as `#rrggbb` (e-mails and pages); white text must be "
        "readable on it (WCAG contrast 4.5)." + _CLEARS
    ),
    "accent_color": string(description="Accent colour as `#rrggbb`." + _CLEARS),
    "support_email": string(
        description="Support e-mail address: the `Reply-To` of every e-mail." + _CLEARS
    ),
    "support_url": string(description="Support page, an http(s) address." + _CLEARS),
    "support_phone": string(description="Support phone: digits, spaces and +." + _CLEARS),
    "default_locale": string(
        enum=list(i18n.LOCALES),
        description="The language of messages to a customer whose language is unknown.",
    ),
    "time_zone": string(
        description="An IANA time zone such as `Europe/Warsaw`: quiet hours of a customer "
        "whose zone is unknown are counted in it."
    ),
    "quiet_hours_start": string(
        description="Quiet hours start, `HH:MM` (24-hour), in the customer's time zone."
    ),
    "quiet_hours_end": string(description="Quiet hours end, `HH:MM` (24-hour)."),
    "quiet_hours_channels": _channels(
        CHANNELS,
        "The channels quiet hours hold back (deferred, not dropped); by default SMS and WhatsApp.",
    ),
    "channel_order": _channels(
        CHANNELS,
        "The channels customers may choose on the tracking page, in the shop's order of "
        "preference (a WhatsApp message without an approved template goes on the next "
        "one); at least one. By default e-mail, then SMS.",
    ),
    "expire_after_days": {
        "type": "integer",
        "minimum": EXPIRE_MIN_DAYS,
        "maximum": EXPIRE_MAX_DAYS,
        "description": "Days without news from the carrier before a shipment expires.",
    },
    "history_retention_months": {
        "type": "integer",
        "minimum": retention.MIN_MONTHS,
        "maximum": retention.MAX_MONTHS,
        "description": "Whole months of history kept before the current one (default "
        f"{retention.DEFAULT_MONTHS}); older scans, domain events, sent messages and webhook "
        "deliveries are removed once a day. Shipments, returns and analytics are kept.",
    },
}
_RULE = (
    "Which channels the message goes on ([] sends none); customers who chose channels for "
    "their order get it on those the shop offers instead."
)
_RESET = " `null` drops the shop's choice: the kind goes back to its default channels."


def _rules(*, every_kind: bool) -> Schema:
    kinds = {
        t: _channels(RULE_CHANNELS[t], _RULE)
        if every_kind
        else nullable(_channels(RULE_CHANNELS[t], _RULE + _RESET))
        for t in TRIGGERS
    }
    schema = obj(kinds) if every_kind else obj({}, kinds)
    return {
        **schema,
        "description": "Message kind → its channels. "
        + (
            "Every kind, with its default where the shop never chose."
            if every_kind
            else "The kinds sent replace their channels (`null`: back to the default); the "
            "others keep theirs. Claim messages are written for e-mail only."
        ),
    }


SETTINGS = component(
    "MerchantSettings",
    obj(
        {
            **_FIELDS,
            "notification_rules": _rules(every_kind=True),
            "logo_url": nullable(
                string(
                    description="Where customers' pages and messages fetch the shop's logo; "
                    "null without one. Put it with `PUT /settings/logo`, drop it with "
                    "`DELETE /settings/logo`."
                )
            ),
        }
    ),
)
SETTINGS_PATCH = component(
    "MerchantSettingsChange", obj({}, {**_FIELDS, "notification_rules": _rules(every_kind=False)})
)


def shown(merchant: Merchant, settings: Settings) -> dict[str, Any]:
    """The shop's settings as ``GET /settings`` answers them: :func:`current` and the
    logo's address."""
    return {**current(merchant), "logo_url": logo.url(merchant, settings.public_base_url)}


async def get_settings(call: Call) -> Reply:
    return Reply(200, shown(await Merchant.get(id=call.merchant_id), call.settings))


async def change_settings(call: Call) -> Reply:
    if not call.body:
        raise invalid_field("/", "send at least one setting")
    values, problems = clean(call.body)
    if problems:
        raise invalid(FieldError(f"/{path}", p.text()) for path, p in problems.items())
    return Reply(200, shown(await save(call.merchant_id, values), call.settings))


# --- logo ---------------------------------------------------------------------------------

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
#: Room for a multipart body's boundaries and headers around a logo of the largest size.
_FORM_SLACK = 16 * 1024
_HOW = (
    "Send the logo as the body with `Content-Type: image/png`, `image/jpeg` or `image/webp`, "
    "or as the `logo` file of a `multipart/form-data` body."
)
_TOO_BIG = logo.ERRORS["too_big"]


async def _raw(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > logo.MAX_BYTES:
            raise ApiError(413, _TOO_BIG)
        chunks.append(chunk)
    return b"".join(chunks)


async def _form_file(request: Request) -> bytes:
    try:
        async with request.form(max_files=1, max_fields=5) as form:
            upload = form.get("logo")
            if upload is None or isinstance(upload, str):
                raise invalid_field("/logo", "send the image as the `logo` file")
            return await upload.read(logo.MAX_BYTES + 1)
    except HTTPException as exc:  # the form could not be parsed
        raise ApiError(400, f"The multipart body is malformed: {exc.detail}") from None


async def logo_bytes(request: Request) -> bytes:
    """The uploaded file: 415 for a type not taken, 413 past the logo's size."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length", "")
    limit = logo.MAX_BYTES + (_FORM_SLACK if media == "multipart/form-data" else 0)
    if media == "image/svg+xml":
        raise ApiError(415, logo.ERRORS["svg"])
    if media not in (*IMAGE_TYPES, "multipart/form-data"):
        raise ApiError(415, _HOW)
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, _TOO_BIG)
    return await (_form_file(request) if media == "multipart/form-data" else _raw(request))


async def put_logo(call: Call) -> Reply:
    data = await logo_bytes(call.request)
    try:
        merchant = await logo.store(call.merchant_id, data, call.settings)
    except logo.ImageRejected as exc:
        raise ApiError(logo.STATUS[exc.code], logo.ERRORS[exc.code]) from None
    return Reply(200, shown(merchant, call.settings))


async def delete_logo(call: Call) -> Reply:
    return Reply(200, shown(await logo.remove(call.merchant_id, call.settings), call.settings))


_IMAGE = string(format="binary", description="The image file itself.")
LOGO_UPLOAD: dict[str, Schema] = {
    **{media: _IMAGE for media in IMAGE_TYPES},
    "multipart/form-data": obj({"logo": _IMAGE}),
}


# --- surveys ------------------------------------------------------------------------------


def _texts(keys: tuple[str, ...], description: str) -> Schema:
    text = string(maxLength=survey_settings.TEXT_MAX)
    return {**obj({}, {k: text for k in keys}), "description": description}


_SURVEY_FIELDS: dict[str, Schema] = {
    "enabled": {
        "type": "boolean",
        "description": "Whether customers are asked at all (on by default).",
    },
    "channels": _channels(
        survey_settings.CHANNELS,
        "The channels an invitation may go on (the customer's own choice first); at least "
        "one while surveys are on. By default e-mail.",
    ),
    "delay_days": {
        "type": "integer",
        "minimum": survey_settings.DELAY_MIN,
        "maximum": survey_settings.DELAY_MAX,
        "description": "Days after delivery before the invitation goes (default 2).",
    },
    "custom_question": _texts(
        i18n.LOCALES,
        "Language → the shop's own question, asked after the standard ones. An empty "
        "string clears one; languages not sent keep theirs.",
    ),
    "wording": {
        **obj(
            {},
            {
                locale: _texts(survey_settings.QUESTIONS, "Question → the shop's wording.")
                for locale in i18n.LOCALES
            },
        ),
        "description": "Language → question → the shop's wording of a standard question "
        "(`{merchant}` is the shop's name). An empty string brings back the standard text; "
        "what is not sent stays.",
    },
    "support": _texts(
        SUPPORT_KEYS,
        "The contact offered to a customer who had a poor experience: `email`, `phone`, "
        "`url`. Without any, the shop's `support_*` settings are offered. An empty string "
        "clears one; keys not sent keep theirs.",
    ),
}
SURVEY_SETTINGS = component("SurveySettings", obj(_SURVEY_FIELDS))
SURVEY_SETTINGS_PATCH = component("SurveySettingsChange", obj({}, _SURVEY_FIELDS))


async def get_survey_settings(call: Call) -> Reply:
    return Reply(200, survey_settings.current(await Merchant.get(id=call.merchant_id)))


async def change_survey_settings(call: Call) -> Reply:
    if not call.body:
        raise invalid_field("/", "send at least one setting")
    before = survey_settings.current(await Merchant.get(id=call.merchant_id))
    values, problems = survey_settings.clean(call.body, before)
    if problems:
        raise invalid(FieldError(f"/{path}", p.text()) for path, p in problems.items())
    try:
        merchant = await survey_settings.save(call.merchant_id, values)
    except survey_settings.Refused as exc:  # another change got in first
        refused = exc.problems.items()
        raise invalid(FieldError(f"/{path}", p.text()) for path, p in refused) from None
    return Reply(200, survey_settings.current(merchant))


OPERATIONS = [
    Operation(
        "GET",
        "/settings",
        "getSettings",
        "The shop's settings: name, branding, messages and their channels, retention",
        "settings",
        get_settings,
        {200: SETTINGS},
    ),
    Operation(
        "PATCH",
        "/settings",
        "changeSettings",
        "Change some of the shop's settings (all or nothing)",
        "settings",
        change_settings,
        {200: SETTINGS},
        body=SETTINGS_PATCH,
        description="Send only the settings to change. Every value is checked as the "
        "workspace's Settings screen checks it; any problem answers `422` with one `errors` "
        "entry per refused value and changes nothing.",
    ),
    Operation(
        "PUT",
        "/settings/logo",
        "putLogo",
        "Put the shop's logo (PNG, JPEG or WebP, at most 1 MB and 2000 × 2000 pixels)",
        "settings",
        put_logo,
        {200: SETTINGS},
        errors=(400, 413, 415, 422),
        upload=LOGO_UPLOAD,
        description="The image is the body, or the `logo` file of a form. Its type is read "
        "from the file itself, as the workspace's Settings screen reads it: SVG and other "
        "types answer `415`, a file over 1 MB `413`, an empty or damaged image or one over "
        "2000 × 2000 pixels `422`; a refused file changes nothing. Answers the settings, "
        "`logo_url` included; the tracking, returns and survey pages and the messages show "
        "the new logo.",
    ),
    Operation(
        "DELETE",
        "/settings/logo",
        "deleteLogo",
        "Drop the shop's logo: pages and messages show its name alone",
        "settings",
        delete_logo,
        {200: SETTINGS},
    ),
    Operation(
        "GET",
        "/settings/surveys",
        "getSurveySettings",
        "The shop's survey settings: on or off, channels, delay, wording, support contact",
        "settings",
        get_survey_settings,
        {200: SURVEY_SETTINGS},
    ),
    Operation(
        "PATCH",
        "/settings/surveys",
        "changeSurveySettings",
        "Change some of the shop's survey settings (all or nothing)",
        "settings",
        change_survey_settings,
        {200: SURVEY_SETTINGS},
        body=SURVEY_SETTINGS_PATCH,
        description="Send only the settings to change. Every value is checked as the "
        "workspace's survey settings screen checks it; any problem answers `422` with one "
        "`errors` entry per refused value and changes nothing.",
    ),
]
