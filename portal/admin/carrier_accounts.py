"""Carrier accounts: add, edit, disable, resume, test the connection (owners only).

Credentials are encrypted with :func:`portal.crypto.encrypt_json` and never sent back to
the browser: the form shows which fields are set, and a blank field keeps the old value.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from carriers import registry
from carriers.base import AuthError, CarrierAdapter, CarrierError, NumberHint
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.crypto import DecryptionError, decrypt_json, encrypt_json
from portal.i18n import _, current_locale
from portal.models import CarrierAccount
from portal.settings import Settings
from portal.tracking import accounts as engine_accounts
from portal.tracking.hints import language_of, track_numbers

TEST_TIMEOUT = 8.0
#: A well-formed number per carrier: "not found" still proves the credentials work.
SAMPLE_NUMBERS = {
    "ups": "1Z999AA10123456784",
    "fedex": "123456789012",
    "usps": "9400100000000000000000",
    "dhl": "1234567890",
    "gls": "00000000000",
    "dpd_pl": "0000000000000U",
    "acs": "0000000000",
    "boxnow": "0000000000",
    "speedy": "00000000000",
    "econt": "0000000000000",
    "elta": "RR000000000GR",
    "russian_post": "RR000000000RU",
    "nova_poshta": "20000000000000",
    "cdek": "0000000000",
}
DEFAULT_SAMPLE = "SBX00000000001"


def _adapter_class(request: Request, key: str) -> type[CarrierAdapter]:
    """The adapter for ``key`` if this portal offers it (no sandbox in production)."""
    if key not in engine_accounts.offered(request.app.state.settings):
        raise HTTPException(404)
    return registry.get(key)


def _valid_base_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


async def _account(request: Request) -> CarrierAccount:
    merchant = staff_of(request).merchant
    query = CarrierAccount.filter(id=int_param(request, "account_id"), merchant_id=merchant.id)
    return await get_or_404(query)


def _set_fields(account: CarrierAccount | None, settings: Settings) -> set[str]:
    if account is None:
        return set()
    try:
        stored = decrypt_json(settings, account.credentials_encrypted)
    except DecryptionError:
        return set()
    return {k for k, v in stored.items() if v}


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
                for k in engine_accounts.offered(request.app.state.settings)
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
        "set_fields": _set_fields(account, request.app.state.settings),
        "errors": {},
        "values": {
            "name": account.name if account else adapter.display_name,
            "base_url_override": (account.base_url_override or "") if account else "",
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
    context = _form_context(request, adapter, account)
    context["values"] = {
        "name": data.get("name", ""),
        "base_url_override": data.get("base_url_override", ""),
    }
    errors: dict[str, str] = {}
    name = data.get("name", "")
    if not name:
        errors["name"] = _("Give the account a name.")
    elif (
        await CarrierAccount.filter(merchant_id=merchant.id, name=name)
        .exclude(id=account.id if account else 0)
        .exists()
    ):
        errors["name"] = _("Another account already has this name.")
    base_url = data.get("base_url_override", "")
    if base_url and not _valid_base_url(base_url):
        errors["base_url_override"] = _("Enter a full address starting with https://")
    old: dict[str, str] = {}
    if account is not None:
        try:
            old = decrypt_json(settings, account.credentials_encrypted)
        except DecryptionError:
            old = {}
    credentials = {
        field: data.get(f"cred_{field}") or old.get(field, "")
        for field in adapter.credential_fields
    }
    if errors:
        context["errors"] = errors
        return render(request, "admin/carrier_form.html", context, status=400)
    encrypted = encrypt_json(settings, credentials)
    if account is None:
        account = await CarrierAccount.create(
            merchant_id=merchant.id,
            carrier_key=adapter.key,
            name=name,
            credentials_encrypted=encrypted,
            base_url_override=base_url or None,
        )
    else:
        await CarrierAccount.filter(id=account.id, merchant_id=merchant.id).update(
            name=name, credentials_encrypted=encrypted, base_url_override=base_url or None
        )
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
async def resume_account(request: Request) -> Response:
    account = await _account(request)
    await engine_accounts.resume(account, datetime.now(UTC))
    return RedirectResponse("/admin/carriers?done=resumed", status_code=303)


async def check_connection(
    account: CarrierAccount, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[str, str]:
    """("ok" | "auth" | "unavailable", a sentence for the merchant)."""
    async with httpx.AsyncClient(timeout=TEST_TIMEOUT, transport=transport) as client:
        try:
            adapter = engine_accounts.build_adapter(account, settings, client)
        except (KeyError, DecryptionError):
            return "unavailable", _(
                "The carrier's adapter or the saved credentials cannot be read."
            )
        number = SAMPLE_NUMBERS.get(account.carrier_key, DEFAULT_SAMPLE)
        # A parcel-less call: the only thing known is the language the owner reads, so an
        # adapter that takes hints is tested through the same path as in a sweep.
        given = {number: NumberHint(language=language_of(current_locale()))}
        try:
            await asyncio.wait_for(track_numbers(adapter, [number], given), TEST_TIMEOUT)
        except AuthError:
            return "auth", _("The carrier refused these credentials. Check them and save again.")
        except (CarrierError, httpx.HTTPError, TimeoutError, OSError):
            return "unavailable", _("The carrier did not answer properly. Try again in a while.")
    return "ok", _("Connected: the carrier accepted these credentials.")


@require_staff(owner=True)
async def test_account(request: Request) -> Response:
    account = await _account(request)
    outcome, message = await check_connection(account, request.app.state.settings)
    context = {"account": account, "outcome": outcome, "message": message}
    if request.headers.get("hx-request"):
        return render(request, "admin/_carrier_test.html", context)
    return render(request, "admin/carrier_test.html", context)
