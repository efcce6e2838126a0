"""The merchant's return reasons at ``/admin/returns/reasons``: a nested, ordered list, and
forms to add, edit, move, switch off and (when never used) delete a reason.

The checks and saves are :mod:`portal.admin.return_reason_store`'s, shared with
``/api/v1/return-reasons``: this module turns forms into its values and its answers into
pages. A code a return already points at is history: it cannot change, and the reason
cannot be deleted — only switched off. Everyone on the staff may look; owners change.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n
from portal.admin import return_reason_store as reasons
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.admin.return_reason_store import FLAGS, reason_tree, values_of
from portal.admin.return_words import reason_label
from portal.i18n import _, lazy
from portal.models import ReturnItem, ReturnReason

LIST_PATH = "/admin/returns/reasons"

#: ``?done=`` codes after an action, and what the list then says.
DONE: dict[str, str] = {
    "added": lazy("Reason added."),
    "saved": lazy("Reason saved."),
    "moved": lazy("Reason moved."),
    "deactivated": lazy("Reason switched off: customers no longer see it."),
    "activated": lazy("Reason switched on: customers can choose it again."),
    "deleted": lazy("Reason deleted."),
}
#: ``?refused=`` codes when a delete is refused.
REFUSED: dict[str, str] = {
    "used": lazy(
        "This reason is part of earlier returns, so it cannot be deleted. Switch it off instead."
    ),
    "children": lazy("This reason has reasons under it. Move or delete those first."),
}


def values_from(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("code", "parent", *(f"label_{locale}" for locale in i18n.LOCALES)):
        raw = form.get(name, "")
        values[name] = raw.strip() if isinstance(raw, str) else ""
    for flag in FLAGS:
        values[flag] = bool(form.get(flag))
    # One text box, comma separated; the blanks between commas are no category.
    raw = form.get("categories", "")
    typed = raw.split(",") if isinstance(raw, str) else []
    values["categories"] = [category.strip() for category in typed if category.strip()]
    return values


async def _form_page(
    request: Request,
    reason: ReturnReason | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    merchant_id = staff_of(request).merchant.id
    used = reason is not None and await ReturnItem.exists(reason_id=reason.id)
    choices = await reasons.parent_choices(merchant_id, reason)
    context = {
        "reason": reason,
        "values": values if values is not None else values_of(reason),
        "errors": errors or {},
        "code_locked": used,
        "parents": [(str(p.id), reason_label(p)) for p in choices],
        "locales": list(i18n.language_menu()),
        "known_categories": await reasons.order_categories(merchant_id),
        "category_max": reasons.CATEGORY_MAX,
    }
    return render(request, "admin/return_reason_form.html", context, status=400 if errors else 200)


async def _reason(request: Request) -> ReturnReason:
    merchant_id = staff_of(request).merchant.id
    found: ReturnReason = await get_or_404(
        ReturnReason.filter(id=int_param(request, "reason_id"), merchant_id=merchant_id)
    )
    return found


async def _posted(request: Request) -> dict[str, Any]:
    async with request.form(max_files=0, max_fields=30) as form:
        return values_from(form)


@require_staff()
async def list_reasons(request: Request) -> Response:
    done = request.query_params.get("done", "")
    refused = request.query_params.get("refused", "")
    context = {
        "entries": await reason_tree(staff_of(request).merchant.id),
        "done": _(DONE[done]) if done in DONE else None,
        "refused": _(REFUSED[refused]) if refused in REFUSED else None,
    }
    return render(request, "admin/return_reasons.html", context)


@require_staff(owner=True)
async def new_reason_page(request: Request) -> Response:
    return await _form_page(request, None)


@require_staff(owner=True)
async def edit_reason_page(request: Request) -> Response:
    return await _form_page(request, await _reason(request))


@require_staff(owner=True)
async def create_reason(request: Request) -> Response:
    merchant_id = staff_of(request).merchant.id
    values = await _posted(request)
    _saved, errors = await reasons.store(merchant_id, None, values)
    if errors:
        return await _form_page(request, None, values=values, errors=errors)
    return RedirectResponse(f"{LIST_PATH}?done=added", status_code=303)


@require_staff(owner=True)
async def update_reason(request: Request) -> Response:
    merchant_id = staff_of(request).merchant.id
    reason = await _reason(request)
    values = await _posted(request)
    _saved, errors = await reasons.store(merchant_id, reason, values)
    if errors:
        if await ReturnItem.exists(reason_id=reason.id):
            values["code"] = reason.code  # the field is read only: show what it is
        return await _form_page(request, await _reason(request), values=values, errors=errors)
    return RedirectResponse(f"{LIST_PATH}?done=saved#reason-{reason.id}", status_code=303)


@require_staff(owner=True)
async def move_reason(request: Request) -> Response:
    """Swap a reason with its neighbour among its siblings (``direction`` up or down)."""
    merchant_id = staff_of(request).merchant.id
    reason = await _reason(request)
    async with request.form(max_files=0, max_fields=5) as form:
        direction = form.get("direction")
    if direction not in ("up", "down"):
        raise HTTPException(400, "Move a reason up or down.")
    index = await reasons.index_of(merchant_id, reason)
    await reasons.place(merchant_id, reason, max(0, index + (-1 if direction == "up" else 1)))
    return RedirectResponse(f"{LIST_PATH}?done=moved#reason-{reason.id}", status_code=303)


@require_staff(owner=True)
async def set_active(request: Request) -> Response:
    reason = await _reason(request)
    active = request.url.path.endswith("/activate")
    await reasons.set_active(reason, active)
    done = "activated" if active else "deactivated"
    return RedirectResponse(f"{LIST_PATH}?done={done}#reason-{reason.id}", status_code=303)


@require_staff(owner=True)
async def delete_reason(request: Request) -> Response:
    """Delete a reason no return ever used and with nothing under it; else say why not."""
    reason = await _reason(request)
    kept = await reasons.forget(staff_of(request).merchant.id, reason)
    if kept is not None:
        return RedirectResponse(f"{LIST_PATH}?refused={kept}#reason-{reason.id}", 303)
    return RedirectResponse(f"{LIST_PATH}?done=deleted", status_code=303)
