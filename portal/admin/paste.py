"""Paste many tracking numbers: detect each one's carrier, let the merchant correct it per
line, then create the shipments (without orders). Works as two plain form posts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from carriers import detection
from portal.admin.auth import render, require_staff, staff_of
from portal.i18n import _
from portal.models import Shipment
from portal.tracking import accounts

MAX_LINES = 1000


def detect_lines(text: str, available: list[str]) -> list[dict[str, Any]]:
    """One entry per distinct non-empty line: the number, candidates, the proposed carrier."""
    seen: set[str] = set()
    lines = []
    for raw in text.splitlines():
        number = detection.normalise(raw)
        if not number or number in seen:
            continue
        seen.add(number)
        plausible = detection.is_plausible(number)
        candidates = (
            [k for k, _c in detection.detect(number) if k in available] if plausible else []
        )
        lines.append(
            {
                "number": number,
                "plausible": plausible,
                "candidates": candidates,
                "carrier": candidates[0] if candidates else "",
            }
        )
    return lines


@require_staff()
async def paste_page(request: Request) -> Response:
    return render(request, "admin/paste.html", {"lines": None})


@require_staff()
async def paste_preview(request: Request) -> Response:
    async with request.form() as form:
        text = str(form.get("numbers", ""))
    available = accounts.offered(request.app.state.settings)
    lines = detect_lines(text, available)
    context: dict[str, Any] = {"lines": lines[:MAX_LINES], "carriers": available, "text": text}
    if len(lines) > MAX_LINES:
        context["error"] = _("Only the first 1000 numbers are shown. Paste the rest afterwards.")
    return render(request, "admin/paste.html", context)


@require_staff()
async def paste_confirm(request: Request) -> Response:
    merchant = staff_of(request).merchant
    available = set(accounts.offered(request.app.state.settings))
    async with request.form() as form:
        count = min(int(str(form.get("count", "0")) or 0), MAX_LINES)
        chosen = [
            (
                detection.normalise(str(form.get(f"number_{i}", ""))),
                str(form.get(f"carrier_{i}", "")),
            )
            for i in range(count)
        ]
    now = datetime.now(UTC)
    created = skipped = 0
    for number, carrier in chosen:
        if not detection.is_plausible(number) or carrier not in available:
            skipped += 1
            continue
        _shipment, made = await Shipment.get_or_create(
            merchant_id=merchant.id,
            carrier_key=carrier,
            tracking_number=number,
            defaults={"next_poll_at": now, "carrier_pinned": True},
        )
        created += int(made)
        skipped += int(not made)
    return render(
        request, "admin/paste.html", {"lines": None, "created": created, "skipped": skipped}
    )
