"""The attention queue screen: open items filtered by kind, carrier and age, and the two
actions a person takes on one ("resolved", "contacted the carrier"), recorded with who and
when. Everything is scoped to the signed-in merchant; another shop's item is a 404."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from babel.dates import format_timedelta
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from portal.admin import words
from portal.admin.auth import int_param, render, require_staff, staff_of
from portal.attention import queue
from portal.i18n import current_locale
from portal.models import AttentionItem, AttentionKind

PAGE_SIZE = 50


def _cursor(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def _query_string(f: queue.QueueFilter, **extra: str) -> str:
    params = {
        "kind": f.kind.value if f.kind else "",
        "carrier": f.carrier_key or "",
        "age": str(f.older_than_days or ""),
        **extra,
    }
    return urlencode({k: v for k, v in params.items() if v})


def age(since: datetime, now: datetime) -> str:
    """How long ago the episode started, in the reader's words ("3 days")."""
    return format_timedelta(now - since, locale=current_locale(), threshold=1.5)


def detail(item: AttentionItem) -> str:
    """What the cause said: the carrier's reason, or the survey score."""
    if item.kind == AttentionKind.UNHAPPY_ANSWER and item.detail.get("score") is not None:
        return str(item.detail["score"])
    return words.reason(item.detail.get("reason"))


@require_staff()
async def list_items(request: Request) -> Response:
    merchant = staff_of(request).merchant
    now = datetime.now(UTC)
    f = queue.QueueFilter.parse(request.query_params)
    items, more = await queue.page(
        merchant.id, f, now, limit=PAGE_SIZE, before=_cursor(request.query_params.get("after"))
    )
    carriers = await queue.carriers(merchant.id)
    return render(
        request,
        "admin/attention.html",
        {
            "items": items,
            "filters": f,
            "kinds": [(k.value, words.attention(k)) for k in AttentionKind],
            "carriers": [(c, words.carrier(c)) for c in carriers],
            "ages": queue.AGES,
            "now": now,
            "age": age,
            "detail": detail,
            "next_url": (
                f"/admin/attention?{_query_string(f, after=str(items[-1].id))}" if more else None
            ),
            "back": _query_string(f),
            "done": request.query_params.get("done"),
        },
    )


async def _act(request: Request, action: str) -> Response:
    signed = staff_of(request)
    item_id = int_param(request, "item_id")
    async with request.form() as form:
        back = queue.QueueFilter.parse(form)
    act = queue.resolve if action == "resolved" else queue.carrier_contacted
    done = await act(signed.merchant.id, item_id, who=signed.user.email, now=datetime.now(UTC))
    if not done:
        exists = await AttentionItem.exists(id=item_id, merchant_id=signed.merchant.id)
        if not exists:
            raise HTTPException(404)
        action = "already"
    query = _query_string(back, done=action)
    return RedirectResponse(f"/admin/attention?{query}", status_code=303)


@require_staff()
async def resolve(request: Request) -> Response:
    return await _act(request, "resolved")


@require_staff()
async def contacted(request: Request) -> Response:
    return await _act(request, "contacted")


#: Relative to the ``/admin`` mount.
routes: list[BaseRoute] = [
    Route("/attention", list_items, name="admin_attention"),
    Route("/attention/{item_id}/resolve", resolve, methods=["POST"]),
    Route("/attention/{item_id}/contacted", contacted, methods=["POST"]),
]
