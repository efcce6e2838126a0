"""Staff management (owners only): list, invite, deactivate or reactivate, change role.

An invitation either shows a temporary password once, or e-mails a link to choose one:
the link is the password-reset token (:func:`portal.admin.signin.reset_token`), so it
stops working once used and after an hour, and "Send a password link" issues a new one.

A shop always keeps an active owner. Changes that could remove one (demoting or
deactivating an owner) run in a transaction that first locks the merchant's row, so two
owners demoting each other at the same moment in two processes cannot both succeed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import i18n
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.admin.signin import reset_token
from portal.i18n import _
from portal.models import Channel, Merchant, OutboxMessage, Role, StaffUser
from portal.security import hash_password
from portal.settings import Settings

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_NAME = 200


class LastOwner(Exception):
    """The change would leave the shop without an active owner."""


def role_labels() -> dict[str, str]:
    return {Role.OWNER.value: _("Owner"), Role.STAFF.value: _("Staff member")}


async def queue_password_link(
    settings: Settings, user: StaffUser, shop: Merchant, now: datetime
) -> OutboxMessage:
    """E-mail ``user`` a link to choose a password (an invitation to ``shop``)."""
    token = reset_token(settings, user)
    link = f"{settings.public_base_url}/admin/reset/{quote(token)}"
    digest = hashlib.sha256(token.encode("ascii")).hexdigest()[:16]
    body = _(
        "You have been given an account in the Doorstep workspace of {shop}. To choose your "
        "password, open this link within an hour:\n\n{link}\n\nIf the link has expired, ask "
        "the shop's owner to send a new one."
    ).format(shop=shop.name, link=link)
    return await OutboxMessage.create(
        merchant_id=shop.id,
        channel=Channel.EMAIL,
        recipient=user.email,
        trigger="staff_invitation",
        unique_key=f"staff:{user.id}:invitation:{digest}",
        locale=i18n.current_locale(),
        subject=_("Your Doorstep account for {shop}").format(shop=shop.name),
        body_text=body,
        scheduled_for=now,
    )


async def _members(merchant_id: int) -> list[StaffUser]:
    return list(await StaffUser.filter(merchant_id=merchant_id).order_by("email"))


async def _page(request: Request, **context: Any) -> Response:
    status = int(context.pop("status", 200))
    return render(
        request,
        "admin/staff.html",
        {
            "members": await _members(staff_of(request).merchant.id),
            "role_labels": role_labels(),
            "done": request.query_params.get("done"),
            "values": {"email": "", "name": "", "role": Role.STAFF.value, "method": "link"},
            "errors": {},
            **context,
        },
        status=status,
    )


@require_staff(owner=True)
async def list_staff(request: Request) -> Response:
    return await _page(request)


@require_staff(owner=True)
async def invite(request: Request) -> Response:
    async with request.form() as form:
        email = str(form.get("email", "")).strip().lower()
        name = str(form.get("name", "")).strip()
        role = str(form.get("role", Role.STAFF.value))
        method = str(form.get("method", "link"))
    values = {"email": email, "name": name, "role": role, "method": method}
    errors: dict[str, str] = {}
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        errors["email"] = _("Enter an e-mail address like name@example.com.")
    if len(name) > MAX_NAME:
        errors["name"] = _("The name may be at most 200 characters long.")
    if role not in role_labels():
        errors["role"] = _("Choose a role.")
    if method not in ("link", "password"):
        errors["method"] = _("Choose how the person gets their password.")
    if errors:
        return await _page(request, values=values, errors=errors, status=400)
    shop = staff_of(request).merchant
    temporary = secrets.token_urlsafe(12)
    try:
        user = await StaffUser.create(
            merchant_id=shop.id,
            email=email,
            name=name,
            role=Role(role),
            password_hash=hash_password(temporary),
        )
    except IntegrityError:
        errors["email"] = _("This e-mail address already has a Doorstep account.")
        return await _page(request, values=values, errors=errors, status=400)
    context: dict[str, object] = {"member": user, "method": method}
    if method == "password":
        context["temporary"] = temporary
    else:
        await queue_password_link(request.app.state.settings, user, shop, datetime.now(UTC))
    response = render(request, "admin/staff_invited.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _member(request: Request) -> StaffUser:
    merchant_id = staff_of(request).merchant.id
    query = StaffUser.filter(id=int_param(request, "user_id"), merchant_id=merchant_id)
    return await get_or_404(query)


async def change_keeping_an_owner(merchant_id: int, user_id: int, **changes: object) -> None:
    """Apply ``changes`` to the user unless the shop would be left without an active
    owner (:class:`LastOwner`). The merchant row is locked for the check and the write."""
    async with in_transaction() as conn:
        await Merchant.filter(id=merchant_id).using_db(conn).select_for_update().first()
        user = await StaffUser.filter(id=user_id, merchant_id=merchant_id).using_db(conn).first()
        if user is None:
            return
        role = changes.get("role", user.role)
        active = changes.get("is_active", user.is_active)
        stays_owner = role == Role.OWNER and bool(active)
        if user.role == Role.OWNER and user.is_active and not stays_owner:
            others = (
                await StaffUser.filter(merchant_id=merchant_id, role=Role.OWNER, is_active=True)
                .exclude(id=user_id)
                .using_db(conn)
                .count()
            )
            if others == 0:
                raise LastOwner
        await StaffUser.filter(id=user_id).using_db(conn).update(**changes)


async def _change(request: Request, member: StaffUser, done: str, **changes: object) -> Response:
    try:
        await change_keeping_an_owner(staff_of(request).merchant.id, member.id, **changes)
    except LastOwner:
        error = _("The shop needs at least one active owner. Make someone else an owner first.")
        return await _page(request, page_error=error, status=409)
    return RedirectResponse(f"/admin/staff?done={done}", status_code=303)


@require_staff(owner=True)
async def set_role(request: Request) -> Response:
    member = await _member(request)
    async with request.form() as form:
        role = str(form.get("role", ""))
    if role not in role_labels():
        return await _page(request, page_error=_("Choose a role."), status=400)
    return await _change(request, member, "saved", role=Role(role))


@require_staff(owner=True)
async def deactivate(request: Request) -> Response:
    member = await _member(request)
    return await _change(request, member, "deactivated", is_active=False)


@require_staff(owner=True)
async def reactivate(request: Request) -> Response:
    member = await _member(request)
    await StaffUser.filter(id=member.id).update(is_active=True)
    return RedirectResponse("/admin/staff?done=reactivated", status_code=303)


@require_staff(owner=True)
async def send_link(request: Request) -> Response:
    member = await _member(request)
    if not member.is_active:
        return await _page(request, page_error=_("Reactivate the account first."), status=409)
    shop = staff_of(request).merchant
    await queue_password_link(request.app.state.settings, member, shop, datetime.now(UTC))
    return RedirectResponse("/admin/staff?done=link", status_code=303)
