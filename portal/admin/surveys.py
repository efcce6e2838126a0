"""The merchant's survey settings at ``/admin/surveys``: on or off, channels, the delay after
delivery, their own wording per language, one question of their own, and the support
contact offered after a poor experience. Mounted through :data:`routes`.

Everything but the delay is kept in ``Merchant.survey_settings`` in the shape
:func:`portal.surveys.wording.survey_config` reads (its docstring shows it); the delay is
the ``survey_delay_days`` column the scheduler selects on. Keys this screen does not know
are kept. Validation is one pure function, :func:`validate`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from portal import i18n
from portal.admin.auth import render, require_staff, staff_of
from portal.i18n import _, lazy
from portal.models import Merchant
from portal.surveys.wording import QUESTION_TEXT, SUPPORT_KEYS, survey_config

CHANNELS = ("email", "sms")
DELAY_RANGE = (0, 30)
#: Longest question text a merchant may write.
TEXT_MAX = 300
#: The standard questions a merchant may reword, in the order the form lists them.
QUESTION_NAMES = {
    "csat_delivery": lazy("Satisfaction with the delivery (CSAT)"),
    "nps": lazy("Would recommend the shop (NPS)"),
    "ces_delivery": lazy("Ease of getting the parcel (CES)"),
    "ces_return": lazy("Ease of the return (CES)"),
    "csat_resolution": lazy("Satisfaction with how the return was resolved (CSAT)"),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()./-]{5,30}")


def _text_error(value: str) -> str | None:
    if len(value) > TEXT_MAX:
        return _("Use at most %(max)d characters.") % {"max": TEXT_MAX}
    return None


def _support_errors(support: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if support["email"] and not _EMAIL.fullmatch(support["email"]):
        errors["support_email"] = _("Enter an e-mail address like help@example.com.")
    url = urlsplit(support["url"])
    if support["url"] and (url.scheme not in ("http", "https") or not url.netloc):
        errors["support_url"] = _("Enter a full address starting with https://")
    if support["phone"] and not _PHONE.fullmatch(support["phone"]):
        errors["support_phone"] = _("Enter a phone number with digits, spaces and +.")
    return errors


def validate(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Cleaned settings and errors by form field, from the form's fields.

    ``clean`` holds ``enabled``, ``channels``, ``delay`` (None when invalid),
    ``custom_question``, ``wording`` and ``support`` in the stored shape.
    """
    errors: dict[str, str] = {}
    enabled = bool(data.get("enabled"))
    channels = [c for c in CHANNELS if data.get(f"channel_{c}")]
    if enabled and not channels:
        errors["channels"] = _("Choose at least one way to send surveys.")
    delay: int | None = None
    try:
        delay = int(data.get("delay_days", "").strip())
        if not DELAY_RANGE[0] <= delay <= DELAY_RANGE[1]:
            raise ValueError
    except ValueError:
        delay = None
        errors["delay_days"] = _("Enter a number of days from %(low)d to %(high)d.") % {
            "low": DELAY_RANGE[0],
            "high": DELAY_RANGE[1],
        }
    custom: dict[str, str] = {}
    wording: dict[str, dict[str, str]] = {}
    for locale in i18n.LOCALES:
        text = data.get(f"custom_{locale}", "").strip()
        if text:
            custom[locale] = text
            if error := _text_error(text):
                errors[f"custom_{locale}"] = error
        for key in QUESTION_NAMES:
            text = data.get(f"wording_{locale}_{key}", "").strip()
            if text:
                wording.setdefault(locale, {})[key] = text
                if error := _text_error(text):
                    errors[f"wording_{locale}_{key}"] = error
    support = {k: data.get(f"support_{k}", "").strip() for k in SUPPORT_KEYS}
    errors.update(_support_errors(support))
    clean = {
        "enabled": enabled,
        "channels": channels,
        "delay": delay,
        "custom_question": custom,
        "wording": wording,
        "support": {k: v for k, v in support.items() if v},
    }
    return clean, errors


def form_values(merchant: Merchant) -> dict[str, Any]:
    """The form's fields as the merchant's stored settings fill them."""
    config = survey_config(merchant)
    values: dict[str, Any] = {
        "enabled": config.enabled,
        "channels": [c.value for c in config.channels],
        "delay_days": merchant.survey_delay_days,
    }
    for locale in i18n.LOCALES:
        values[f"custom_{locale}"] = config.custom_question.get(locale, "")
        for key in QUESTION_NAMES:
            values[f"wording_{locale}_{key}"] = config.wording.get(locale, {}).get(key, "")
    for key in SUPPORT_KEYS:
        values[f"support_{key}"] = config.support.get(key, "")
    return values


def _posted_values(data: dict[str, str]) -> dict[str, Any]:
    """What was typed, as typed, so that a form with errors loses nothing."""
    values: dict[str, Any] = dict(data)
    values["enabled"] = bool(data.get("enabled"))
    values["channels"] = [c for c in CHANNELS if data.get(f"channel_{c}")]
    return values


def _page(
    request: Request, values: dict[str, Any], errors: dict[str, str], *, saved: bool = False
) -> Response:
    merchant = staff_of(request).merchant
    branding = merchant.branding if isinstance(merchant.branding, dict) else {}
    languages = [
        {
            "code": code,
            "name": name,
            "open": any(
                values.get(f"wording_{code}_{key}") or f"wording_{code}_{key}" in errors
                for key in QUESTION_NAMES
            ),
            "questions": [
                {
                    "field": f"wording_{code}_{key}",
                    "label": _(label),
                    "default": QUESTION_TEXT[code][key],
                }
                for key, label in QUESTION_NAMES.items()
            ],
        }
        for code, name in i18n.language_menu()
    ]
    context = {
        "values": values,
        "errors": errors,
        "saved": saved,
        "languages_form": languages,
        "delay_range": DELAY_RANGE,
        "text_max": TEXT_MAX,
        "branding_support": {k: str(branding.get(f"support_{k}") or "") for k in SUPPORT_KEYS},
    }
    return render(request, "admin/surveys.html", context, status=400 if errors else 200)


@require_staff()
async def settings_page(request: Request) -> Response:
    merchant = staff_of(request).merchant
    return _page(request, form_values(merchant), {}, saved=bool(request.query_params.get("saved")))


@require_staff()
async def save_settings(request: Request) -> Response:
    merchant = staff_of(request).merchant
    async with request.form(max_files=0, max_fields=100) as form:
        data = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    clean, errors = validate(data)
    if errors:
        return _page(request, _posted_values(data), errors)
    stored = dict(merchant.survey_settings) if isinstance(merchant.survey_settings, dict) else {}
    delay = clean.pop("delay")
    stored.update(clean)
    await Merchant.filter(id=merchant.id).update(survey_settings=stored, survey_delay_days=delay)
    return RedirectResponse("/admin/surveys?saved=1", status_code=303)


routes: list[BaseRoute] = [
    Route("/surveys", settings_page, name="admin_surveys"),
    Route("/surveys", save_settings, methods=["POST"]),
]
