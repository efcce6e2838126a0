"""API keys for the REST API (owners only): list, create (the key is shown once), revoke.

Only a SHA-256 of a key is stored, so the page that creates one is the only place it ever
appears; it is sent with ``Cache-Control: no-store`` so the browser does not keep it.
Revoking is a POST after a confirmation page and cannot be undone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.i18n import _
from portal.models import ApiKey
from portal.security import API_KEY_PREFIX, new_api_key

MAX_NAME = 200


def _display_prefix(key: ApiKey) -> str:
    """What the merchant sees to tell keys apart: the start every request's key shares."""
    return f"{API_KEY_PREFIX}{key.prefix}_…"


async def _keys(merchant_id: int) -> list[ApiKey]:
    return list(await ApiKey.filter(merchant_id=merchant_id).order_by("-created_at", "-id"))


async def _page(request: Request, **context: Any) -> Response:
    merchant_id = staff_of(request).merchant.id
    status = int(context.pop("status", 200))
    return render(
        request,
        "admin/api_keys.html",
        {
            "keys": await _keys(merchant_id),
            "display_prefix": _display_prefix,
            "done": request.query_params.get("done"),
            "values": {"name": ""},
            "errors": {},
            **context,
        },
        status=status,
    )


@require_staff(owner=True)
async def list_keys(request: Request) -> Response:
    return await _page(request)


@require_staff(owner=True)
async def create_key(request: Request) -> Response:
    async with request.form() as form:
        name = str(form.get("name", "")).strip()
    if not name or len(name) > MAX_NAME:
        error = _("Give the key a name of up to 200 characters, such as the system that uses it.")
        return await _page(request, values={"name": name}, errors={"name": error}, status=400)
    key = new_api_key()
    row = await ApiKey.create(
        merchant_id=staff_of(request).merchant.id,
        name=name,
        prefix=key.prefix,
        key_hash=key.key_hash,
    )
    response = render(
        request, "admin/api_key_created.html", {"key": row, "plaintext": key.plaintext}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _key(request: Request) -> ApiKey:
    merchant_id = staff_of(request).merchant.id
    query = ApiKey.filter(id=int_param(request, "key_id"), merchant_id=merchant_id)
    return await get_or_404(query)


@require_staff(owner=True)
async def revoke_page(request: Request) -> Response:
    key = await _key(request)
    return render(
        request, "admin/api_key_revoke.html", {"key": key, "display_prefix": _display_prefix}
    )


@require_staff(owner=True)
async def revoke_key(request: Request) -> Response:
    key = await _key(request)
    await ApiKey.filter(id=key.id, revoked_at__isnull=True).update(revoked_at=datetime.now(UTC))
    return RedirectResponse("/admin/api-keys?done=revoked", status_code=303)
