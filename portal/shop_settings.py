"""The shop's own settings and the one set of rules every way of changing them obeys.

They are what the workspace's Settings screen holds: the shop's name, colours and support
contact (its messages carry them: the sender's name, the HTML layout, ``Reply-To`` and the
contact line), its language and time zone, quiet hours and the channels they hold back,
the channels it offers customers in its order of preference, which channel each message
kind goes on (``notification_rules``), expiry and the months of history kept.

The Settings screen (:mod:`portal.admin.branding`) and the REST API's ``/settings``
(:mod:`portal.api.merchant_settings`) both hand the values they were sent to
:func:`clean` and store its result with :func:`save`; :func:`current` is what both show.
They differ only in how they read their input (form fields, JSON) and how they word a
:class:`Problem` (translated on the screen, English in the API). The vocabularies — the
channels, the message kinds and the channels each kind can go on — are declared here
once: the screen draws its boxes from them and the API its schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from portal import i18n
from portal.analytics import rollups
from portal.claims import messages as claim_messages
from portal.core.timezones import zone_name_or_none
from portal.history import retention
from portal.i18n import lazy
from portal.models import Channel, Merchant
from portal.notifications import channel_choice
from portal.notifications.shipments import SHIPMENTS
from portal.returns import messages as return_messages
from portal.tracking import late_clock

#: The families whose channels come from ``notification_rules``. Surveys choose theirs on
#: the survey settings, and the withdrawal receipt always goes by e-mail to the address the
#: customer gave (the law requires it), so neither is here.
_FAMILIES = (SHIPMENTS, return_messages.RETURNS, claim_messages.CLAIMS)
TRIGGERS = tuple(trigger for family in _FAMILIES for trigger in family.triggers)
#: What each trigger sends on when the merchant never chose: the families' own defaults,
#: which the composer applies, so the screen and the API show what actually happens.
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    trigger: tuple(channel.value for channel in channels)
    for family in _FAMILIES
    for trigger, channels in family.default_channels.items()
}
CHANNELS = ("email", "sms", "whatsapp", "push")
#: The channels each trigger can go on: a family written for e-mail only (claims) has no
#: short text for SMS, WhatsApp or push, so it can go by e-mail only.
RULE_CHANNELS: dict[str, tuple[str, ...]] = {
    trigger: tuple(
        c
        for c in CHANNELS
        if channel_choice.template_channel(Channel(c)) in family.template_channels
    )
    for family in _FAMILIES
    for trigger in family.triggers
}
#: Kept in ``Merchant.branding`` rather than in columns of their own.
BRANDING_KEYS = ("primary_color", "accent_color", "support_email", "support_url", "support_phone")
#: ``Merchant.name``'s column length.
NAME_MAX = 200
EXPIRE_MIN_DAYS, EXPIRE_MAX_DAYS = 1, 365
MIN_CONTRAST = 4.5
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()./-]{5,30}")
#: Only a forged request can name a channel or a message kind no box offers.
_UNLISTED = lazy("Choose from the listed options.")


@dataclass(frozen=True)
class Problem:
    """Why one value was refused: English text (marked for translation) and its values."""

    message: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = str) -> str:
        """The problem in words: ``translate`` is ``_`` on the screen; the API keeps English."""
        words = translate(self.message)
        return words % dict(self.values) if self.values else words


# --- colours ---------------------------------------------------------------------------


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on ``colour`` (1 to 21)."""
    return 1.05 / (luminance(colour) + 0.05)


def colour_problem(value: str, *, primary: bool) -> Problem | None:
    if not _COLOUR.fullmatch(value):
        return Problem(lazy("Enter a colour as # and six hexadecimal digits, for example #1f5fbf."))
    if primary and contrast_with_white(value) < MIN_CONTRAST:
        return Problem(lazy("White text is hard to read on this colour. Choose a darker one."))
    return None


# --- one value each ----------------------------------------------------------------------
# A checker takes what was sent and answers the value to store (as sent, when refused) and
# the problem, if any. Text arrives as str; numbers as int, or as the form's text.

