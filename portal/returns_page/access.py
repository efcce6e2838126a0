"""Who may see which order's returns: signed links in, a signed session value kept.

No account and no login: a customer proves an order is theirs once (order number + email
or postcode, or a signed link from a message) and the order's id joins a short list in
the signed session cookie. Every returns page checks that list before it reads an order or
a return, so a guessed RMA number or order id shows nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from starlette.requests import Request

from portal.settings import Settings

START_SALT = "returns-start"
FOLLOW_SALT = "returns-follow"
START_PATH = "/returns/start"
#: A start link outlives any sensible return window plus the no-scan margin.
START_MAX_AGE = int(timedelta(days=90).total_seconds())
SESSION_KEY = "returns_orders"
#: Orders one browser keeps access to (the oldest drops out first).
MAX_ORDERS = 8


def _keys(settings: Settings) -> list[str]:
    """Verification keys oldest first; itsdangerous signs with the last one."""
    return [*reversed(tuple(getattr(settings, "old_secret_keys", ()) or ())), settings.secret_key]


def _pair(value: Any) -> tuple[int, Any] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
    ):
        return value[0], value[1]
    return None


def start_token(settings: Settings, merchant_id: int, order_id: int) -> str:
    return str(
        URLSafeTimedSerializer(_keys(settings), salt=START_SALT).dumps([merchant_id, order_id])
    )


def start_url(settings: Settings, merchant_id: int, order_id: int) -> str:
    """The link the "delivered" message carries: straight to the order's returnable items."""
    return f"{settings.public_base_url}{START_PATH}/{start_token(settings, merchant_id, order_id)}"


class LinkProblem(Exception):
    """A signed link that cannot be used; ``expired`` tells an old link from a forged one."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def read_start_token(
    settings: Settings, token: str, max_age: int = START_MAX_AGE
) -> tuple[int, int]:
    """(merchant id, order id) from a start link, or :class:`LinkProblem`."""
    serializer = URLSafeTimedSerializer(_keys(settings), salt=START_SALT)
    try:
        value = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkProblem(expired=True) from exc
    except BadSignature as exc:
        raise LinkProblem(expired=False) from exc
    pair = _pair(value)
    if pair is None or not isinstance(pair[1], int) or isinstance(pair[1], bool):
        raise LinkProblem(expired=False)
    return pair[0], pair[1]


def follow_token(settings: Settings, merchant_id: int, number: str) -> str:
    return str(URLSafeSerializer(_keys(settings), salt=FOLLOW_SALT).dumps([merchant_id, number]))


def follow_url(settings: Settings, merchant_id: int, number: str) -> str:
    """A lasting link to one return's page (for the confirmation and return messages)."""
    return (
        f"{settings.public_base_url}/returns/{number}/{follow_token(settings, merchant_id, number)}"
    )


def read_follow_token(settings: Settings, token: str) -> tuple[int, str] | None:
    try:
        value = URLSafeSerializer(_keys(settings), salt=FOLLOW_SALT).loads(token)
    except BadSignature:
        return None
    pair = _pair(value)
    return (pair[0], pair[1]) if pair is not None and isinstance(pair[1], str) else None


def granted_orders(request: Request) -> list[int]:
    found = request.session.get(SESSION_KEY)
    if not isinstance(found, list):
        return []
    return [i for i in found if isinstance(i, int) and not isinstance(i, bool)]


def grant(request: Request, order_id: int) -> None:
    """Remember in the signed session that this browser proved ``order_id`` is theirs."""
    kept = [i for i in granted_orders(request) if i != order_id]
    request.session[SESSION_KEY] = [*kept, order_id][-MAX_ORDERS:]


def may_see(request: Request, order_id: int) -> bool:
    return order_id in granted_orders(request)
