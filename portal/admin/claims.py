"""The claims queue: open claims first, one claim's page with the customer's report, its
photos and the parcel's scans, and the three resolutions (reship, refund, reject), plus
the carrier-claim export. Everything is scoped to the signed-in merchant."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.admin.return_detail import PHOTO_TYPES
from portal.claims import service, states
from portal.claims.export import claim_json
from portal.i18n import _
from portal.models import Claim
from portal.models.claims import ClaimState
from portal.tracking import accounts, registration


def _actor(request: Request) -> str:
    return f"staff:{staff_of(request).user.id}"


async def _claim(request: Request) -> Claim:
    merchant = staff_of(request).merchant
    return await get_or_404(
        Claim.filter(id=int_param(request, "claim_id"), merchant_id=merchant.id)
    )


@require_staff()
async def list_claims(request: Request) -> Response:
    merchant = staff_of(request).merchant
    state = request.query_params.get("state", "")
    query = Claim.filter(merchant_id=merchant.id).select_related("shipment", "order")
    if state in ClaimState._value2member_map_:
        query = query.filter(state=state)
    claims = await query.order_by("-created_at").limit(200)
    claims.sort(key=lambda c: (c.state not in states.OPEN, -c.id))
    return render(
        request,
        "admin/claims.html",
        {"claims": claims, "state": state, "states": [s.value for s in ClaimState]},
    )


async def _detail(
    request: Request,
    claim: Claim,
    problem: str = "",
    status: int = 200,
    *,
    amount_error: str = "",
    amount: str = "",
) -> Response:
    """The claim's page; ``amount_error`` is shown by the refund's amount field, with the
    ``amount`` that was typed kept in it."""
    data = await claim_json(claim)
    return render(
        request,
        "admin/claim.html",
        {
            "claim": claim,
            "data": data,
            # The export's scans carry ISO instants (right for the carrier's form); the
            # page writes them on the shop's clock, so it is given them as moments.
            "scan_times": [
                datetime.fromisoformat(scan["occurred_at"]) for scan in data["parcel"]["scans"]
            ],
            "open": claim.state in states.OPEN,
            "problem": problem,
            "amount_error": amount_error,
            "amount": amount or data.get("declared_value", ""),
        },
        status,
    )


@require_staff()
async def claim_detail(request: Request) -> Response:
    return await _detail(request, await _claim(request))


@require_staff()
async def export(request: Request) -> Response:
    claim = await _claim(request)
    body = json.dumps(await claim_json(claim), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{claim.number}.json"'},
    )


@require_staff()
async def photo(request: Request) -> Response:
    claim = await _claim(request)
    index = int_param(request, "index")
    if not 0 <= index < len(claim.photo_paths):
        raise HTTPException(404)
    path = Path(request.app.state.settings.var_dir) / claim.photo_paths[index]
    if path.suffix not in PHOTO_TYPES or not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type=PHOTO_TYPES[path.suffix])


@require_staff()
async def act(request: Request) -> Response:
    """One resolution (``review``, ``reship``, ``refund``, ``reject``) from the claim page."""
    claim = await _claim(request)
    settings = request.app.state.settings
    action = request.path_params["action"]
    async with request.form() as form:
        data = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    try:
        if action == "review":
            await service.review(claim, actor=_actor(request), settings=settings)
        elif action == "reship":
            await service.reship(
                claim,
                tracking_number=data.get("tracking_number", ""),
                carrier=data.get("carrier") or None,
                offered=accounts.offered(settings),
                actor=_actor(request),
                settings=settings,
            )
        elif action == "refund":
            amount = service.parse_amount(data.get("amount", ""))
            await service.refund(claim, amount, actor=_actor(request), settings=settings)
        elif action == "reject":
            await service.reject(
                claim, data.get("reason", ""), actor=_actor(request), settings=settings
            )
        else:
            raise HTTPException(404)
    except registration.Refused as refused:
        return await _detail(request, claim, _problem(refused.code), 400)
    except service.RefundTooLarge as refused:
        message = _(
            "This is more than the order cost, less what was already refunded for it: at "
            "most %(most)s %(currency)s can be refunded."
        ) % {"most": f"{refused.most:.2f}", "currency": refused.currency}
        return await _detail(
            request, claim, status=400, amount_error=message, amount=data.get("amount", "")
        )
    except service.ClaimRefused as refused:
        if refused.code == "amount":
            return await _detail(
                request,
                claim,
                status=400,
                amount_error=_problem(refused.code),
                amount=data.get("amount", ""),
            )
        return await _detail(request, claim, _problem(refused.code), 400)
    except states.ClaimMoveRefused:
        return await _detail(request, claim, _("This claim was already resolved."), 409)
    return RedirectResponse(f"/admin/claims/{claim.id}", status_code=303)


def _problem(code: str) -> str:
    return {
        "amount": _("Enter the amount to refund, e.g. 49.90."),
        "reason": _("Write the reason the customer will read."),
        "bad_number": _("Enter the replacement parcel's tracking number."),
        "in_use": _("This tracking number is already registered."),
    }.get(code, _("Choose the carrier of the replacement parcel."))


routes: list[BaseRoute] = [
    Route("/claims", list_claims, name="admin_claims"),
    Route("/claims/{claim_id}", claim_detail),
    Route("/claims/{claim_id}/export.json", export),
    Route("/claims/{claim_id}/photos/{index}", photo),
    Route("/claims/{claim_id}/{action}", act, methods=["POST"]),
]
