"""The merchant's returns queue: a filterable, keyset-paginated list, a detail page with
everything needed to decide (items, photos, amounts, exchanges, the return parcel, the
history) and the customer's photos served through an authorised route.

Every query is scoped to the signed-in merchant. The detail page lives in
:mod:`portal.admin.return_detail`, the actions in :mod:`portal.admin.return_actions`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import Q, Subquery

from portal.admin import return_actions, return_detail
from portal.admin.auth import render, require_staff, staff_of
from portal.admin.return_words import STATE_NAMES, money, reason_label
from portal.i18n import _
from portal.models import ReturnItem, ReturnReason, ReturnRequest

PAGE_SIZE = 50
MAX_AGE_DAYS = 3650


def filters_from(params: Any) -> dict[str, str]:
    keys = ("q", "state", "reason", "older_than")
    return {k: str(params.get(k, "")).strip()[:100] for k in keys}


def _days(value: str) -> int | None:
    try:
        days = int(value)
    except ValueError:
        return None
    return days if 0 < days <= MAX_AGE_DAYS else None


def search(merchant_id: int, f: dict[str, str], now: datetime) -> Any:
    """The merchant's returns narrowed by the filters (unknown values are ignored)."""
    query = ReturnRequest.filter(merchant_id=merchant_id)
    if f["q"]:
        query = query.filter(Q(number__iexact=f["q"]) | Q(order__number__icontains=f["q"]))
    if f["state"] in STATE_NAMES:
        query = query.filter(state=f["state"])
    if f["reason"]:
        with_reason = ReturnItem.filter(
            return_request__merchant_id=merchant_id, reason__code=f["reason"]
        ).values("return_request_id")
        query = query.filter(id__in=Subquery(with_reason))
    if days := _days(f["older_than"]):
        query = query.filter(created_at__lt=now - timedelta(days=days))
    return query


def _cursor(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


@require_staff()
async def list_returns(request: Request) -> Response:
    merchant = staff_of(request).merchant
    f = filters_from(request.query_params)
    query = search(merchant.id, f, datetime.now(UTC))
    if after := _cursor(request.query_params.get("after")):
        query = query.filter(id__lt=after)
    rows = await query.order_by("-id").limit(PAGE_SIZE + 1).select_related("order")
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    reasons = await ReturnReason.filter(merchant_id=merchant.id).order_by("position", "id")
    context = {
        "returns": rows,
        "filters": f,
        "next_cursor": rows[-1].id if more else None,
        "states": [(state, _(name)) for state, name in STATE_NAMES.items()],
        "reasons": [(r.code, reason_label(r)) for r in reasons],
        "state_name": lambda s: _(STATE_NAMES[str(s)]),
        "money": money,
    }
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "results":
        return render(request, "admin/_returns_table.html", context)
    return render(request, "admin/returns.html", context)


_ONE = "/returns/{return_id:int}"

#: Relative to the ``/admin`` mount.
routes: list[BaseRoute] = [
    Route("/returns", list_returns, name="admin_returns"),
    Route(_ONE, return_detail.return_detail, name="admin_return"),
    Route(f"{_ONE}/items/{{item_id:int}}/photo", return_detail.item_photo),
    Route(f"{_ONE}/approve", return_actions.approve, methods=["POST"]),
    Route(f"{_ONE}/reject", return_actions.reject, methods=["POST"]),
    Route(f"{_ONE}/receive", return_actions.receive, methods=["POST"]),
    Route(f"{_ONE}/inspect", return_actions.inspect, methods=["POST"]),
    Route(f"{_ONE}/resolve", return_actions.resolve, methods=["POST"]),
    Route(f"{_ONE}/close", return_actions.close, methods=["POST"]),
    Route(f"{_ONE}/parcel", return_actions.parcel, methods=["POST"]),
]
