"""The order a returns step is about: found only when this browser has access to it."""

from __future__ import annotations

from starlette.requests import Request

from portal.models import Merchant, Order
from portal.returns_page import access
from portal.web.shop_language import use_language_of_shop


async def accessible_order(request: Request, order_id: int) -> Order | None:
    """The order when the signed session says it is this visitor's, else None; the page
    then speaks the order's shop's language unless the visitor chose one."""
    if not access.may_see(request, order_id):
        return None
    order = await Order.get_or_none(id=order_id)
    if order is not None:
        await use_language_of_shop(request, order.merchant_id)
    return order


async def merchant_of(order: Order) -> Merchant:
    return await Merchant.get(id=order.merchant_id)


def order_url(order_id: int) -> str:
    return f"/returns/orders/{order_id}"
