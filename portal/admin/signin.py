"""Sign in, sign out, sign out everywhere, and password reset by e-mailed token.

The reset token is signed with the app secret and carries the session version of the
password hash it was issued for, so it stops working the moment the password changes:
single use without storing it. The e-mail goes through the outbox like every message.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n
from portal.admin.auth import (
    client_ip,
    current,
    render,
    require_staff,
    session_version,
    sign_in,
    sign_out,
    staff_of,
    throttle_for,
)
from portal.i18n import _
from portal.models import Channel, OutboxMessage, StaffUser
from portal.security import WeakPassword, hash_password, needs_rehash, verify_password
from portal.settings import Settings

RESET_SALT = "doorstep.staff.password-reset"
RESET_MAX_AGE = 3600
#: Checked against when the e-mail is unknown, so both paths cost one argon2 verify.
_DUMMY_HASH = hash_password("not-a-real-password-at-all")


def _safe_next(value: str | None) -> str:
    """Only same-site admin paths: never an open redirect."""
    if value and value.startswith("/admin") and not value.startswith("//"):
        return value
    return "/admin/"


async def login_page(request: Request) -> Response:
    if await current(request) is not None:
        return RedirectResponse("/admin/", status_code=303)
    return render(
        request, "admin/login.html", {"next": _safe_next(request.query_params.get("next"))}
    )


async def login(request: Request) -> Response:
    async with request.form() as form:
        email = str(form.get("email", "")).strip().lower()
        password = str(form.get("password", ""))
        target = _safe_next(str(form.get("next", "")))
    throttle = throttle_for(request)
    ip = client_ip(request)
    now = datetime.now(UTC)
    context = {"next": target, "email": email}
    if (until := await throttle.blocked_until(email, ip, now)) is not None:
        wait = max(1, math.ceil((until - now).total_seconds()))
        context["error"] = _(
            "Too many failed attempts. Wait %(minutes)d minutes and try again."
        ) % {"minutes": max(1, math.ceil(wait / 60))}
        response = render(request, "admin/login.html", context, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = await StaffUser.get_or_none(email=email, is_active=True)
    if user is None or not verify_password(user.password_hash, password):
        if user is None:
            verify_password(_DUMMY_HASH, password)
        await throttle.failed(email, ip, now)
        context["error"] = _("That e-mail and password do not match an account.")
        return render(request, "admin/login.html", context, status=400)
    await throttle.succeeded(email, ip)
    updates: dict[str, object] = {"last_login_at": now}
    if needs_rehash(user.password_hash):
        user.password_hash = updates["password_hash"] = hash_password(password)
    await StaffUser.filter(id=user.id).update(**updates)
    sign_in(request, user)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    await sign_out(request)
    return RedirectResponse("/admin/login", status_code=303)


@require_staff()
async def account_page(request: Request) -> Response:
    return render(request, "admin/account.html", {})


@require_staff()
async def sign_out_everywhere(request: Request) -> Response:
    """Re-hash the password with a fresh salt: every session's version stops matching."""
    user = staff_of(request).user
    async with request.form() as form:
        password = str(form.get("password", ""))
    if not verify_password(user.password_hash, password):
        error = _("That password is not right.")
        return render(request, "admin/account.html", {"error": error}, status=400)
    user.password_hash = hash_password(password)
    await StaffUser.filter(id=user.id).update(password_hash=user.password_hash)
    sign_in(request, user)
    return render(request, "admin/account.html", {"done": _("Every other session is signed out.")})


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=RESET_SALT)


def reset_token(settings: Settings, user: StaffUser) -> str:
    return _serializer(settings).dumps({"id": user.id, "v": session_version(user.password_hash)})


async def user_for_token(settings: Settings, token: str) -> StaffUser | None:
    """The user a valid, unused, unexpired token belongs to."""
    try:
        data = _serializer(settings).loads(token, max_age=RESET_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = await StaffUser.get_or_none(id=data["id"], is_active=True)
    if user is None or data.get("v") != session_version(user.password_hash):
        return None
    return user


async def queue_reset_email(settings: Settings, user: StaffUser, now: datetime) -> OutboxMessage:
    token = reset_token(settings, user)
    link = f"{settings.public_base_url}/admin/reset/{quote(token)}"
    digest = hashlib.sha256(token.encode("ascii")).hexdigest()[:16]
    body = _(
        "Someone asked to reset the password of your Doorstep account. To choose a new "
        "password, open this link within an hour:\n\n{link}\n\nIf it was not you, ignore this "
        "e-mail: your password stays as it is."
    ).format(link=link)
    return await OutboxMessage.create(
        merchant_id=user.merchant_id,
        channel=Channel.EMAIL,
        recipient=user.email,
        trigger="password_reset",
        unique_key=f"staff:{user.id}:password_reset:{digest}",
        locale=i18n.current_locale(),
        subject=_("Reset your Doorstep password"),
        body_text=body,
        scheduled_for=now,
    )


async def reset_request_page(request: Request) -> Response:
    return render(request, "admin/reset_request.html", {})


async def reset_request(request: Request) -> Response:
    async with request.form() as form:
        email = str(form.get("email", "")).strip().lower()
    now = datetime.now(UTC)
    throttle = throttle_for(request)
    ip = client_ip(request)
    if await throttle.blocked_until(email, ip, now) is None:
        await throttle.failed(f"reset:{email}", ip, now)  # requests count toward the address limit
        user = await StaffUser.get_or_none(email=email, is_active=True)
        if user is not None:
            await queue_reset_email(request.app.state.settings, user, now)
    # The same answer whether or not the address has an account.
    return render(request, "admin/reset_request.html", {"sent": True})


async def reset_page(request: Request) -> Response:
    token = request.path_params["token"]
    user = await user_for_token(request.app.state.settings, token)
    return render(request, "admin/reset_form.html", {"token": token, "valid": user is not None})


async def reset(request: Request) -> Response:
    token = request.path_params["token"]
    settings = request.app.state.settings
    user = await user_for_token(settings, token)
    if user is None:
        return render(request, "admin/reset_form.html", {"token": token, "valid": False}, 400)
    async with request.form() as form:
        password = str(form.get("password", ""))
        confirm = str(form.get("confirm", ""))
    error = None
    if password != confirm:
        error = _("The two passwords are not the same.")
    else:
        try:
            user.password_hash = hash_password(password)
        except WeakPassword:
            error = _("Choose a password of at least 10 characters.")
    if error:
        context = {"token": token, "valid": True, "error": error}
        return render(request, "admin/reset_form.html", context, status=400)
    await StaffUser.filter(id=user.id).update(password_hash=user.password_hash)
    sign_in(request, user)
    return RedirectResponse("/admin/", status_code=303)
