"""Branding and shop settings: name, logo, colours, support contact, locale, time zone,
quiet hours, expiry, history retention and which notification goes on which channel.

Validation is in small pure functions (tested on their own); the views only gather form
fields, call them, and save. Logos live under ``var_dir/uploads/logos`` with random names.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from portal import i18n
from portal.admin.auth import render, require_staff, staff_of
from portal.analytics import labels
from portal.claims import messages as claim_messages
from portal.core import images
from portal.history import retention
from portal.i18n import _, lazy
from portal.models import Channel, Merchant
from portal.notifications import channel_choice
from portal.notifications.shipments import SHIPMENTS
from portal.returns import messages as return_messages
from portal.settings import Settings

#: The families whose channels come from ``notification_rules``. Surveys choose theirs on
#: the survey settings, and the withdrawal receipt always goes by e-mail to the address the
#: customer gave (the law requires it), so neither is in the form.
_FAMILIES = (SHIPMENTS, return_messages.RETURNS, claim_messages.CLAIMS)
TRIGGERS = tuple(trigger for family in _FAMILIES for trigger in family.triggers)
#: What each trigger sends on when the merchant never chose: the families' own defaults,
#: which the composer applies, so the form shows (and a save keeps) what actually happens.
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    trigger: tuple(channel.value for channel in channels)
    for family in _FAMILIES
    for trigger, channels in family.default_channels.items()
}
TRIGGER_NAMES = {
    **return_messages.TRIGGER_NAMES,
    **claim_messages.TRIGGER_NAMES,
    "shipped": lazy("Shipped"),
    "out_for_delivery": lazy("Out for delivery"),
    "failed_attempt": lazy("Delivery attempt failed"),
    "ready_for_pickup": lazy("Ready for pickup"),
    "delivered": lazy("Delivered"),
    "exception": lazy("Problem with the delivery"),
    "returned_to_sender": lazy("Returned to sender"),
    "delayed": lazy("Delayed"),
    "pickup_reminder": lazy("Pickup reminder (the day before the deadline)"),
    "late": lazy("Late (its delivery window passed)"),
    "stuck": lazy("Stuck (no scan for longer than usual)"),
}
CHANNELS = ("email", "sms", "whatsapp", "push")
#: The channels each trigger can go on: a family written for e-mail only (claims) has no
#: short text for SMS, WhatsApp or push, so the form offers it only e-mail.
RULE_CHANNELS: dict[str, tuple[str, ...]] = {
    trigger: tuple(
        c
        for c in CHANNELS
        if channel_choice.template_channel(Channel(c)) in family.template_channels
    )
    for family in _FAMILIES
    for trigger in family.triggers
}
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()./-]{5,30}")
MIN_CONTRAST = 4.5


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on ``colour`` (1 to 21)."""
    return 1.05 / (luminance(colour) + 0.05)


def colour_error(value: str, *, primary: bool) -> str | None:
    if not _COLOUR.fullmatch(value):
        return _("Enter a colour as # and six hexadecimal digits, for example #1f5fbf.")
    if primary and contrast_with_white(value) < MIN_CONTRAST:
        return _("White text is hard to read on this colour. Choose a darker one.")
    return None


