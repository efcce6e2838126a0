"""One return as the merchant sees it: items with the customer's photos, amounts,
exchanges with their stock, the return parcel and the history of every move.

The return is looked up within the signed-in merchant (anyone else's is a 404); the
customer's photos are files under ``settings.var_dir`` served only through
:func:`item_photo`, never from the static directory.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from portal import i18n
from portal.admin import survey_feedback
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.admin.return_words import (
    ACTOR_NAMES,
    CONDITION_NAMES,
    DONE,
    METHOD_NAMES,
    RESOLUTION_NAMES,
    STATE_NAMES,
    history_note,
    money,
    reason_label,
)
from portal.carrier_display import carrier_name
from portal.i18n import _
from portal.models import Exchange, ReturnItem, ReturnRequest, ReturnTransition, StaffUser
from portal.models.returns import ReturnState as S
from portal.notifications import phrases
from portal.returns import return_parcel, states
from portal.tracking import accounts

#: Photos are served only with these types (the upload step checked the content).
PHOTO_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


async def owned_return(request: Request) -> ReturnRequest:
    """The return in the path, if it is the signed-in merchant's; else 404."""
    merchant = staff_of(request).merchant
    query = ReturnRequest.filter(id=int_param(request, "return_id"), merchant_id=merchant.id)
    found: ReturnRequest = await get_or_404(
        query.select_related("order", "customer", "return_shipment")
    )
    return found


async def _actors(merchant_id: int, transitions: list[ReturnTransition]) -> dict[str, str]:
    """``staff:<id>`` → the staff member's e-mail; the fixed actors in words."""
    ids = {
        int(t.actor.split(":", 1)[1])
        for t in transitions
        if t.actor.startswith("staff:") and t.actor.split(":", 1)[1].isdigit()
    }
    staff = await StaffUser.filter(merchant_id=merchant_id, id__in=ids).values_list("id", "email")
    names = {f"staff:{i}": str(email) for i, email in staff}
    for t in transitions:
        names.setdefault(t.actor, _(ACTOR_NAMES.get(t.actor, t.actor)))
    return names


def _available_actions(state: S) -> set[str]:
    moves = states.ALLOWED[state]
    actions = set()
    if S.APPROVED in moves:
        actions.add("approve")
    if S.REJECTED in moves:
        actions.add("reject")
    if S.RECEIVED in moves:
        actions.add("receive")
    if S.INSPECTED in moves:
        actions.add("inspect")
    if S.RESOLVED in moves and state in (S.RECEIVED, S.INSPECTED):
        actions.add("resolve")
    if S.CLOSED in moves:
        actions.add("close")
    return actions


async def detail_context(request: Request, ret: ReturnRequest, **extra: Any) -> dict[str, Any]:
    """Everything the detail page (and its htmx fragment) shows."""
    merchant = staff_of(request).merchant
    items = (
        await ReturnItem.filter(return_request_id=ret.id)
        .select_related("order_item", "reason")
        .order_by("id")
    )
    swaps = {
        e.return_item_id: e
        for e in await Exchange.filter(return_item__return_request_id=ret.id).select_related(
            "new_variant"
        )
    }
    history = await ReturnTransition.filter(return_request_id=ret.id).order_by("created_at", "id")
    inspectable = {i.id for i in items if i.resolution != "keep_item"}
    state = S(ret.state)
    parcel = ret.return_shipment
    done = request.query_params.get("done", "")
    return {
        "ret": ret,
        "state": state.value,
        "state_label": _(STATE_NAMES[state]),
        "method_label": _(METHOD_NAMES[str(ret.method)]) if ret.method else "—",
        "items": [
            {
                "item": item,
                "reason": reason_label(item.reason),
                "resolution": _(RESOLUTION_NAMES[str(item.resolution)]),
                "condition": _(CONDITION_NAMES[item.condition]) if item.condition else "",
                "amount": money(item.amount, ret.currency),
                "exchange": swaps.get(item.id),
                "inspectable": item.id in inspectable,
            }
            for item in items
        ],
        "exchange_rows": [
            {
                "item": item,
                "exchange": swaps[item.id],
                "difference": money(swaps[item.id].price_difference, ret.currency),
                "available": swaps[item.id].new_variant.stock - swaps[item.id].new_variant.reserved,
            }
            for item in items
            if item.id in swaps
        ],
        "totals": {
            "refund": money(ret.refund_total, ret.currency),
            "credit": money(ret.credit_total, ret.currency),
            "fees": money(ret.fees_total, ret.currency),
        },
        "parcel_status": phrases.status_words(parcel.status, i18n.current_locale())
        if parcel is not None
        else "",
        "history": history,
        "feedback": await survey_feedback.for_return(merchant, ret.id),
        "actors": await _actors(merchant.id, history),
        "state_name": lambda s: _(STATE_NAMES[str(s)]) if s else "—",
        "history_note": history_note,
        "actions": _available_actions(state),
        "parcel_open": state in return_parcel.OPEN,
        "carriers": [
            (key, carrier_name(key, i18n.current_locale()))
            for key in accounts.offered(request.app.state.settings)
        ],
        "conditions": [(code, _(name)) for code, name in CONDITION_NAMES.items()],
        "done_message": _(DONE[done]) if done in DONE else "",
        "error": "",
        "field_errors": {},
        "values": {},
        **extra,
    }


@require_staff()
async def return_detail(request: Request) -> Response:
    ret = await owned_return(request)
    return render(request, "admin/return.html", await detail_context(request, ret))


def photo_file(var_dir: Path, photo_path: str | None) -> Path | None:
    """The stored photo as a file inside ``var_dir``; None for anything else (a path that
    climbs out, a missing file, a type we do not serve)."""
    if not photo_path:
        return None
    root = var_dir.resolve()
    candidate = Path(photo_path)
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not path.is_relative_to(root) or path.suffix.lower() not in PHOTO_TYPES:
        return None
    return path if path.is_file() else None


@require_staff()
async def item_photo(request: Request) -> Response:
    """The customer's photo of a returned item, for this merchant's staff only."""
    merchant = staff_of(request).merchant
    item = await get_or_404(
        ReturnItem.filter(
            id=int_param(request, "item_id"),
            return_request_id=int_param(request, "return_id"),
            return_request__merchant_id=merchant.id,
        )
    )
    path = photo_file(request.app.state.settings.var_dir, item.photo_path)
    if path is None:
        raise HTTPException(404)
    media_type = PHOTO_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
