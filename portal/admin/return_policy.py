"""Merchant return policy and reasons under /admin/returns/policy, mounted through :data:`routes`.

One form holds the whole policy, in the shapes :meth:`portal.returns.policy.Rules.of`
reads (see :mod:`portal.admin.return_policy_form`). Saving updates the merchant's active
policy in place, or creates one. Returns already made keep their amounts: those are
recorded on each return when it is created, never recomputed from the policy. Everyone
on the staff may read the policy; only owners save it. The reasons editor lives in
:mod:`portal.admin.return_reasons`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from portal.admin import return_policy_form as form
from portal.admin import return_reasons
from portal.admin.auth import render, require_staff, staff_of
from portal.admin.return_words import METHOD_NAMES, RESOLUTION_NAMES, reason_label
from portal.core.currencies import local_currency
from portal.i18n import _, lazy
from portal.models import Merchant, Order, OrderItem, ReturnPolicy, ReturnReason
from portal.returns.labels import has_return_address

PATH = "/admin/returns/policy"
#: How many of the merchant's order categories the form suggests.
CATEGORY_HINTS = 30
RESERVE_NAMES = {
    "approval": lazy("When the return is approved"),
    "receipt": lazy("When the returned item arrives"),
}


async def active_policy(merchant_id: int) -> ReturnPolicy | None:
    """The policy new returns follow (the same one :mod:`portal.returns.review` picks)."""
    return (
        await ReturnPolicy.filter(merchant_id=merchant_id, is_active=True).order_by("-id").first()
    )


async def _currency(merchant: Merchant) -> str:
    """The latest order's currency; before any order, the shop's country's."""
    latest = await Order.filter(merchant_id=merchant.id).order_by("-id").first()
    if latest:
        return latest.currency
    return local_currency(merchant.country) if merchant.country else ""


async def _known_categories(merchant_id: int) -> list[str]:
    rows = (
        await OrderItem.filter(order__merchant_id=merchant_id, category__not_isnull=True)
        .exclude(category="")
        .distinct()
        .order_by("category")
        .limit(CATEGORY_HINTS)
        .values_list("category", flat=True)
    )
    return [str(r) for r in rows]


async def _reasons(merchant_id: int) -> list[ReturnReason]:
    return list(await ReturnReason.filter(merchant_id=merchant_id).order_by("position", "id"))


def _reason_choice(reason: ReturnReason) -> str:
    label = reason_label(reason)
    return label if reason.active else _("%(reason)s (switched off)") % {"reason": label}


async def _page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    signed = staff_of(request)
    merchant = signed.merchant
    found = await active_policy(merchant.id)
    if values is None:
        values = form.values_of(found or ReturnPolicy(merchant_id=merchant.id))
    reasons = await _reasons(merchant.id)
    context: dict[str, Any] = {
        "values": values,
        "errors": errors or {},
        "exists": found is not None,
        "can_edit": signed.is_owner,
        "saved": request.query_params.get("saved") == "1",
        "currency": await _currency(merchant),
        "known_categories": await _known_categories(merchant.id),
        "resolutions": [(r.value, _(RESOLUTION_NAMES[r])) for r in form.OFFERED_RESOLUTIONS],
        "methods": [(m, _(METHOD_NAMES[m])) for m in form.METHODS],
        "reserve_choices": [(k, _(v)) for k, v in RESERVE_NAMES.items()],
        "reasons_menu": [(r.code, _reason_choice(r)) for r in reasons],
        "address_on_label": form.label_spelling(values),
        # A saved policy that ships returns back but has no address: labels are withheld.
        "labels_withheld": found is not None
        and bool(form.SHIPPED_METHODS.intersection(found.methods or ()))
        and not has_return_address(found.return_address),
        "public_url": f"/returns/policy/{merchant.slug}",
    }
    return render(request, "admin/return_policy.html", context, status=400 if errors else 200)


@require_staff()
async def policy_page(request: Request) -> Response:
    return await _page(request)


@require_staff(owner=True)
async def save_policy(request: Request) -> Response:
    merchant_id = staff_of(request).merchant.id
    async with request.form(max_files=0, max_fields=500) as posted:
        values = form.values_from(posted)
    clean, errors = form.validate(values, await reason_codes(merchant_id))
    if errors:
        return await _page(request, values=values, errors=errors)
    await store(merchant_id, await active_policy(merchant_id), clean)
    return RedirectResponse(f"{PATH}?saved=1", status_code=303)


async def reason_codes(merchant_id: int) -> list[str]:
    """The codes a policy may name (waivers, auto-approval): the merchant's reasons."""
    return [r.code for r in await _reasons(merchant_id)]


async def store(merchant_id: int, found: ReturnPolicy | None, clean: dict[str, Any]) -> None:
    """Save validated values (:func:`form.validate`) into the active policy ``found``,
    keeping what the form does not own, or make the merchant's first policy. The screen
    and ``PATCH /api/v1/return-policy`` both save through here."""
    if found is None:
        await ReturnPolicy.create(merchant_id=merchant_id, **clean)
        return
    clean = {
        **clean,
        "fee_waivers": form.merged(found.fee_waivers, clean["fee_waivers"], form.WAIVER_KEYS),
        "auto_approve_rules": form.merged(
            found.auto_approve_rules, clean["auto_approve_rules"], form.AUTO_KEYS
        ),
        "return_address": form.merged(
            found.return_address, clean["return_address"], frozenset(form.ADDRESS_KEYS)
        ),
    }
    await found.update_from_dict(clean).save()


_REASON = "/returns/reasons/{reason_id:int}"

#: Relative to the ``/admin`` mount.
routes: list[BaseRoute] = [
    Route("/returns/policy", policy_page, name="admin_return_policy"),
    Route("/returns/policy", save_policy, methods=["POST"]),
    Route("/returns/reasons", return_reasons.list_reasons, name="admin_return_reasons"),
    Route("/returns/reasons", return_reasons.create_reason, methods=["POST"]),
    Route("/returns/reasons/new", return_reasons.new_reason_page),
    Route(_REASON, return_reasons.edit_reason_page),
    Route(_REASON, return_reasons.update_reason, methods=["POST"]),
    Route(f"{_REASON}/move", return_reasons.move_reason, methods=["POST"]),
    Route(f"{_REASON}/deactivate", return_reasons.set_active, methods=["POST"]),
    Route(f"{_REASON}/activate", return_reasons.set_active, methods=["POST"]),
    Route(f"{_REASON}/delete", return_reasons.delete_reason, methods=["POST"]),
]
