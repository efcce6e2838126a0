"""Orders: a searchable, keyset-paginated list and a detail page with items and shipments."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import Q

from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.models import Order, OrderItem, Shipment

PAGE_SIZE = 50


@require_staff()
async def list_orders(request: Request) -> Response:
    merchant = staff_of(request).merchant
    q = request.query_params.get("q", "").strip()
    query = Order.filter(merchant_id=merchant.id)
    if q:
        query = query.filter(Q(number__icontains=q) | Q(email__iexact=q))
    try:
        after = int(request.query_params.get("after", "") or 0)
    except ValueError:
        after = 0
    if after > 0:
        query = query.filter(id__lt=after)
    rows = await query.order_by("-id").limit(PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    context = {"orders": rows, "q": q, "next_cursor": rows[-1].id if more else None}
    return render(request, "admin/orders.html", context)


@require_staff()
async def order_detail(request: Request) -> Response:
    merchant = staff_of(request).merchant
    order = await get_or_404(
        Order.filter(id=int_param(request, "order_id"), merchant_id=merchant.id)
    )
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    shipments = await Shipment.filter(order_id=order.id, merchant_id=merchant.id).order_by("id")
    return render(
        request, "admin/order.html", {"order": order, "items": items, "shipments": shipments}
    )
