"""Carrier accounts: add, edit, disable, resume, test the connection, mark or unmark the
default for a carrier, from its row or its form (owners only).

Credentials are encrypted with :func:`portal.crypto.encrypt_json` and never sent back to
the browser: the form shows which fields are set, and a blank field keeps the old value.
The rules (names, base URL, credential fields) and the connection test are
:mod:`portal.carrier_accounts`', shared with the REST API and ``portal carrier``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from carriers import registry
from carriers.base import CarrierAdapter
from portal import carrier_accounts as shared
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.i18n import _, current_locale
from portal.models import CarrierAccount
from portal.settings import Settings
from portal.tracking import accounts as engine_accounts
from portal.tracking.hints import language_of


def _adapter_class(request: Request, key: str) -> type[CarrierAdapter]:
    """The adapter for ``key`` if this portal offers it (no sandbox in production)."""
    adapter = shared.adapter_for(request.app.state.settings, key)
    if adapter is None:
        raise HTTPException(404)
    return adapter


async def _account(request: Request) -> CarrierAccount:
    merchant = staff_of(request).merchant
    query = CarrierAccount.filter(id=int_param(request, "account_id"), merchant_id=merchant.id)
    return await get_or_404(query)


@require_staff(owner=True)
async def list_accounts(request: Request) -> Response:
    merchant = staff_of(request).merchant
    now = datetime.now(UTC)
    health = await engine_accounts.merchant_health(merchant.id, now)
    return render(
        request,
        "admin/carriers.html",
        {
            "accounts": health,
            "carriers": [
                (k, registry.get(k).display_name)
                for k in shared.offered(request.app.state.settings)
            ],
            "load_errors": registry.load_errors(),
            "message": request.query_params.get("done"),
        },
    )


def _form_context(
    request: Request, adapter: type[CarrierAdapter], account: CarrierAccount | None
) -> dict[str, Any]:
    return {
        "adapter": adapter,
        "account": account,
        "set_fields": shared.set_fields(request.app.state.settings, account),
        "errors": {},
        "values": {
            "name": account.name if account else adapter.display_name,
            "base_url_override": (account.base_url_override or "") if account else "",
            "default": account.is_default if account else False,
        },
    }


@require_staff(owner=True)
async def new_account_page(request: Request) -> Response:
    adapter = _adapter_class(request, request.query_params.get("carrier", ""))
    return render(request, "admin/carrier_form.html", _form_context(request, adapter, None))


@require_staff(owner=True)
async def edit_account_page(request: Request) -> Response:
    account = await _account(request)
    adapter = _adapter_class(request, account.carrier_key)
    return render(request, "admin/carrier_form.html", _form_context(request, adapter, account))


async def _save(
    request: Request, adapter: type[CarrierAdapter], account: CarrierAccount | None
) -> Response:
    settings = request.app.state.settings
    merchant = staff_of(request).merchant
    async with request.form() as form:
        data = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    given: dict[str, Any] = {
        "name": data.get("name", ""),
        "base_url_override": data.get("base_url_override", ""),
        # A blank field keeps the saved value: only the fields typed in are sent.
        "credentials": {
            field: data[f"cred_{field}"]
            for field in adapter.credential_fields
            if data.get(f"cred_{field}")
        },
        # A checkbox: unticked sends nothing, which unmarks the default.
        "default": "default" in data,
    }
    if account is None:
        given["carrier"] = adapter.key
    values, problems = await shared.clean(settings, merchant.id, given, account)
    if not problems:
        try:
            await shared.save(settings, merchant.id, values, account)
        except shared.Refused as exc:
            problems = exc.problems
    if problems:
        context = _form_context(request, adapter, account)
        context["values"] = {
            "name": given["name"],
            "base_url_override": given["base_url_override"],
            "default": given["default"],
        }
        context["errors"] = {path: problem.text(_) for path, problem in problems.items()}
        return render(request, "admin/carrier_form.html", context, status=400)
    return RedirectResponse("/admin/carriers?done=saved", status_code=303)


@require_staff(owner=True)
async def create_account(request: Request) -> Response:
    async with request.form() as form:
        key = str(form.get("carrier", ""))
    return await _save(request, _adapter_class(request, key), None)


@require_staff(owner=True)
async def update_account(request: Request) -> Response:
    account = await _account(request)
    return await _save(request, _adapter_class(request, account.carrier_key), account)


@require_staff(owner=True)
async def set_enabled(request: Request) -> Response:
    account = await _account(request)
    enabled = request.url.path.endswith("/enable")
    await CarrierAccount.filter(id=account.id).update(enabled=enabled)
    return RedirectResponse("/admin/carriers?done=saved", status_code=303)


@require_staff(owner=True)
async def set_default(request: Request) -> Response:
    """``…/default`` makes the account its carrier's default (it polls the shop's
    shipments of that carrier naming no account), ``…/undefault`` unmarks it, leaving the
    carrier without one: the same rule as the API's ``{"default": true|false}``."""
    account = await _account(request)
    settings = request.app.state.settings
    wanted = {"default": request.url.path.endswith("/default")}
    values, _problems = await shared.clean(settings, account.merchant_id, wanted, account)
    await shared.save(settings, account.merchant_id, values, account)
    return RedirectResponse("/admin/carriers?done=saved", status_code=303)


@require_staff(owner=True)
async def resume_account(request: Request) -> Response:
    account = await _account(request)
    await engine_accounts.resume(account, datetime.now(UTC))
    return RedirectResponse("/admin/carriers?done=resumed", status_code=303)


async def check_connection(
    account: CarrierAccount, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[str, str]:
    """("ok" | "auth" | "unavailable", a sentence for the merchant in their language).

    A parcel-less call: the only thing known is the language the owner reads, so an
    adapter that takes hints is tested through the same path as in a sweep.
    """
    outcome, message = await shared.check_connection(
        account, settings, transport, language=language_of(current_locale())
    )
    return outcome, _(message)


@require_staff(owner=True)
async def test_account(request: Request) -> Response:
    account = await _account(request)
    outcome, message = await check_connection(account, request.app.state.settings)
    context = {"account": account, "outcome": outcome, "message": message}
    if request.headers.get("hx-request"):
        return render(request, "admin/_carrier_test.html", context)
    return render(request, "admin/carrier_test.html", context)
