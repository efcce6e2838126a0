"""The Settings screen: name, logo, colours, support contact, locale, time zone, quiet
hours, expiry, history retention, the channels offered and which notification goes on which.

The views turn form fields into settings (boxes into lists, ranks into an order) and hand
them to :mod:`portal.shop_settings`, which checks and stores them for the REST API too.
The logo is checked and stored by :mod:`portal.logo`, which the API and the command line
use too.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from portal import logo, shop_settings
from portal.admin.auth import render, require_staff, staff_of
from portal.analytics import labels
from portal.claims import messages as claim_messages
from portal.core import images
from portal.i18n import _, lazy
from portal.models import Merchant
from portal.returns import messages as return_messages
from portal.shop_settings import BRANDING_KEYS, CHANNELS, RULE_CHANNELS, TRIGGERS

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
#: The form's text inputs, sent back as typed (numbers are checked as text too).
_TEXT_FIELDS = (
    "name",
    *BRANDING_KEYS,
    "default_locale",
    "time_zone",
    "quiet_hours_start",
    "quiet_hours_end",
    "expire_after_days",
)


def validate(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Cleaned values and errors by field, from the settings form's fields.

    The form's boxes and ranks become the settings' lists here; every value is then
    checked by :func:`portal.shop_settings.clean`, the API's rules too.
    """
    given: dict[str, Any] = {key: data.get(key, "") for key in _TEXT_FIELDS}
    if "history_retention_months" in data:  # absent: the form did not show it, keep it
        given["history_retention_months"] = data["history_retention_months"]
    given["notification_rules"] = {
        trigger: [c for c in RULE_CHANNELS[trigger] if data.get(f"rule_{trigger}_{c}")]
        for trigger in TRIGGERS
    }
    errors: dict[str, str] = {}
    if data.get("channels_form"):
        given["channel_order"], errors = _channel_order(data)
        given["quiet_hours_channels"] = [c for c in CHANNELS if data.get(f"quiet_{c}")]
    clean, problems = shop_settings.clean(given)
    errors.update({name: problem.text(_) for name, problem in problems.items()})
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
    return [channel for _rank, _index, channel in sorted(ranked)], errors


def _page(request: Request, **extra: Any) -> Response:
    merchant = staff_of(request).merchant
    context: dict[str, Any] = {
        "values": shop_settings.current(merchant),
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
            **shop_settings.current(merchant),
            **clean,
            "expire_after_days": data.get("expire_after_days", ""),
            "history_retention_months": data.get("history_retention_months", ""),
        }
        return _page(request, values=values, errors=errors)
    await shop_settings.save(merchant.id, clean)
    return RedirectResponse("/admin/settings?saved=1", status_code=303)


@require_staff()
async def upload_logo(request: Request) -> Response:
    merchant = staff_of(request).merchant
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("logo")
        data = b""
        if upload is not None and not isinstance(upload, str):
            data = await upload.read(logo.MAX_BYTES + 1)
    try:
        await logo.store(merchant.id, data, request.app.state.settings)
    except logo.ImageRejected as exc:
        return _page(request, logo_error=_(logo.ERRORS[exc.code]))
    return RedirectResponse("/admin/settings?saved=1", status_code=303)


async def serve_logo(request: Request) -> Response:
    """GET /media/logo/{merchant_slug}: the merchant's logo, public (tracking pages use it)."""
    merchant = await Merchant.get_or_none(slug=request.path_params["merchant_slug"])
    path = logo.file_of(merchant, request.app.state.settings)
    media_type = images.MEDIA_TYPES.get(path.suffix) if path is not None else None
    if path is None or media_type is None:
        raise HTTPException(404)
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
