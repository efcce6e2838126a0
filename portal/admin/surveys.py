"""The merchant's survey settings at ``/admin/surveys``: on or off, channels, the delay after
delivery, their own wording per language, one question of their own, and the support
contact offered after a poor experience. Mounted through :data:`routes`.

Everything but the delay is kept in ``Merchant.survey_settings`` in the shape
:func:`portal.surveys.wording.survey_config` reads (its docstring shows it); the delay is
the ``survey_delay_days`` column the scheduler selects on. Keys this screen does not know
are kept. The checks and the saving are :mod:`portal.survey_settings`', which the REST API
and ``portal settings`` use too; this module only reads the form and words the problems.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from portal import i18n, survey_settings
from portal.admin.auth import render, require_staff, staff_of
from portal.i18n import _, lazy
from portal.models import Merchant
from portal.surveys.wording import QUESTION_TEXT, SUPPORT_KEYS, survey_config

CHANNELS = survey_settings.CHANNELS
DELAY_RANGE = (survey_settings.DELAY_MIN, survey_settings.DELAY_MAX)
TEXT_MAX = survey_settings.TEXT_MAX
#: The standard questions a merchant may reword, in the order the form lists them.
QUESTION_NAMES = {
    "csat_delivery": lazy("Satisfaction with the delivery (CSAT)"),
    "nps": lazy("Would recommend the shop (NPS)"),
    "ces_delivery": lazy("Ease of getting the parcel (CES)"),
    "ces_return": lazy("Ease of the return (CES)"),
    "csat_resolution": lazy("Satisfaction with how the return was resolved (CSAT)"),
}


_TEXTS = ("custom_question", "wording", "support")


def _given(data: dict[str, str]) -> dict[str, Any]:
    """The form's fields as :func:`portal.survey_settings.clean` takes them: every
    setting, an empty text clearing its own."""
    return {
        "enabled": bool(data.get("enabled")),
        "channels": [c for c in CHANNELS if data.get(f"channel_{c}")],
        "delay_days": data.get("delay_days", "").strip(),
        "custom_question": {loc: data.get(f"custom_{loc}", "") for loc in i18n.LOCALES},
        "wording": {
            loc: {key: data.get(f"wording_{loc}_{key}", "") for key in QUESTION_NAMES}
            for loc in i18n.LOCALES
        },
        "support": {k: data.get(f"support_{k}", "") for k in SUPPORT_KEYS},
    }


def _field(path: str) -> str:
    """The form field of a problem's path (``wording/pl/nps`` → ``wording_pl_nps``)."""
    path = path.replace("custom_question/", "custom/")
    return path.replace("/", "_")


def check(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The values for :func:`portal.survey_settings.save` and errors by form field."""
    values, problems = survey_settings.clean(_given(data))
    return values, {_field(path): problem.text(_) for path, problem in problems.items()}


def validate(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Cleaned settings and errors by form field, from the form's fields.

    ``clean`` holds ``enabled``, ``channels``, ``delay`` (None when invalid),
    ``custom_question``, ``wording`` and ``support`` in the stored shape.
    """
    values, errors = check(data)
    clean = {
        "enabled": values["enabled"],
        "channels": values.get("channels", []),
        "delay": values.get("delay_days"),
        **{k: v for k, v in survey_settings.stored({}, values).items() if k in _TEXTS},
    }
    for key in _TEXTS:
        clean.setdefault(key, {})
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
    values, errors = check(data)
    if errors:
        return _page(request, _posted_values(data), errors)
    try:
        await survey_settings.save(merchant.id, values)
    except survey_settings.Refused as exc:
        errors = {_field(path): problem.text(_) for path, problem in exc.problems.items()}
        return _page(request, _posted_values(data), errors)
    return RedirectResponse("/admin/surveys?saved=1", status_code=303)


routes: list[BaseRoute] = [
    Route("/surveys", settings_page, name="admin_surveys"),
    Route("/surveys", save_settings, methods=["POST"]),
]
