"""Who may see which order's returns: a signed session value kept.

No account and no login: a customer proves an order is theirs once (order number + email
or postcode, or a signed link from a message, see :mod:`portal.core.links`) and the order's
id joins a short list in the signed session cookie. Every returns page checks that list
before it reads an order or a return, so a guessed RMA number or order id shows nothing.
"""

from __future__ import annotations

from starlette.requests import Request

SESSION_KEY = "returns_orders"
#: Orders one browser keeps access to (the oldest drops out first).
MAX_ORDERS = 8


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
