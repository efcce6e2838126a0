"""The order lookup form (order number + email or postcode), the step every returns page
falls back to when a browser has no access or a link is bad.

It sits apart from :mod:`portal.returns_page.start` so that the later steps (items, follow,
drop-off) can fall back to it without importing the module that starts a return, which in
turn shows the first of those steps: the modules then import each other in one direction.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.i18n import _
from portal.models import Merchant
from portal.returns_page import rendering

LOOKUP = "returns/_lookup.html"


def lookup_step(
    request: Request,
    *,
    shop: str | None,
    merchant: Merchant | None,
    message: str | None = None,
    status_code: int = 200,
    order_number: str = "",
) -> Response:
    context = {"shop": shop, "message": message, "order_number": order_number}
    return rendering.step(
        request,
        LOOKUP,
        context,
        merchant=merchant,
        status_code=status_code,
        title=_("Return an item"),
    )
