"""A customer's data from the workspace: download everything held (JSON) and erase it.

Erasing is for owners only and asks for the word ERASE, because it cannot be undone; it
records who did it (``staff:<id>``) and when (see docs/privacy.md)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from portal import privacy
from portal.admin.auth import get_or_404, int_param, require_staff, staff_of
from portal.models import Customer


async def _customer(request: Request) -> Customer:
    merchant = staff_of(request).merchant
    return await get_or_404(
        Customer.filter(id=int_param(request, "customer_id"), merchant_id=merchant.id)
    )


def _back(request: Request, done: str) -> Response:
    order_id = request.query_params.get("order", "")
    target = f"/admin/orders/{order_id}" if order_id.isdigit() else "/admin/orders"
    return RedirectResponse(f"{target}?customer={done}", status_code=303)


@require_staff()
async def export(request: Request) -> Response:
    customer = await _customer(request)
    body = json.dumps(await privacy.export(customer), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer.id}.json"'},
    )


@require_staff(owner=True)
async def erase(request: Request) -> Response:
    customer = await _customer(request)
    async with request.form() as form:
        confirmed = str(form.get("confirm", "")).strip().upper() == "ERASE"
    if not confirmed:
        return _back(request, "not-confirmed")
    actor = f"staff:{staff_of(request).user.id}"
    await privacy.erase(customer, actor=actor, settings=request.app.state.settings)
    return _back(request, "erased")


routes: list[BaseRoute] = [
    Route("/customers/{customer_id}/export.json", export),
    Route("/customers/{customer_id}/erase", erase, methods=["POST"]),
]
