"""The merchant's return reasons at ``/admin/returns/reasons``: a nested, ordered list, and
forms to add, edit, move, switch off and (when never used) delete a reason.

Reasons nest one level deep, as the customer's menu shows them (``parent`` is a top-level
reason). A code a return already points at is history: it cannot change, and the reason
cannot be deleted — only switched off. Everyone on the staff may look; owners change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import i18n
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.admin.return_words import reason_label
from portal.i18n import _, lazy
from portal.models import ReturnItem, ReturnPolicy, ReturnReason

LIST_PATH = "/admin/returns/reasons"
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
LABEL_MAX = 200
FLAGS = ("requires_photo", "requires_comment", "waives_fees")

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


@dataclass(frozen=True, slots=True)
class Entry:
    """One reason in the list, with what the page needs to say about it."""

    reason: ReturnReason
    label: str
    used: bool
    children: tuple[Entry, ...] = ()


async def _used_ids(merchant_id: int) -> set[int]:
    # Tortoise types flat values_list() as rows of tuples; they are bare ids.
    rows: list[Any] = await ReturnItem.filter(
        reason__merchant_id=merchant_id, reason_id__isnull=False
    ).values_list("reason_id", flat=True)
    return {int(r) for r in rows if r is not None}


async def reason_tree(merchant_id: int) -> list[Entry]:
    """The merchant's reasons, top-level ones in order with their children in order."""
    rows = await ReturnReason.filter(merchant_id=merchant_id).order_by("position", "id")
    used = await _used_ids(merchant_id)
    known = {r.id for r in rows}
    parent_of = {r.id: r.parent_id for r in rows}

    def entry(r: ReturnReason, children: tuple[Entry, ...] = ()) -> Entry:
        return Entry(r, reason_label(r), r.id in used, children)

    return [
        entry(top, tuple(entry(r) for r in rows if parent_of[r.id] == top.id))
        for top in rows
        if parent_of[top.id] not in known
    ]


def values_of(reason: ReturnReason | None) -> dict[str, Any]:
    labels = (reason.labels or {}) if reason else {}
    values: dict[str, Any] = {
        "code": reason.code if reason else "",
        "parent": str(reason.parent_id or "") if reason else "",
    }
    for flag in FLAGS:
        values[flag] = bool(getattr(reason, flag)) if reason else False
    for locale in i18n.LOCALES:
        values[f"label_{locale}"] = str(labels.get(locale) or "")
    return values


