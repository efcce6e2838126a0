"""``portal settings``: a shop's settings from the command line, under the same rules.

``show`` prints what ``GET /api/v1/settings`` answers, with the survey settings
(``GET /api/v1/settings/surveys``) under ``surveys``. ``set`` takes that same shape, from
a JSON file or from ``key=value`` words (``surveys.delay_days=3``,
``notification_rules.delivered=email,sms``; ``notification_rules.delivered=default``, or
null in JSON, takes the kind back to its default channels), checks it against the API's
schemas and then :mod:`portal.shop_settings` and :mod:`portal.survey_settings` — the
rules of the screens and the API — and saves only when nothing is refused. ``logo``
puts or drops the shop's logo through :mod:`portal.logo`, as ``/settings/logo`` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from tortoise.transactions import in_transaction

from portal import logo, shop_settings, survey_settings
from portal.api.merchant_settings import SETTINGS_PATCH, SURVEY_SETTINGS_PATCH, shown
from portal.api.schemas import Schema, resolve, validate
from portal.models import Merchant
from portal.settings import Settings

SURVEYS = "surveys"
LOGO_URL = "logo_url"


class Refused(Exception):
    """What was asked cannot be done; ``problems`` says why, one line each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _schema_at(path: list[str]) -> Schema:
    """The schema of the setting at ``path`` (empty when no setting is there)."""
    schema = resolve(SURVEY_SETTINGS_PATCH if path[0] == SURVEYS else SETTINGS_PATCH)
    for name in path[1:] if path[0] == SURVEYS else path:
        schema = resolve(schema.get("properties", {}).get(name, {}))
    return schema


#: The word that takes a setting which may be null (a message kind's rule) back to its default.
DEFAULT = "default"


def _value(text: str, schema: Schema) -> Any:
    """``text`` as the setting's type: strings as typed, a list as JSON or ``a,b``,
    ``default`` as null where null is allowed, anything else as JSON (left as text when it
    is not, for the schema to refuse)."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" in kinds and text.strip() in (DEFAULT, "null"):
        return None
    if kind == "string":
        return text
    if "array" in kinds and not text.lstrip().startswith("["):
        return [item.strip() for item in text.split(",") if item.strip()]
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse(words: Iterable[str]) -> dict[str, Any]:
    """``key=value`` words as the settings document; dots in a key name a nested one."""
    document: dict[str, Any] = {}
    for word in words:
        key, equals, text = word.partition("=")
        path = [part for part in key.strip().split(".") if part]
        if not equals or not path:
            raise Refused([f"{word!r}: write settings as key=value, e.g. surveys.delay_days=3"])
        place = document
        for name in path[:-1]:
            place = place.setdefault(name, {})
            if not isinstance(place, dict):
                raise Refused([f"{key}: {name} is given twice"])
        place[path[-1]] = _value(text, _schema_at(path))
    return document


async def show(merchant: Merchant, settings: Settings) -> dict[str, Any]:
    return {**shown(merchant, settings), SURVEYS: survey_settings.current(merchant)}


async def put_logo(merchant: Merchant, data: bytes, settings: Settings) -> dict[str, Any]:
    """Make ``data`` the shop's logo, or raise :class:`Refused` (nothing changed)."""
    try:
        merchant = await logo.store(merchant.id, data, settings)
    except logo.ImageRejected as exc:
        raise Refused([logo.ERRORS[exc.code]]) from None
    return await show(merchant, settings)


async def remove_logo(merchant: Merchant, settings: Settings) -> dict[str, Any]:
    return await show(await logo.remove(merchant.id, settings), settings)


async def change(
    merchant: Merchant, document: Mapping[str, Any], settings: Settings
) -> dict[str, Any]:
    """Check every value of ``document``; save them all, or raise :class:`Refused`."""
    if not isinstance(document, Mapping) or not document:
        raise Refused(["give at least one setting"])
    # ``show``'s ``logo_url`` is read only (``logo`` puts the logo): a document printed by
    # ``show`` and edited goes back as it is.
    shop = {k: v for k, v in document.items() if k not in (SURVEYS, LOGO_URL)}
    surveys = document.get(SURVEYS, {})
    errors = [
        *validate(SETTINGS_PATCH, shop),
        *validate(SURVEY_SETTINGS_PATCH, surveys, "/surveys"),
    ]
    if errors:
        raise Refused(f"{e.pointer}: {e.detail}" for e in errors)
    shop_values, shop_problems = shop_settings.clean(shop)
    survey_values, survey_problems = survey_settings.clean(
        surveys, survey_settings.current(merchant)
    )
    problems = {
        **{f"/{path}": p for path, p in shop_problems.items()},
        **{f"/{SURVEYS}/{path}": p for path, p in survey_problems.items()},
    }
    if problems:
        raise Refused(f"{path}: {problem.text()}" for path, problem in problems.items())
    try:
        async with in_transaction():  # both or neither: each save nests in this one
            if shop_values:
                merchant = await shop_settings.save(merchant.id, shop_values)
            if survey_values:
                merchant = await survey_settings.save(merchant.id, survey_values)
    except survey_settings.Refused as exc:  # another change got in first
        raise Refused(
            f"/{SURVEYS}/{path}: {p.text()}" for path, p in exc.problems.items()
        ) from None
    return await show(merchant, settings)
