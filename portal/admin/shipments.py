"""Shipments: a searchable, filterable, keyset-paginated list and a detail page with the
timeline, the messages sent, and the actions (pin or correct the carrier, choose the
carrier account, refresh now, reactivate). Every query is scoped to the signed-in
merchant; anything else is a 404.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.expressions import Q

from carriers.base import Status
from portal.admin import survey_feedback
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.admin.template_families import SHIPMENT
from portal.i18n import _
from portal.models import OutboxMessage, Shipment
from portal.settings import Settings
from portal.tracking import accounts, cadence, corrections, expiry, problems

log = logging.getLogger(__name__)
PAGE_SIZE = 50


def _cursor(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


def stale_filter(now: datetime) -> Q:
    """Live shipments with no carrier news for longer than their status warrants
    (the same limits as :func:`portal.tracking.cadence.is_stale`, as SQL)."""
    parts = [
        Q(status=status, last_event_at__lt=now - limit)
        | Q(status=status, last_event_at__isnull=True, created_at__lt=now - limit)
        for status, limit in cadence.QUIET_LIMITS.items()
    ]
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def filters_from(params: Any) -> dict[str, str]:
    keys = ("q", "status", "carrier", "exception", "stale")
    return {k: str(params.get(k, "")).strip() for k in keys}


def search(merchant_id: int, f: dict[str, str], now: datetime) -> Any:
    query = Shipment.filter(merchant_id=merchant_id)
    if f["q"]:
        query = query.filter(
            Q(tracking_number__icontains=f["q"])
            | Q(order__number__icontains=f["q"])
            | Q(order__email__iexact=f["q"])
        )
    if f["status"] in {s.value for s in Status}:
        query = query.filter(status=f["status"])
    if f["carrier"]:
        query = query.filter(carrier_key=f["carrier"])
    if f["exception"]:
        query = query.filter(status=Status.EXCEPTION)
    if f["stale"]:
        query = query.filter(stale_filter(now))
    return query


@require_staff()
async def list_shipments(request: Request) -> Response:
    merchant = staff_of(request).merchant
    now = datetime.now(UTC)
    f = filters_from(request.query_params)
    query = search(merchant.id, f, now)
    after = _cursor(request.query_params.get("after"))
    if after:
        query = query.filter(id__lt=after)
    rows = await query.order_by("-id").limit(PAGE_SIZE + 1).select_related("order")
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    context = {
        "shipments": rows,
        "filters": f,
        "next_cursor": rows[-1].id if more else None,
        "statuses": [s.value for s in Status],
        "carriers": accounts.offered(request.app.state.settings),
        "stale_ids": {
            s.id
            for s in rows
            if cadence.is_stale(s.status, s.last_event_at, now, since=s.created_at)
        },
    }
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "results":
        return render(request, "admin/_shipments_table.html", context)
    return render(request, "admin/shipments.html", context)


async def _shipment(request: Request) -> Shipment:
    merchant = staff_of(request).merchant
    query = Shipment.filter(id=int_param(request, "shipment_id"), merchant_id=merchant.id)
    return await get_or_404(query.select_related("order"))


def _detail_url(shipment: Shipment, done: str) -> str:
    return f"/admin/shipments/{shipment.id}?done={done}"


@require_staff()
async def shipment_detail(request: Request) -> Response:
    shipment = await _shipment(request)
    events = await shipment.events.all().order_by("-occurred_at")
    messages = await OutboxMessage.filter(
        shipment_id=shipment.id,
        merchant_id=shipment.merchant_id,
    ).order_by("-created_at")
    shop_accounts = await problems.shop_accounts(shipment.merchant_id)
    return render(
        request,
        "admin/shipment.html",
        {
            "shipment": shipment,
            "polled_by": accounts.polling_account(shipment, shop_accounts),
            "carrier_accounts": accounts.candidates(shipment, shop_accounts),
            "tracking_problem": problems.tracking_problem(
                shipment, shop_accounts, datetime.now(UTC)
            ),
            "events": events,
            "feedback": await survey_feedback.for_shipment(staff_of(request).merchant, shipment.id),
            "messages": messages,
            "carriers": accounts.offered(request.app.state.settings),
            "done": request.query_params.get("done"),
            "trigger_name": _trigger_name,
        },
    )


def _trigger_name(trigger: str) -> str:
    """What a message was about, as the template editor names it."""
    found = SHIPMENT.names.get(trigger)
    return _(found) if found else trigger


@require_staff()
async def set_carrier(request: Request) -> Response:
    """Pin or correct the carrier: detection never overrides a person's choice."""
    shipment = await _shipment(request)
    async with request.form() as form:
        key = str(form.get("carrier", ""))
    if key not in accounts.offered(request.app.state.settings):
        return RedirectResponse(_detail_url(shipment, "unknown_carrier"), status_code=303)
    now = datetime.now(UTC)
    try:
        # Another carrier means the scans so far were someone else's parcel: the same
        # correction as the API's (history dropped, polled now).
        result = await corrections.correct(shipment, now=now, carrier=key)
    except corrections.CorrectionError:
        return RedirectResponse(_detail_url(shipment, "duplicate"), status_code=303)
    if not result.changed:
        await Shipment.filter(id=shipment.id).update(
            next_poll_at=now, poll_failures=0, last_error=None
        )
    return RedirectResponse(_detail_url(shipment, "carrier"), status_code=303)


@require_staff()
async def set_account(request: Request) -> Response:
    """Poll the shipment through another of the shop's accounts for its carrier, or through
    none named (the carrier's default or only account): the API's ``PATCH /shipments/{id}``
    with ``carrier_account_id``, checked and made by the same code, history kept."""
    shipment = await _shipment(request)
    async with request.form() as form:
        sent = str(form.get("carrier_account", "")).strip()
    account_id: int | None = None
    if sent:
        try:
            account = await corrections.shop_account(
                shipment.merchant_id, int(sent), shipment.carrier_key
            )
        except (ValueError, corrections.AccountRefused):
            return RedirectResponse(_detail_url(shipment, "unknown_account"), status_code=303)
        account_id = account.id
    result = await corrections.correct(shipment, now=datetime.now(UTC), account_id=account_id)
    if result.moved:
        await _try_refresh(result.shipment, request.app.state.settings)
    return RedirectResponse(_detail_url(shipment, "account"), status_code=303)


async def _try_refresh(shipment: Shipment, settings: Settings) -> None:
    """Ask the carrier right away when the engine's on-demand refresh is available."""
    try:
        from portal.tracking.refresh import refresh_if_stale
    except ImportError:
        return
    try:
        async with httpx.AsyncClient() as client:
            await refresh_if_stale(shipment, settings, client=client, max_age=timedelta(0))
    except Exception:  # the poller will pick it up anyway
        log.warning("refresh of shipment %s failed", shipment.id, exc_info=True)


@require_staff()
async def refresh_now(request: Request) -> Response:
    shipment = await _shipment(request)
    await Shipment.filter(id=shipment.id).update(next_poll_at=datetime.now(UTC))
    await _try_refresh(shipment, request.app.state.settings)
    return RedirectResponse(_detail_url(shipment, "refresh"), status_code=303)


@require_staff()
async def reactivate(request: Request) -> Response:
    shipment = await _shipment(request)
    moved = await expiry.reactivate(
        shipment, now=datetime.now(UTC), settings=request.app.state.settings
    )
    done = "reactivated" if moved else "active"
    return RedirectResponse(_detail_url(shipment, done), status_code=303)