Checked = tuple[Any, Problem | None]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _name(value: Any) -> Checked:
    name = _text(value)
    if not name:
        return name, Problem(lazy("Enter the shop's name."))
    if len(name) > NAME_MAX:
        return name, Problem(lazy("The name may be at most 200 characters long."))
    return name, None


def _colour(primary: bool) -> Callable[[Any], Checked]:
    def check(value: Any) -> Checked:
        colour = _text(value).lower()
        return colour, colour_problem(colour, primary=primary) if colour else None

    return check


def check_email(value: Any) -> Checked:
    email = _text(value)
    if email and not _EMAIL.fullmatch(email):
        return email, Problem(lazy("Enter an e-mail address like help@example.com."))
    return email, None


def check_url(value: Any) -> Checked:
    url = _text(value)
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        return url, Problem(lazy("Enter a full address starting with https://"))
    return url, None


def check_phone(value: Any) -> Checked:
    phone = _text(value)
    if phone and not _PHONE.fullmatch(phone):
        return phone, Problem(lazy("Enter a phone number with digits, spaces and +."))
    return phone, None


def _locale(value: Any) -> Checked:
    if value not in i18n.LOCALES:
        return value, Problem(lazy("Choose one of the listed languages."))
    return value, None


def _time_zone(value: Any) -> Checked:
    zone = _text(value)
    if zone_name_or_none(zone) is None:
        return zone, Problem(lazy("Enter a time zone like Europe/Warsaw."))
    return zone, None


def _time(value: Any) -> Checked:
    time = _text(value)
    if not TIME.fullmatch(time):
        return time, Problem(lazy("Enter a time as HH:MM, for example 21:00."))
    return time, None


def whole(value: Any, low: int, high: int) -> int | None:
    """``value`` as a whole number from ``low`` to ``high``, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            return None
    return value if isinstance(value, int) and low <= value <= high else None


def _expire_after_days(value: Any) -> Checked:
    days = whole(value, EXPIRE_MIN_DAYS, EXPIRE_MAX_DAYS)
    if days is None:
        return value, Problem(lazy("Enter a number of days from 1 to 365."))
    return days, None


def _retention_months(value: Any) -> Checked:
    months = whole(value, retention.MIN_MONTHS, retention.MAX_MONTHS)
    if months is None:
        bounds = {"min": retention.MIN_MONTHS, "max": retention.MAX_MONTHS}
        return value, Problem(lazy("Enter a number of months from %(min)d to %(max)d."), bounds)
    return months, None


def _listed(value: Any, allowed: tuple[str, ...]) -> bool:
    return isinstance(value, list | tuple) and all(c in allowed for c in value)


def _channel_order(value: Any) -> Checked:
    if not _listed(value, CHANNELS) or len(set(value)) != len(value):
        return value, Problem(_UNLISTED)
    if not value:
        return [], Problem(lazy("Offer at least one channel."))
    return list(value), None


def _quiet_channels(value: Any) -> Checked:
    if not _listed(value, CHANNELS):
        return value, Problem(_UNLISTED)
    return [c for c in CHANNELS if c in value], None


CHECKS: dict[str, Callable[[Any], Checked]] = {
    "name": _name,
    "primary_color": _colour(primary=True),
    "accent_color": _colour(primary=False),
    "support_email": check_email,
    "support_url": check_url,
    "support_phone": check_phone,
    "default_locale": _locale,
    "time_zone": _time_zone,
    "quiet_hours_start": _time,
    "quiet_hours_end": _time,
    "quiet_hours_channels": _quiet_channels,
    "channel_order": _channel_order,
    "expire_after_days": _expire_after_days,
    "history_retention_months": _retention_months,
}
#: Every setting :func:`clean` takes, in the order the screen and the API show them.
FIELDS = (*CHECKS, "notification_rules")


def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _rules(value: Any) -> tuple[dict[str, list[str] | None], dict[str, Problem]]:
    """The channels of each message kind given (the others keep theirs), in the screen's
    order, or None for a kind going back to its default; a kind or a channel no box
    offers is refused under its own path."""
    if not isinstance(value, Mapping):
        return {}, {"notification_rules": Problem(_UNLISTED)}
    rules: dict[str, list[str] | None] = {}
    problems: dict[str, Problem] = {}
    for trigger, channels in value.items():
        if trigger in RULE_CHANNELS and channels is None:
            rules[trigger] = None
        elif trigger not in RULE_CHANNELS or not _listed(channels, RULE_CHANNELS[trigger]):
            problems[f"notification_rules/{_pointer_token(str(trigger))}"] = Problem(_UNLISTED)
        else:
            rules[trigger] = [c for c in RULE_CHANNELS[trigger] if c in channels]
    return rules, problems


def clean(given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Check and tidy the settings in ``given`` (any of :data:`FIELDS`; others are ignored).

    Answers the values to store and the problems by path: a field's name, or
    ``notification_rules/<kind>`` (JSON Pointer tokens, without the leading slash). A kind's
    rule given as None drops the shop's choice, so the kind goes on its default channels.
    Every value is checked, so one answer lists every problem.
    """
    values: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    for name, check in CHECKS.items():
        if name in given:
            values[name], problem = check(given[name])
            if problem is not None:
                problems[name] = problem
    if "notification_rules" in given:
        values["notification_rules"], rule_problems = _rules(given["notification_rules"])
        problems.update(rule_problems)
    return values, problems