def values_from(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("code", "parent", *(f"label_{locale}" for locale in i18n.LOCALES)):
        raw = form.get(name, "")
        values[name] = raw.strip() if isinstance(raw, str) else ""
    for flag in FLAGS:
        values[flag] = bool(form.get(flag))
    return values


def validate(
    values: dict[str, Any], parents: dict[str, int]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Field values for a ReturnReason and errors by field; ``parents`` maps the posted
    value of each allowed parent choice to its id (checked, never trusted)."""
    errors: dict[str, str] = {}
    code = values["code"]
    if not CODE.fullmatch(code):
        errors["code"] = _(
            "Enter a code of lowercase letters, digits, _ or -, at most 64 characters, "
            "for example too_small."
        )
    labels: dict[str, str] = {}
    for locale in i18n.LOCALES:
        text = values[f"label_{locale}"]
        if len(text) > LABEL_MAX:
            errors[f"label_{locale}"] = _("Use at most %(max)d characters.") % {"max": LABEL_MAX}
        if text:
            labels[locale] = text
    if not values["label_en"]:
        errors["label_en"] = _("Enter the reason in English: it is shown when no translation is.")
    parent_id: int | None = None
    if values["parent"]:
        if values["parent"] not in parents:
            errors["parent"] = _("Choose from the listed options.")
        else:
            parent_id = parents[values["parent"]]
    clean: dict[str, Any] = {"code": code, "labels": labels, "parent_id": parent_id}
    clean.update({flag: bool(values[flag]) for flag in FLAGS})
    return clean, errors


async def _parent_choices(merchant_id: int, reason: ReturnReason | None) -> list[ReturnReason]:
    """Top-level reasons a reason may go under: not itself, and none if it has children."""
    if reason is not None and await ReturnReason.exists(parent_id=reason.id):
        return []
    query = ReturnReason.filter(merchant_id=merchant_id, parent_id__isnull=True)
    if reason is not None:
        query = query.exclude(id=reason.id)
    return list(await query.order_by("position", "id"))


async def _form_page(
    request: Request,
    reason: ReturnReason | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    merchant_id = staff_of(request).merchant.id
    used = reason is not None and await ReturnItem.exists(reason_id=reason.id)
    choices = await _parent_choices(merchant_id, reason)
    context = {
        "reason": reason,
        "values": values if values is not None else values_of(reason),
        "errors": errors or {},
        "code_locked": used,
        "parents": [(str(p.id), reason_label(p)) for p in choices],
        "locales": list(i18n.language_menu()),
    }
    return render(request, "admin/return_reason_form.html", context, status=400 if errors else 200)


async def _rename_in_policies(
    merchant_id: int, old: str, new: str | None, conn: BaseDBAsyncClient
) -> None:
    """Follow a changed (or, with ``new=None``, a deleted) code in the policy's reason lists."""
    for found in await ReturnPolicy.filter(merchant_id=merchant_id).using_db(conn):
        waivers = dict(found.fee_waivers or {})
        auto = dict(found.auto_approve_rules or {})
        changed = False
        for rules in (waivers, auto):
            codes = rules.get("reasons")
            if isinstance(codes, list) and old in codes:
                renamed = (new if code == old else code for code in codes)
                rules["reasons"] = list(dict.fromkeys(c for c in renamed if c))
                changed = True
        if changed:
            found.fee_waivers, found.auto_approve_rules = waivers, auto
            await found.save(using_db=conn, update_fields=["fee_waivers", "auto_approve_rules"])


async def _next_position(merchant_id: int, parent_id: int | None) -> int:
    last = (
        await ReturnReason.filter(merchant_id=merchant_id, parent_id=parent_id)
        .order_by("-position")
        .first()
    )
    return last.position + 1 if last else 0


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


async def _parents_map(merchant_id: int, reason: ReturnReason | None) -> dict[str, int]:
    return {str(p.id): p.id for p in await _parent_choices(merchant_id, reason)}


@require_staff(owner=True)
async def create_reason(request: Request) -> Response:
    merchant_id = staff_of(request).merchant.id
    values = await _posted(request)
    clean, errors = validate(values, await _parents_map(merchant_id, None))
    if not errors and await ReturnReason.exists(merchant_id=merchant_id, code=clean["code"]):
        errors["code"] = _("Another reason already uses this code.")
    if errors:
        return await _form_page(request, None, values=values, errors=errors)
    position = await _next_position(merchant_id, clean["parent_id"])
    try:
        await ReturnReason.create(merchant_id=merchant_id, position=position, **clean)
    except IntegrityError:  # the same code added at the same moment
        errors["code"] = _("Another reason already uses this code.")
        return await _form_page(request, None, values=values, errors=errors)
    return RedirectResponse(f"{LIST_PATH}?done=added", status_code=303)


@require_staff(owner=True)
async def update_reason(request: Request) -> Response:
    merchant_id = staff_of(request).merchant.id
    reason = await _reason(request)
    values = await _posted(request)
    clean, errors = validate(values, await _parents_map(merchant_id, reason))
    if clean["code"] != reason.code and "code" not in errors:
        if await ReturnItem.exists(reason_id=reason.id):
            errors["code"] = _("Returns already use this reason, so its code cannot change.")
            values["code"] = reason.code
        elif await ReturnReason.exists(merchant_id=merchant_id, code=clean["code"]):
            errors["code"] = _("Another reason already uses this code.")
    if errors:
        return await _form_page(request, reason, values=values, errors=errors)
    old_code = reason.code
    if clean["parent_id"] != reason.parent_id:
        reason.position = await _next_position(merchant_id, clean["parent_id"])
    try:
        async with in_transaction() as conn:
            await reason.update_from_dict(clean).save(using_db=conn)
            if old_code != reason.code:
                await _rename_in_policies(merchant_id, old_code, reason.code, conn)
    except IntegrityError:  # the same code taken at the same moment
        errors["code"] = _("Another reason already uses this code.")
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
    async with in_transaction() as conn:
        siblings = list(
            await ReturnReason.filter(
                merchant_id=merchant_id,
                parent_id=reason.parent_id,
            )
            .using_db(conn)
            .order_by("position", "id")
        )
        index = next(i for i, r in enumerate(siblings) if r.id == reason.id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, row in enumerate(siblings):
            if row.position != position:
                row.position = position
                await row.save(using_db=conn, update_fields=["position"])
    return RedirectResponse(f"{LIST_PATH}?done=moved#reason-{reason.id}", status_code=303)


@require_staff(owner=True)
async def set_active(request: Request) -> Response:
    reason = await _reason(request)
    active = request.url.path.endswith("/activate")
    await ReturnReason.filter(id=reason.id).update(active=active)
    done = "activated" if active else "deactivated"
    return RedirectResponse(f"{LIST_PATH}?done={done}#reason-{reason.id}", status_code=303)


@require_staff(owner=True)
async def delete_reason(request: Request) -> Response:
    """Delete a reason no return ever used and with nothing under it; else say why not."""
    merchant_id = staff_of(request).merchant.id
    reason = await _reason(request)
    async with in_transaction() as conn:
        if await ReturnItem.filter(reason_id=reason.id).using_db(conn).exists():
            return RedirectResponse(f"{LIST_PATH}?refused=used#reason-{reason.id}", 303)
        if await ReturnReason.filter(parent_id=reason.id).using_db(conn).exists():
            return RedirectResponse(f"{LIST_PATH}?refused=children#reason-{reason.id}", 303)
        await _rename_in_policies(merchant_id, reason.code, None, conn)
        await ReturnReason.filter(id=reason.id).using_db(conn).delete()
    return RedirectResponse(f"{LIST_PATH}?done=deleted", status_code=303)
