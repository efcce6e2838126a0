"""Starting a return: the lookup form (order number + email or postcode) and the signed
start link from the "delivered" message. Both end with access to the order kept in the
signed session and the order's items on screen.

A failed lookup reads the same whatever the reason (no such order, wrong email, another
shop's order), and lookups share the tracking page's per-client budget for order lookups,
so order numbers and emails cannot be guessed in bulk through either page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.core import links
from portal.core.rate_limit import client_key
from portal.i18n import _
from portal.models import Merchant, Order, ReturnRequest
from portal.models.returns import ReturnState as S
from portal.returns.states import TERMINAL
from portal.returns_page import access, follow, rendering
from portal.returns_page.lookup_form import lookup_step
from portal.returns_page.orders import order_url
from portal.returns_page.steps import items_step
from portal.tracking_page import lookup
from portal.tracking_page.config import config_for
from portal.tracking_page.views import order_not_found_message
from portal.web.shop_language import use_language_of_shop, use_shop_language

#: A return in one of these needs nothing more from the customer.
FINISHED = TERMINAL | {S.RESOLVED}


async def _shop(request: Request) -> tuple[str | None, Merchant | None]:
    shop = (request.query_params.get("shop") or "")[:64] or None
    merchant = await lookup.merchant_by_slug(shop)
    if merchant is not None:  # the shop's own returns page
        use_shop_language(request, merchant.default_locale)
    return shop, merchant


async def lookup_page(request: Request) -> Response:
    shop, merchant = await _shop(request)
    # "Return an item" on an order page fills the number in; the customer proves it again.
    number = (request.query_params.get("order") or "")[:64]
    return lookup_step(request, shop=shop, merchant=merchant, order_number=number)


async def find_order(request: Request) -> Response:
    async with request.form() as form:
        number = str(form.get("order", ""))[:64]
        contact = str(form.get("contact", ""))[:254]
    shop, merchant = await _shop(request)
    config = config_for(request.app)
    # Order lookups are counted exactly, one statement each, as on the tracking page: only
    # tracking-number lookups go through the in-memory buffer.
    decision = await config.limiter.exact.hit(config.order_limit, client_key(request))
    if not decision.allowed:
        message = _(
            "You have made many lookups in a short time. Please wait a few minutes and try again."
        )
        response = lookup_step(
            request, shop=shop, merchant=merchant, message=message, status_code=429
        )
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    merchant_id = None if shop is None else (merchant.id if merchant else -1)
    order = await lookup.find_order(number, contact, merchant_id=merchant_id)
    if order is None:
        return lookup_step(
            request,
            shop=shop,
            merchant=merchant,
            message=order_not_found_message(),
            status_code=404,
            order_number=number,
        )
    access.grant(request, order.id)
    await use_language_of_shop(request, order.merchant_id)
    open_return = await open_return_of(order)
    if open_return is not None:
        return await _existing_now(request, open_return, order)
    return await _items_now(request, order)


async def open_return_of(order: Order) -> ReturnRequest | None:
    """The order's newest return that is still under way (not refused, cancelled, expired,
    or settled): looking the order up again shows it rather than starting another."""
    return (
        await ReturnRequest.filter(order_id=order.id)
        .exclude(state__in=[s.value for s in FINISHED])
        .order_by("-id")
        .first()
    )


async def _existing_now(request: Request, row: ReturnRequest, order: Order) -> Response:
    """The open return's page, saying why the customer sees it instead of the items."""
    url = f"/returns/{row.number}"
    if rendering.is_htmx(request):
        message = follow.already_open_message(row.number)
        return await follow.return_step(request, row, order, message=message, url=url)
    return rendering.see_other(f"{url}?open=1")


async def _items_now(request: Request, order: Order) -> Response:
    """The items step straight away for htmx; a redirect to it for a plain post."""
    if rendering.is_htmx(request):
        return await items_step(request, order, url=order_url(order.id))
    return rendering.see_other(order_url(order.id))


async def start_link(request: Request) -> Response:
    settings = request.app.state.settings
    try:
        merchant_id, order_id = links.read_start_token(settings, request.path_params["token"])
    except links.LinkProblem as problem:
        if problem.expired:
            message = _("This returns link has expired. Find your order below instead.")
        else:
            message = _("This returns link is not valid. Find your order below instead.")
        status = 410 if problem.expired else 400
        return lookup_step(request, shop=None, merchant=None, message=message, status_code=status)
    order = await Order.get_or_none(id=order_id, merchant_id=merchant_id)
    if order is None:
        message = _("This returns link is not valid. Find your order below instead.")
        return lookup_step(request, shop=None, merchant=None, message=message, status_code=404)
    access.grant(request, order.id)
    return rendering.see_other(order_url(order.id))