def validate(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Cleaned values and errors by field, from the settings form's fields."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {"name": data.get("name", "").strip()}
    if not clean["name"]:
        errors["name"] = _("Enter the shop's name.")
    for field, primary in (("primary_color", True), ("accent_color", False)):
        value = data.get(field, "").strip().lower()
        if value and (error := colour_error(value, primary=primary)):
            errors[field] = error
        clean[field] = value
    email = data.get("support_email", "").strip()
    if email and not _EMAIL.fullmatch(email):
        errors["support_email"] = _("Enter an e-mail address like help@example.com.")
    url = data.get("support_url", "").strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        errors["support_url"] = _("Enter a full address starting with https://")
    phone = data.get("support_phone", "").strip()
    if phone and not _PHONE.fullmatch(phone):
        errors["support_phone"] = _("Enter a phone number with digits, spaces and +.")
    clean.update(support_email=email, support_url=url, support_phone=phone)
    locale = data.get("default_locale", "")
    if locale not in i18n.LOCALES:
        errors["default_locale"] = _("Choose one of the listed languages.")
    clean["default_locale"] = locale
    zone = data.get("time_zone", "").strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = _("Enter a time zone like Europe/Warsaw.")
    clean["time_zone"] = zone
    for field in ("quiet_hours_start", "quiet_hours_end"):
        value = data.get(field, "").strip()
        if not _TIME.fullmatch(value):
            errors[field] = _("Enter a time as HH:MM, for example 21:00.")
        clean[field] = value
    try:
        days = int(data.get("expire_after_days", ""))
        if not 1 <= days <= 365:
            raise ValueError
        clean["expire_after_days"] = days
    except ValueError:
        errors["expire_after_days"] = _("Enter a number of days from 1 to 365.")
    if "history_retention_months" in data:  # absent: the form did not show it, keep it
        try:
            months = int(data["history_retention_months"])
            if not retention.MIN_MONTHS <= months <= retention.MAX_MONTHS:
                raise ValueError
            clean["history_retention_months"] = months
        except ValueError:
            errors["history_retention_months"] = _(
                "Enter a number of months from %(min)d to %(max)d."
            ) % {"min": retention.MIN_MONTHS, "max": retention.MAX_MONTHS}
    clean["notification_rules"] = {
        trigger: [c for c in RULE_CHANNELS[trigger] if data.get(f"rule_{trigger}_{c}")]
        for trigger in TRIGGERS
    }
    if data.get("channels_form"):
        order, order_errors = _channel_order(data)
        clean["channel_order"] = order
        errors.update(order_errors)
        clean["quiet_hours_channels"] = [c for c in CHANNELS if data.get(f"quiet_{c}")]
    return clean, errors


def _channel_order(data: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The offered channels in the shop's order (``offer_<c>`` ticked, ranked by ``rank_<c>``)."""
    ranked: list[tuple[int, int, str]] = []
    errors: dict[str, str] = {}
    for index, channel in enumerate(CHANNELS):
        if not data.get(f"offer_{channel}"):
            continue
        raw = data.get(f"rank_{channel}", "").strip()
        try:
            rank = int(raw) if raw else index + 1
            if not 1 <= rank <= len(CHANNELS):
                raise ValueError
        except ValueError:
            errors[f"rank_{channel}"] = _(
                "Enter a whole number from 1 to %(max)d, or leave it blank."
            ) % {"max": len(CHANNELS)}
            rank = index + 1
        ranked.append((rank, index, channel))
    if not ranked:
        errors["channel_order"] = _("Offer at least one channel.")
    return [channel for _rank, _index, channel in sorted(ranked)], errors


def effective_rules(saved: dict[str, Any] | None) -> dict[str, list[str]]:
    """The channels each trigger really uses: the merchant's choice, else the default."""
    saved = saved or {}
    return {t: list(saved.get(t, DEFAULT_CHANNELS[t])) for t in TRIGGERS}


def _values(merchant: Merchant) -> dict[str, Any]:
    branding = merchant.branding or {}
    values: dict[str, Any] = {
        "name": merchant.name,
        "default_locale": merchant.default_locale,
        "time_zone": merchant.time_zone,
        "quiet_hours_start": merchant.quiet_hours_start,
        "quiet_hours_end": merchant.quiet_hours_end,
        "expire_after_days": merchant.expire_after_days,
        "history_retention_months": merchant.history_retention_months,
        "notification_rules": effective_rules(merchant.notification_rules),
        "channel_order": [c.value for c in channel_choice.offered(merchant)],
        "quiet_hours_channels": sorted(c.value for c in channel_choice.quiet_channels(merchant)),
    }
    for key in ("primary_color", "accent_color", "support_email", "support_url", "support_phone"):
        values[key] = branding.get(key, "")
    return values


def _page(request: Request, **extra: Any) -> Response:
    merchant = staff_of(request).merchant
    context: dict[str, Any] = {
        "values": _values(merchant),
        "errors": {},
        "triggers": [(t, _(TRIGGER_NAMES[t])) for t in TRIGGERS],
        "rule_channels": RULE_CHANNELS,
        "channels": [(c, _(labels.CHANNELS[c])) for c in CHANNELS],
        "has_logo": bool((merchant.branding or {}).get("logo_path")),
        "logo_error": None,
        "saved": request.query_params.get("saved"),
    }
    context.update(extra)
    status = 400 if context["errors"] or context["logo_error"] else 200
    return render(request, "admin/settings.html", context, status=status)


@require_staff()
async def settings_page(request: Request) -> Response:
    return _page(request)


@require_staff()
async def save_settings(request: Request) -> Response:
    merchant = staff_of(request).merchant
    async with request.form() as form:
        data = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    clean, errors = validate(data)
    if errors:
        values = {
            **clean,
            "expire_after_days": data.get("expire_after_days", ""),
            "history_retention_months": data.get("history_retention_months", ""),
        }
        return _page(request, values=values, errors=errors)
    branding = dict(merchant.branding or {})
    for key in ("primary_color", "accent_color", "support_email", "support_url", "support_phone"):
        branding[key] = clean.pop(key)
    # The form replaces the rules it shows; any other saved rule (an older survey rule,
    # say) is kept, not dropped by a save that never showed it.
    clean["notification_rules"] = {
        **(merchant.notification_rules or {}),
        **clean["notification_rules"],
    }
    await Merchant.filter(id=merchant.id).update(branding=branding, **clean)
    return RedirectResponse("/admin/settings?saved=1", status_code=303)


LOGO_ERRORS = {
    "too_big": lazy("The logo is larger than 1 MB. Save it smaller and try again."),
    "svg": lazy("SVG logos are not accepted. Upload a PNG, JPEG or WebP image."),
    "type": lazy("This is not a PNG, JPEG or WebP image."),
    "corrupt": lazy("This image file seems damaged."),
    "dimensions": lazy("The logo is larger than 2000 × 2000 pixels."),
}


def logo_dir(settings: Settings) -> Path:
    return Path(settings.var_dir) / "uploads" / "logos"


@require_staff()
async def upload_logo(request: Request) -> Response:
    merchant = staff_of(request).merchant
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("logo")
        data = b""
        if upload is not None and not isinstance(upload, str):
            data = await upload.read(images.MAX_BYTES + 1)
    try:
        info = images.inspect(data)
    except images.ImageRejected as exc:
        return _page(request, logo_error=_(LOGO_ERRORS[exc.code]))
    folder = logo_dir(request.app.state.settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(18) + info.extension
    (folder / name).write_bytes(data)
    branding = dict(merchant.branding or {})
    old = branding.get("logo_path")
    branding["logo_path"] = name
    await Merchant.filter(id=merchant.id).update(branding=branding)
    if old and "/" not in old:
        (folder / old).unlink(missing_ok=True)
    return RedirectResponse("/admin/settings?saved=1", status_code=303)


async def serve_logo(request: Request) -> Response:
    """GET /media/logo/{merchant_slug}: the merchant's logo, public (tracking pages use it)."""
    merchant = await Merchant.get_or_none(slug=request.path_params["merchant_slug"])
    name = (merchant.branding or {}).get("logo_path") if merchant else None
    if not name or "/" in name or "\\" in name:
        raise HTTPException(404)
    path = logo_dir(request.app.state.settings) / name
    media_type = images.MEDIA_TYPES.get(path.suffix)
    if media_type is None or not path.is_file():
        raise HTTPException(404)
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
