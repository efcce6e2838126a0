"""Who is signed in: the session holds the staff user's id and a session version.

The version is derived from the password hash, so changing the password (or "sign out
everywhere", which re-hashes it with a fresh salt) ends every other session at once
without a column of its own. Pages get 303 to the sign-in page; htmx requests get 401
with ``HX-Redirect`` so the whole page moves instead of a fragment.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, TypeVar

from babel import Locale
from babel.dates import format_date, format_datetime
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.models import Model
from tortoise.queryset import QuerySet

from portal.admin import words
from portal.admin.throttle import Throttle
from portal.attention import queue
from portal.core.rate_limit import Limit, RateLimiter, client_key
from portal.core.timezones import zone_or_none
from portal.i18n import current_locale
from portal.models import Merchant, Role, StaffUser
from portal.web.templating import templates_of

SESSION_KEY = "staff"
LOGIN_PATH = "/admin/login"

View = Callable[[Request], Awaitable[Response]]


def session_version(password_hash: str) -> str:
    """A short fingerprint of the password hash: changes whenever the hash changes."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


#: How long the session cookie lives (SessionMiddleware's max_age in portal.app).
SESSION_SECONDS = 14 * 24 * 3600
#: Session ids signed out before their cookie expired. The cookie is signed, not stored, so
#: a copy of it stays valid until it expires unless the server remembers it was ended; the
#: shared counters remember each ended id for the cookie's lifetime, in every process.
ENDED = Limit("ended_session", 1, SESSION_SECONDS, slice=3600)


def sign_in(request: Request, user: StaffUser) -> None:
    """Start a fresh session for ``user`` (new CSRF token: no fixation across sign-in)."""
    request.session.clear()
    request.session[SESSION_KEY] = {
        "id": user.id,
        "v": session_version(user.password_hash),
        "sid": secrets.token_urlsafe(16),
    }


async def sign_out(request: Request) -> None:
    """Clear the browser's session and end it on the server: a copied cookie stops working."""
    data = request.session.get(SESSION_KEY)
    if isinstance(data, dict) and isinstance(data.get("sid"), str):
        await RateLimiter().hit(ENDED, data["sid"])
    request.session.clear()


@dataclass(frozen=True, slots=True)
class Signed:
    """The signed-in staff user and their merchant, for one request."""

    user: StaffUser
    merchant: Merchant

    @property
    def is_owner(self) -> bool:
        return self.user.role == Role.OWNER


async def current(request: Request) -> Signed | None:
    """The signed-in staff user, or None (no session, disabled user, stale version)."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    sid = data.get("sid")
    if not isinstance(sid, str) or (await RateLimiter().usage(ENDED, sid)).units:
        return None  # from before session ids, or signed out
    user = await StaffUser.get_or_none(id=data["id"], is_active=True).select_related("merchant")
    if user is None or data.get("v") != session_version(user.password_hash):
        return None
    return Signed(user=user, merchant=user.merchant)


def _to_login(request: Request) -> Response:
    target = f"{LOGIN_PATH}?next={request.url.path}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def require_staff(owner: bool = False) -> Callable[[View], View]:
    """Decorate a view: signed-in staff only (``owner=True``: owners only, else 403).

    The view finds the user at ``request.state.staff`` (a :class:`Signed`).
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        async def wrapper(request: Request) -> Response:
            signed = await current(request)
            if signed is None:
                return _to_login(request)
            if owner and not signed.is_owner:
                raise HTTPException(403, "Only the shop's owners can do this.")
            request.state.staff = signed
            if request.method == "GET" and not request.headers.get("hx-request"):
                # The navigation shows how many items wait in the attention queue.
                request.state.attention_counts = await queue.counts(signed.merchant.id)
            return await view(request)

        return wrapper

    return decorate


M = TypeVar("M", bound=Model)


def staff_of(request: Request) -> Signed:
    staff: Signed = request.state.staff  # set by require_staff()
    return staff


async def get_or_404(query: QuerySet[M]) -> M:
    """The one row ``query`` finds (already scoped to the merchant), else 404."""
    row = await query.first()
    if row is None:
        raise HTTPException(404)
    return row


def int_param(request: Request, name: str) -> int:
    """A path parameter as int; anything else is a 404 (not a 500)."""
    try:
        return int(request.path_params[name])
    except (KeyError, ValueError):
        raise HTTPException(404) from None


def throttle_for(request: Request) -> Throttle:
    """The app's sign-in throttle (created on first use)."""
    state = request.app.state
    if not hasattr(state, "admin_throttle"):
        state.admin_throttle = Throttle()
    throttle: Throttle = state.admin_throttle
    return throttle


def client_ip(request: Request) -> str:
    return client_key(request)


def shop_date(when: date | datetime | None, *, zone: tzinfo) -> str:
    """The day of a moment on the shop's clock, written as the workspace's language writes
    dates (Babel's medium form: "Dec 8, 2026" in English, "8 gru 2026" in Polish): the
    lists' date columns, where an ISO "2026-12-08" is not how a US shop reads a date. A
    plain day (an estimated delivery, an analytics period's ends) is already the shop's
    and is only written."""
    if when is None:
        return ""
    day = when.astimezone(zone).date() if isinstance(when, datetime) else when
    return format_date(day, "medium", locale=current_locale())


def shop_moment(when: datetime | None, *, zone: tzinfo, seconds: bool = False) -> str:
    """A moment on the shop's clock, written as the workspace's language writes one: the
    lists' medium date (:func:`shop_date`) and the short time, joined as CLDR joins them
    (Babel): "Dec 8, 2026, 12:30 AM" in English, "8 gru 2026, 00:30" in Polish. Every
    workspace page and history, where an ISO "2026-12-08 00:30" read as a log; ``seconds``
    (CLDR's medium time) for the webhook delivery log, where retries seconds apart differ."""
    if when is None:
        return ""
    locale = Locale.parse(current_locale())
    time = locale.time_formats["medium" if seconds else "short"].pattern
    pattern = (
        str(locale.datetime_formats["medium"])
        .replace("{1}", locale.date_formats["medium"].pattern)
        .replace("{0}", time)
    )
    return format_datetime(when, pattern, tzinfo=zone, locale=locale)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render an admin template; ``staff`` is in the context when someone is signed in,
    with the open attention items per kind (``attention_counts``) for the navigation and
    the workspace's words for codes (``words``), and ``shop_date`` and ``shop_moment`` with
    the shop's zone (``shop_zone``, its name) so every page writes times on the shop's clock
    in the workspace's language (the instant itself in a ``<time datetime>`` attribute)."""
    signed = getattr(request.state, "staff", None)
    counts = getattr(request.state, "attention_counts", {})
    zone = (zone_or_none(signed.merchant.time_zone) if signed else None) or UTC
    base = {"staff": signed, "words": words, "attention_counts": counts,
            "attention_total": sum(counts.values()),
            "shop_date": functools.partial(shop_date, zone=zone),
            "shop_moment": functools.partial(shop_moment, zone=zone),
            "shop_zone": str(zone)}  # fmt: skip
    return templates_of(request).TemplateResponse(
        request, name, {**base, **context}, status_code=status
    )
