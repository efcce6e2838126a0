"""The public JSON of orders and shipments, one shape for the REST API and outgoing webhooks.

A webhook's ``data.shipment`` is exactly what ``GET /api/v1/shipments/{id}`` answers, so a
client parses one shape. The builders live on the neutral floor because the webhook
listeners (a domain package) must not import the API package that serves them.
Returns have their own builders in :mod:`portal.returns.public`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from carriers.base import Reason, Status
from portal.core import pickup
from portal.models import Customer, Direction, Order, OrderItem, Shipment

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")


def order_json(order: Order, items: list[OrderItem], customer: Customer | None) -> dict[str, Any]:
    """An order with its customer, shipping address and items (oldest item first)."""
    return {
        "number": order.number,
        "email": order.email,
        "currency": order.currency,
        "placed_at": order.placed_at.isoformat(),
        "created_at": order.created_at.isoformat(),
        "customer": None
        if customer is None
        else {
            "id": customer.id,
            "email": customer.email,
            "phone": customer.phone,
            "name": customer.name,
            "locale": customer.locale,
            "email_consent": customer.email_opt_in,
            "sms_consent": customer.sms_opt_in,
            "whatsapp_consent": customer.whatsapp_opt_in,
        },
        "shipping_address": {f: getattr(order, f"ship_{f}") for f in ADDRESS_FIELDS},
        "shipping_total": f"{Decimal(order.shipping_total or 0):.2f}",
        "delivery_preferences": order.delivery_preferences,
        "items": [
            {
                "sku": item.sku,
                "title": item.title,
                "quantity": item.quantity,
                "unit_price": f"{Decimal(item.unit_price):.2f}",
                "final_sale": item.final_sale,
                "category": item.category,
                "variant_options": item.variant_options,
                "statutory_exception": item.statutory_exception,
                "unsealed": item.unsealed,
            }
            for item in sorted(items, key=lambda i: i.id)
        ],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def pickup_json(shipment: Shipment) -> dict[str, Any] | None:
    """The stored pickup point without its pickup code: the code opens the locker, and
    neither the shop's systems nor a webhook endpoint need it."""
    point = pickup.from_json(shipment.pickup_point) if shipment.pickup_point else None
    if point is None:
        return None
    deadline = point.pickup_deadline
    return {
        "point_id": point.point_id,
        "kind": point.kind.value,
        "name": point.name,
        "street": point.street,
        "city": point.city,
        "postal_code": point.postal_code,
        "country": point.country,
        "latitude": point.latitude,
        "longitude": point.longitude,
        "opening_hours": point.opening_hours,
        "pickup_deadline": deadline.isoformat() if deadline else None,
    }


def shipment_json(
    shipment: Shipment,
    order_number: str | None,
    tracking_problem: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The public shape of a shipment (the API and outgoing webhooks share it).

    ``tracking_problem`` is :meth:`portal.tracking.problems.TrackingProblem.as_json` when
    the caller looked (the API does, from the shop's accounts loaded once per request).
    """
    return {
        "id": shipment.id,
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier_key,
        "carrier_pinned": shipment.carrier_pinned,
        "direction": Direction(shipment.direction).value,
        "status": Status(shipment.status).value,
        "reason": Reason(shipment.reason).value if shipment.reason else None,
        "order_number": order_number,
        "estimated_delivery": _iso(shipment.estimated_delivery),
        "predicted_delivery": None
        if shipment.predicted_end is None
        else {
            "start": _iso(shipment.predicted_start or shipment.predicted_end),
            "end": _iso(shipment.predicted_end),
        },
        "service": shipment.service or None,
        "origin_country": shipment.origin_country or None,
        "shipped_at": _iso(shipment.shipped_at),
        "delivered_at": _iso(shipment.delivered_at),
        "signed_by": shipment.signed_by,
        "carrier_url": shipment.carrier_url,
        "last_event_at": _iso(shipment.last_event_at),
        "pickup_point": pickup_json(shipment),
        "tracking_problem": tracking_problem,
        "created_at": shipment.created_at.isoformat(),
        "updated_at": shipment.updated_at.isoformat(),
    }


async def order_numbers(
    shipments: list[Shipment], using_db: BaseDBAsyncClient | None = None
) -> dict[int | None, str]:
    """Order numbers by order id; a shipment without an order (None) finds none."""
    ids = {s.order_id for s in shipments if s.order_id}
    if not ids:
        return {}
    rows = await Order.filter(id__in=list(ids)).using_db(using_db).values_list("id", "number")
    return {int(i): str(n) for i, n in rows}
