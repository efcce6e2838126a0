"""A shop's survey settings and the one set of rules every way of changing them obeys.

They are what the workspace's survey settings screen holds: surveys on or off, the
channels invitations go on, the days after delivery before one is sent, the shop's own
wording of the standard questions and its own question (per language), and the support
contact offered to a customer who had a poor experience (else the branding's is).

The screen (:mod:`portal.admin.surveys`), the REST API's ``/settings/surveys``
(:mod:`portal.api.merchant_settings`) and ``portal settings`` hand what they were sent to
:func:`clean` and store its result with :func:`save`; :func:`current` is what they show.

Everything but the delay is kept in ``Merchant.survey_settings`` in the shape
:func:`portal.surveys.wording.survey_config` reads; the delay is the
``survey_delay_days`` column the scheduler selects on. A change names only what it
changes: the texts and support keys given replace theirs (an empty string clears one),
the others stay; keys of ``survey_settings`` no rule here knows are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tortoise.transactions import in_transaction

from portal import i18n
from portal.i18n import lazy
from portal.models import Merchant
from portal.shop_settings import Problem, check_email, check_phone, check_url, whole
from portal.surveys.wording import SUPPORT_KEYS, survey_config

CHANNELS = ("email", "sms")
DELAY_MIN, DELAY_MAX = 0, 30
#: Longest question text a merchant may write.
TEXT_MAX = 300
#: The standard questions a merchant may reword, in the order the screen lists them.
QUESTIONS = ("csat_delivery", "nps", "ces_delivery", "ces_return", "csat_resolution")
#: Every setting :func:`clean` takes, in the order the API shows them.
FIELDS = ("enabled", "channels", "delay_days", "custom_question", "wording", "support")
#: Only a forged request or a typing slip can name what no box offers.
_UNLISTED = lazy("Choose from the listed options.")
#: The screen sends text only; the API's schema and the command line's refuse the rest
#: before this, so these words (English) are a last guard.
_NOT_TEXT = "Enter text."
_NOT_YES_NO = "Enter true or false."

_CHECK_SUPPORT: dict[str, Callable[[Any], tuple[Any, Problem | None]]] = {
    "email": check_email,
    "phone": check_phone,
    "url": check_url,
}


def _text(value: Any) -> tuple[str, Problem | None]:
    if not isinstance(value, str):
        return "", Problem(_NOT_TEXT)
    text = value.strip()
    if len(text) > TEXT_MAX:
        return text, Problem(lazy("Use at most %(max)d characters."), {"max": TEXT_MAX})
    return text, None


def _texts(
    value: Any, path: str, allowed: tuple[str, ...], problems: dict[str, Problem]
) -> dict[str, str]:
    """``{key: text}`` for the keys ``allowed``; problems go under ``path/key``."""
    if not isinstance(value, Mapping):
        problems[path] = Problem(_UNLISTED)
        return {}
    texts: dict[str, str] = {}
    for key, given in value.items():
        if key not in allowed:
            problems[f"{path}/{key}"] = Problem(_UNLISTED)
            continue
        texts[key], problem = _text(given)
        if problem is not None:
            problems[f"{path}/{key}"] = problem
    return texts


def clean(
    given: Mapping[str, Any], before: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Check and tidy the survey settings in ``given`` (any of :data:`FIELDS`).

    ``before`` is :func:`current` of the shop being changed (None: the defaults): surveys
    switched on need a channel, whichever of the two the change names. Answers the values
    for :func:`save` and the problems by path (JSON Pointer tokens without the leading
    slash: ``delay_days``, ``wording/pl/nps``, ``support/email``). Every value is checked,
    so one answer lists every problem.
    """
    values: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    if "enabled" in given:
        if isinstance(given["enabled"], bool):
            values["enabled"] = given["enabled"]
        else:
            problems["enabled"] = Problem(_NOT_YES_NO)
    if "channels" in given:
        channels = given["channels"]
        if isinstance(channels, list | tuple) and all(c in CHANNELS for c in channels):
            values["channels"] = [c for c in CHANNELS if c in channels]
        else:
            problems["channels"] = Problem(_UNLISTED)
    if "delay_days" in given:
        delay = whole(given["delay_days"], DELAY_MIN, DELAY_MAX)
        if delay is None:
            bounds = {"low": DELAY_MIN, "high": DELAY_MAX}
            problems["delay_days"] = Problem(
                lazy("Enter a number of days from %(low)d to %(high)d."), bounds
            )
        else:
            values["delay_days"] = delay
    if "custom_question" in given:
        values["custom_question"] = _texts(
            given["custom_question"], "custom_question", i18n.LOCALES, problems
        )
    if "wording" in given:
        wording = given["wording"]
        if isinstance(wording, Mapping):
            values["wording"] = {}
            for locale, texts in wording.items():
                if locale not in i18n.LOCALES:
                    problems[f"wording/{locale}"] = Problem(_UNLISTED)
                    continue
                values["wording"][locale] = _texts(texts, f"wording/{locale}", QUESTIONS, problems)
        else:
            problems["wording"] = Problem(_UNLISTED)
    if "support" in given:
        support = _texts(given["support"], "support", SUPPORT_KEYS, problems)
        for key, text in support.items():
            support[key], problem = _CHECK_SUPPORT[key](text)
            if problem is not None:
                problems.setdefault(f"support/{key}", problem)
        values["support"] = support
    if "channels" not in problems and "enabled" not in problems:
        enabled = values.get("enabled", (before or {}).get("enabled", True))
        channels = values.get("channels", (before or {}).get("channels", ["email"]))
        if (problem := _needs_channel(enabled, channels)) is not None:
            problems["channels"] = problem
    return values, problems


