"""The merchant's moves on a return: approve, reject with a message, mark received (with
or without settling now), record the inspection, resolve, close.

Each is a POST with the CSRF token. With htmx the detail fragment comes back (status 200,
so htmx swaps it) with the outcome in a live region; without JavaScript a done move
redirects to the detail page and a refused one renders it with the reason (409, or 400
for a form that needs fixing). The staff member is recorded as ``staff:<id>`` on every
move.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.admin.auth import render, require_staff, staff_of
from portal.admin.return_detail import detail_context, owned_return
from portal.admin.return_words import DONE, INSPECTION_PROBLEMS, PARCEL_PROBLEMS, state_name
from portal.i18n import _
from portal.models import ReturnRequest
from portal.returns import queue, return_parcel, service
from portal.returns.exchanges import OutOfStock
from portal.returns.states import StaleReturn, TransitionRefused
from portal.tracking import accounts

MESSAGE_MAX = 2000


def actor_of(request: Request) -> str:
    return f"staff:{staff_of(request).user.id}"


def _htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


async def _form(request: Request) -> dict[str, str]:
    async with request.form() as form:
        return {k: v.replace("\r\n", "\n") for k, v in form.items() if isinstance(v, str)}


async def _page(request: Request, ret: ReturnRequest, status: int, **extra: Any) -> Response:
    """The detail (fragment for htmx, whole page otherwise) showing the current state."""
    fresh = await owned_return(request)
    context = await detail_context(request, fresh, **extra)
    if _htmx(request):
        return render(request, "admin/_return_detail.html", context)
    return render(request, "admin/return.html", context, status=status)


async def _done(request: Request, ret: ReturnRequest, done: str) -> Response:
    if _htmx(request):
        return await _page(request, ret, 200, done_message=_(DONE[done]))
    return RedirectResponse(f"/admin/returns/{ret.id}?done={done}", status_code=303)


async def _attempt(
    request: Request,
    ret: ReturnRequest,
    move: Callable[[], Awaitable[None]],
    done: str,
    values: dict[str, str],
) -> Response:
    """Run ``move``; a refused or raced move comes back as a plain message."""
    try:
        await move()
    except StaleReturn:
        error = _(
            "Someone else changed this return a moment ago. It is shown as it is now; "
            "check it and try again."
        )
        return await _page(request, ret, 409, error=error, values=values)
    except TransitionRefused:
        error = _("This cannot be done while the return is “%(state)s”.") % {
            "state": state_name(ret.state)
        }
        return await _page(request, ret, 409, error=error, values=values)
    except OutOfStock:
        error = _(
            "A variant the customer exchanges for is out of stock, so nothing was changed. "
            "Add stock to the variant, or reject the return."
        )
        return await _page(request, ret, 409, error=error, values=values)
    return await _done(request, ret, done)


@require_staff()
async def approve(request: Request) -> Response:
    ret = await owned_return(request)
    values = await _form(request)
    note = values.get("note", "").strip()[:MESSAGE_MAX]

    async def move() -> None:
        await service.approve(
            ret, actor=actor_of(request), note=note, settings=request.app.state.settings
        )

    return await _attempt(request, ret, move, "approved", values)


@require_staff()
async def reject(request: Request) -> Response:
    """Reject with a message to the customer (required: they deserve a reason)."""
    ret = await owned_return(request)
    values = await _form(request)
    message = values.get("message", "").strip()
    problem = ""
    if not message:
        problem = _("Write a message that tells the customer why.")
    elif len(message) > MESSAGE_MAX:
        problem = _("Keep the message under %(limit)d characters.") % {"limit": MESSAGE_MAX}
    if problem:
        error = _("The return was not rejected. Fix the problem shown below.")
        return await _page(
            request, ret, 400, error=error, field_errors={"message": problem}, values=values
        )

    async def move() -> None:
        await queue.reject(
            ret, actor=actor_of(request), message=message, settings=request.app.state.settings
        )

    return await _attempt(request, ret, move, "rejected", values)


@require_staff()
async def receive(request: Request) -> Response:
    ret = await owned_return(request)
    values = await _form(request)
    refund_now = values.get("issue_refund") == "1"

    async def move() -> None:
        await queue.mark_received(
            ret,
            actor=actor_of(request),
            issue_refund=refund_now,
            settings=request.app.state.settings,
        )

    done = "received_refunded" if refund_now else "received"
    return await _attempt(request, ret, move, done, values)


def inspections_from(values: dict[str, str], item_ids: list[int]) -> list[queue.Inspection]:
    """One verdict per listed item that has a condition chosen (missing ones are caught by
    :func:`queue.record_inspection`)."""
    return [
        queue.Inspection(
            item_id=item_id,
            condition=values[f"condition_{item_id}"],
            restock=values.get(f"restock_{item_id}") == "1",
        )
        for item_id in item_ids
        if values.get(f"condition_{item_id}")
    ]


@require_staff()
async def inspect(request: Request) -> Response:
    ret = await owned_return(request)
    values = await _form(request)
    item_ids = [item.id for item in await queue.returned_items(ret, None)]
    results = inspections_from(values, item_ids)

    async def move() -> None:
        await queue.record_inspection(
            ret, results, actor=actor_of(request), settings=request.app.state.settings
        )

    try:
        return await _attempt(request, ret, move, "inspected", values)
    except queue.InspectionProblem as exc:
        field_errors = {
            f"condition_{key}": _(INSPECTION_PROBLEMS[code])
            for key, code in exc.problems.items()
            if key is not None
        }
        error = _("The inspection was not recorded. Fix the problems shown below.")
        return await _page(request, ret, 400, error=error, field_errors=field_errors, values=values)


@require_staff()
async def resolve(request: Request) -> Response:
    ret = await owned_return(request)
    values = await _form(request)

    async def move() -> None:
        await queue.resolve(ret, actor=actor_of(request), settings=request.app.state.settings)

    return await _attempt(request, ret, move, "resolved", values)


@require_staff()
async def close(request: Request) -> Response:
    ret = await owned_return(request)
    values = await _form(request)

    async def move() -> None:
        await queue.close(ret, actor=actor_of(request), settings=request.app.state.settings)

    return await _attempt(request, ret, move, "closed", values)


@require_staff()
async def parcel(request: Request) -> Response:
    """Add or correct the tracking number of the parcel coming back."""
    ret = await owned_return(request)
    values = await _form(request)
    try:
        await return_parcel.link(
            ret,
            values.get("tracking_number", ""),
            carrier=values.get("carrier") or None,
            offered=accounts.offered(request.app.state.settings),
            now=datetime.now(UTC),
        )
    except return_parcel.ParcelRefused as refused:
        error = _("The return parcel was not saved. Fix the problem shown below.")
        problem = _(PARCEL_PROBLEMS[refused.code])
        return await _page(
            request, ret, 400, error=error, field_errors={"tracking_number": problem}, values=values
        )
    return await _done(request, ret, "parcel")
