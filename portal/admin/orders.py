"""Orders: a searchable, keyset-paginated list and a detail page with items and shipments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from carriers import registry
from portal import consent
from portal.admin.auth import get_or_404, int_param, render, require_staff, staff_of
from portal.admin.return_words import PARCEL_PROBLEMS
from portal.analytics import labels
from portal.i18n import _, lazy
from portal.models import (
    Channel,
    ConsentSource,
    Customer,
    Order,
    OrderItem,
    PlatformRecord,
    RecordKind,
    Shipment,
)
from portal.tracking import accounts, registration

SOURCE_LABELS = {
    ConsentSource.API: lazy("the shop's system, through the API"),
    ConsentSource.CSV: lazy("an order import"),
    ConsentSource.WORKSPACE: lazy("the workspace"),
    ConsentSource.PREFERENCES: lazy("the customer, on the preferences page"),
    ConsentSource.SMS_REPLY: lazy("the customer, by a text reply"),
    ConsentSource.UNSUBSCRIBE: lazy("the customer, by unsubscribing"),
    ConsentSource.CARRIER_ERROR: lazy("the phone network (number unreachable)"),
    ConsentSource.PLATFORM: lazy("the shop's store"),
}

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


#: Platform keys as the shops call themselves.
PLATFORM_NAMES = {
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "prestashop": "PrestaShop",
    "baselinker": "BaseLinker",
}


async def store_state(order: Order) -> dict[str, Any] | None:
    """What the shop's store says of this order that has no column here: cancelled when,
    refunded how much (kept on its platform record by the sync and the webhooks)."""
    record = (
        await PlatformRecord.filter(
            kind=RecordKind.ORDER, local_id=order.id, connection__merchant_id=order.merchant_id
        )
        .prefetch_related("connection")
        .first()
    )
    if record is None:
        return None
    cancelled = record.data.get("cancelled_at")
    try:
        refunded = Decimal(record.data.get("refunded") or "0")
    except InvalidOperation:
        refunded = Decimal("0")
    platform = record.connection.platform.value
    return {
        "platform": PLATFORM_NAMES.get(platform, platform),
        "cancelled_at": datetime.fromisoformat(cancelled).astimezone(UTC) if cancelled else None,
        "refunded": refunded,
    }


@require_staff()
async def order_detail(request: Request) -> Response:
    merchant = staff_of(request).merchant
    order = await get_or_404(
        Order.filter(id=int_param(request, "order_id"), merchant_id=merchant.id)
    )
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    shipments = await Shipment.filter(order_id=order.id, merchant_id=merchant.id).order_by("id")
    customer = (
        await Customer.get_or_none(id=order.customer_id, merchant_id=merchant.id)
        if order.customer_id
        else None
    )
    context = {
        "order": order,
        "store": await store_state(order),
        "items": items,
        "shipments": shipments,
        "customer": customer,
        "consent_history": await consent.history(customer.id) if customer else [],
        "consent_saved": request.query_params.get("consent") == "saved",
        "customer_done": request.query_params.get("customer", ""),
        "channel_labels": {c: _(name) for c, name in labels.CHANNELS.items()},
        "source_labels": {source: _(name) for source, name in SOURCE_LABELS.items()},
        "carriers": [
            (key, registry.get(key).display_name)
            for key in accounts.offered(request.app.state.settings)
        ],
        "shipment_problem": PARCEL_PROBLEMS.get(request.query_params.get("problem", ""), ""),
        "shipment_added": request.query_params.get("shipment") == "added",
    }
    return render(request, "admin/order.html", context)


@require_staff()
async def add_shipment(request: Request) -> Response:
    """Register a parcel of this order (a replacement from an exchange, a second parcel)."""
    merchant = staff_of(request).merchant
    order = await get_or_404(
        Order.filter(id=int_param(request, "order_id"), merchant_id=merchant.id)
    )
    form = await request.form()
    try:
        await registration.register(
            merchant.id,
            order.id,
            str(form.get("tracking_number") or "")[:64],
            carrier=str(form.get("carrier") or "") or None,
            offered=accounts.offered(request.app.state.settings),
            now=datetime.now(UTC),
        )
    except registration.Refused as refused:
        return RedirectResponse(
            f"/admin/orders/{order.id}?problem={refused.code}#parcels", status_code=303
        )
    return RedirectResponse(f"/admin/orders/{order.id}?shipment=added#parcels", status_code=303)


@require_staff()
async def set_consent(request: Request) -> Response:
    """Staff record what the customer told them; the change names who made it."""
    signed = staff_of(request)
    customer = await get_or_404(
        Customer.filter(id=int_param(request, "customer_id"), merchant_id=signed.merchant.id)
    )
    form = await request.form()
    async with in_transaction() as conn:
        for field, channel in (
            ("email_consent", Channel.EMAIL),
            ("sms_consent", Channel.SMS),
            ("whatsapp_consent", Channel.WHATSAPP),
        ):
            if channel is not Channel.EMAIL and not customer.phone:
                continue
            await consent.record(
                [customer],
                channel,
                form.get(field) == "1",
                ConsentSource.WORKSPACE,
                conn=conn,
                detail=signed.user.email,
            )
    order_id = request.query_params.get("order", "")
    if order_id.isdigit():
        return RedirectResponse(f"/admin/orders/{order_id}?consent=saved", status_code=303)
    return RedirectResponse("/admin/orders", status_code=303)