class Refused(Exception):
    """The change, applied to the settings as they are once the row is locked, would
    leave surveys on with no channel; ``problems`` are by path, as :func:`clean`'s."""

    def __init__(self, problems: Mapping[str, Problem]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {p.text()}" for k, p in self.problems.items()))


def _needs_channel(enabled: bool, channels: Any) -> Problem | None:
    if enabled and not channels:
        return Problem(lazy("Choose at least one way to send surveys."))
    return None


def _merged(old: Any, new: Mapping[str, str]) -> dict[str, str]:
    texts = {k: v for k, v in old.items() if isinstance(v, str)} if isinstance(old, dict) else {}
    texts.update(new)
    return {k: v for k, v in texts.items() if v}


def stored(raw: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """``Merchant.survey_settings`` ``raw`` with :func:`clean`'s ``values`` applied."""
    settings = dict(raw) if isinstance(raw, dict) else {}
    for key in ("enabled", "channels"):
        if key in values:
            settings[key] = values[key]
    for key in ("custom_question", "support"):
        if key in values:
            settings[key] = _merged(settings.get(key), values[key])
    if "wording" in values:
        old = settings.get("wording")
        wording = dict(old) if isinstance(old, dict) else {}
        for locale, texts in values["wording"].items():
            wording[locale] = _merged(wording.get(locale), texts)
        settings["wording"] = {k: v for k, v in wording.items() if v}
    return settings


def current(merchant: Merchant) -> dict[str, Any]:
    """Every survey setting as it works now (a default where the shop never chose)."""
    config = survey_config(merchant)
    return {
        "enabled": config.enabled,
        "channels": [c.value for c in config.channels if c.value in CHANNELS],
        "delay_days": merchant.survey_delay_days,
        "custom_question": dict(config.custom_question),
        "wording": {k: dict(v) for k, v in config.wording.items() if v},
        "support": {k: config.support[k] for k in SUPPORT_KEYS if config.support.get(k)},
    }


async def save(merchant_id: int, values: Mapping[str, Any]) -> Merchant:
    """Store values :func:`clean` passed; answers the merchant as stored.

    The row is locked while it is read and written, so two changes of different keys both
    stay, and the rule that surveys switched on need a channel is checked again under the
    lock, on the settings as they are then: of two changes saved at once, one switching
    surveys on and one taking away their last channel, the second raises :class:`Refused`
    and changes nothing (with the transaction it runs in).
    """
    async with in_transaction() as conn:
        merchant = await Merchant.filter(id=merchant_id).using_db(conn).select_for_update().get()
        changes: dict[str, Any] = {}
        if any(key in values for key in FIELDS if key != "delay_days"):
            changes["survey_settings"] = stored(merchant.survey_settings, values)
            merchant.survey_settings = changes["survey_settings"]  # as it will be stored
        after = current(merchant)
        if (problem := _needs_channel(after["enabled"], after["channels"])) is not None:
            raise Refused({"channels": problem})
        if "delay_days" in values:
            changes["survey_delay_days"] = values["delay_days"]
        if changes:
            await Merchant.filter(id=merchant_id).using_db(conn).update(**changes)
    return await Merchant.get(id=merchant_id)