def effective_rules(saved: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """The channels each trigger really uses: the merchant's choice, else the default."""
    saved = saved or {}
    return {t: list(saved.get(t, DEFAULT_CHANNELS[t])) for t in TRIGGERS}


def current(merchant: Merchant) -> dict[str, Any]:
    """Every setting as it works now (a default where the shop never chose)."""
    branding = merchant.branding or {}
    quiet = channel_choice.quiet_channels(merchant)
    return {
        "name": merchant.name,
        **{key: branding.get(key, "") for key in BRANDING_KEYS},
        "default_locale": merchant.default_locale,
        "time_zone": merchant.time_zone,
        "quiet_hours_start": merchant.quiet_hours_start,
        "quiet_hours_end": merchant.quiet_hours_end,
        "quiet_hours_channels": [c for c in CHANNELS if Channel(c) in quiet],
        "channel_order": [c.value for c in channel_choice.offered(merchant)],
        "expire_after_days": merchant.expire_after_days,
        "history_retention_months": merchant.history_retention_months,
        "notification_rules": effective_rules(merchant.notification_rules),
    }


async def save(merchant_id: int, values: Mapping[str, Any]) -> Merchant:
    """Store values :func:`clean` passed; answers the merchant as stored.

    The branding keys go into ``Merchant.branding`` beside its logo, and the rules given
    replace those kinds' channels only: a kind not given (an older survey rule, say) keeps
    its own, and one given as None loses it (its default applies). The row is locked while
    it is read and written, so two saves that change different keys of the same column
    both stay.
    """
    async with in_transaction() as conn:
        merchant = await Merchant.filter(id=merchant_id).using_db(conn).select_for_update().get()
        changes = {k: v for k, v in values.items() if k in FIELDS and k not in BRANDING_KEYS}
        if any(key in values for key in BRANDING_KEYS):
            branding = dict(merchant.branding or {})
            branding.update({k: values[k] for k in BRANDING_KEYS if k in values})
            changes["branding"] = branding
        if "notification_rules" in changes:
            rules = {**(merchant.notification_rules or {}), **changes["notification_rules"]}
            changes["notification_rules"] = {k: v for k, v in rules.items() if v is not None}
        if changes:
            await Merchant.filter(id=merchant_id).using_db(conn).update(**changes)
        if "time_zone" in changes and changes["time_zone"] != merchant.time_zone:
            # Its rolled-up days are on the old clock: read live until recounted.
            await rollups.zone_changed(conn, merchant_id)
            await late_clock.refresh_shop(conn, merchant_id)
    return await Merchant.get(id=merchant_id)
