"""Stores: connect Shopify, WooCommerce, PrestaShop or BaseLinker, test the connection, see its sync
(owners only).

Credentials go through :func:`portal.platforms.connections.connect`, which checks them
with the store and registers Doorstep's webhooks before anything is kept; they are never
sent back to the browser. A BaseLinker store's write-back is the order status a delivered
parcel moves its order to: the page offers the account's statuses (read from BaseLinker
at most once an hour, when the choice is saved and when the merchant asks, through the
connection's pace; the last known list otherwise, with a notice when BaseLinker did not
answer, see :func:`~portal.platforms.connections.known_order_statuses`) and saves the
choice with
:func:`~portal.platforms.connections.set_delivered_status`, as the API and ``portal
connect baselinker --delivered-status`` do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import httpx
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.crypto import DecryptionError
from portal.i18n import _
from portal.models import Platform, PlatformConnection
from portal.platforms import connections
from portal.platforms.base import PlatformError
from portal.platforms.connections import CREDENTIAL_FIELDS, ConnectError


def _http(request: Request) -> httpx.AsyncClient:
    return cast(httpx.AsyncClient, request.app.state.http_client)


async def _connection(request: Request) -> PlatformConnection:
    merchant = staff_of(request).merchant
    query = PlatformConnection.filter(
        id=int_param(request, "connection_id"), merchant_id=merchant.id
    )
    return await get_or_404(query)


def _unreadable(error: Exception) -> str:
    return _("BaseLinker's order statuses could not be read: %(error)s") % {"error": error}


def _stale(error: Exception) -> str:
    return _(
        "BaseLinker's order statuses could not be read again (%(error)s): these are the ones "
        "last read."
    ) % {"error": error}


async def _order_statuses(
    request: Request,
    rows: list[PlatformConnection],
    errors: dict[str, str],
    notices: dict[int, str],
    refresh: int | None = None,
) -> dict[int, dict[str, str]]:
    """Each working BaseLinker store's order statuses (id -> name) for its picker, as last
    read unless that was over an hour ago or ``refresh`` names the store. A store that
    does not answer keeps its last known list with a sentence in ``notices``; one never
    read gets a sentence in ``errors`` instead (no picker: its choice stays as it is)."""
    found: dict[int, dict[str, str]] = {}
    for connection in rows:
        if connection.platform != Platform.BASELINKER or connection.paused_reason:
            continue
        known = await connections.known_order_statuses(
            connection,
            request.app.state.settings,
            _http(request),
            now=datetime.now(UTC),
            refresh=connection.id == refresh,
        )
        if known.statuses is not None:
            found[connection.id] = known.statuses
            if known.error is not None:
                notices[connection.id] = _stale(known.error)
        elif known.error is not None:
            errors.setdefault(f"store-{connection.id}", _unreadable(known.error))
    return found


async def _page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    refresh: int | None = None,
) -> Response:
    merchant = staff_of(request).merchant
    rows = await PlatformConnection.filter(merchant_id=merchant.id).order_by("id")
    errors = dict(errors or {})
    notices: dict[int, str] = {}
    statuses = await _order_statuses(request, rows, errors, notices, refresh)
    return render(
        request,
        "admin/stores.html",
        {
            "stores": [(c, connections.status_line(c)) for c in rows],
            "statuses": statuses,
            "notices": notices,
            "fields": {p.value: f for p, f in CREDENTIAL_FIELDS.items()},
            "errors": errors,
            "values": values or {},
            "message": request.query_params.get("done"),
        },
        status=status,
    )


@require_staff(owner=True)
async def list_stores(request: Request) -> Response:
    return await _page(request)


@require_staff(owner=True)
async def connect_store(request: Request) -> Response:
    merchant = staff_of(request).merchant
    async with request.form() as form:
        data = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    try:
        platform = Platform(data.get("platform", ""))
    except ValueError:
        return await _page(request, errors={"platform": "?"}, values=data, status=400)
    credentials = {f: data.get(f, "") for f in CREDENTIAL_FIELDS[platform]}
    try:
        await connections.connect(
            merchant.id,
            platform,
            data.get("shop_url", ""),
            credentials,
            settings=request.app.state.settings,
            http=_http(request),
            now=datetime.now(UTC),
        )
    except ConnectError as exc:
        values = {k: v for k, v in data.items() if k in ("platform", "shop_url")}
        return await _page(request, errors={platform.value: str(exc)}, values=values, status=400)
    return RedirectResponse("/admin/stores?done=connected", status_code=303)


@require_staff(owner=True)
async def test_store(request: Request) -> Response:
    connection = await _connection(request)
    try:
        ok, message = await connections.check(
            connection, request.app.state.settings, _http(request)
        )
    except DecryptionError:
        ok, message = False, ""
    context = {"outcome": "ok" if ok else "auth", "message": message}
    if request.headers.get("hx-request"):
        return render(request, "admin/_carrier_test.html", context)
    return render(request, "admin/store_test.html", {**context, "store": connection})


@require_staff(owner=True)
async def sync_store(request: Request) -> Response:
    connection = await _connection(request)
    await PlatformConnection.filter(id=connection.id).update(next_sync_at=datetime.now(UTC))
    return RedirectResponse("/admin/stores?done=sync", status_code=303)


@require_staff(owner=True)
async def store_settings(request: Request) -> Response:
    connection = await _connection(request)
    async with request.form() as form:
        write_tracking = form.get("write_tracking") == "1"
        # PrestaShop's webservice documents no refund to write: never queued there.
        write_returns = (
            form.get("write_returns") == "1"
            and connection.platform in connections.REFUNDS_WRITTEN_BACK
        )
        delivered = form.get("delivered_status")
    if connection.platform == Platform.BASELINKER:
        # The write-back is the delivered status chosen; without the picker (the
        # statuses could not be read), the choice stays as it is.
        if isinstance(delivered, str):
            try:
                await connections.set_delivered_status(
                    connection, delivered, request.app.state.settings, _http(request)
                )
            except (DecryptionError, PlatformError, httpx.HTTPError) as exc:
                # (DecryptionError is a ValueError: it is caught here first.)
                error = _unreadable(exc)
            except ValueError:
                error = _("Choose one of the account's order statuses, or Off.")
            else:
                error = ""
            if error:
                return await _page(request, errors={f"store-{connection.id}": error}, status=400)
        return RedirectResponse("/admin/stores?done=saved", status_code=303)
    await PlatformConnection.filter(id=connection.id).update(
        write_tracking=write_tracking, write_returns=write_returns
    )
    return RedirectResponse("/admin/stores?done=saved", status_code=303)


@require_staff(owner=True)
async def refresh_statuses(request: Request) -> Response:
    """Read a BaseLinker store's order statuses again now (the picker's refresh control);
    when BaseLinker does not answer, the page says so over the last known list."""
    connection = await _connection(request)
    return await _page(request, refresh=connection.id)


routes = [
    Route("/stores", list_stores, name="admin_stores"),
    Route("/stores", connect_store, methods=["POST"]),
    Route("/stores/{connection_id}/test", test_store, methods=["POST"]),
    Route("/stores/{connection_id}/sync", sync_store, methods=["POST"]),
    Route("/stores/{connection_id}/settings", store_settings, methods=["POST"]),
    Route("/stores/{connection_id}/statuses", refresh_statuses, methods=["POST"]),
]
