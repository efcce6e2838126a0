"""The public shape of a return: what the shop's own system reads to pay refunds out.

Outgoing ``return.*`` webhooks and the API share it. Money is a decimal string in the
return's currency (``"54.00"``), never a float, so the shop's books match to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import CreditEntry, Exchange, Order, ReturnItem, ReturnRequest, Shipment


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def parcel_json(shipment: Shipment | None) -> dict[str, Any] | None:
    """The parcel coming back, as far as its carrier has told us."""
    if shipment is None:
        return None
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier_key,
        "status": str(shipment.status),
        "delivered_at": _iso(shipment.delivered_at),
    }


def item_json(item: ReturnItem, exchange: Exchange | None) -> dict[str, Any]:
    line = item.order_item
    return {
        "id": item.id,
        "sku": line.sku,
        "title": line.title,
        "quantity": item.quantity,
        "resolution": str(item.resolution),
        "amount": _money(item.amount),
        "reason": item.reason.code if item.reason else None,
        "comment": item.comment,
        "condition": item.condition,
        "restock": item.restock,
        "inspected_at": _iso(item.inspected_at),
        "exchange": None
        if exchange is None
        else {
            "sku": exchange.new_variant.sku,
            "title": exchange.new_variant.title,
            "price_difference": _money(exchange.price_difference),
        },
    }


async def returns_json(
    requests: Sequence[ReturnRequest], conn: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """Each return's public shape, in order, with three queries for the whole list."""
    ids = [r.id for r in requests]
    if not ids:
        return []
    items: dict[int, list[ReturnItem]] = {i: [] for i in ids}
    for item in (
        await ReturnItem.filter(return_request_id__in=ids)
        .select_related("order_item", "reason")
        .using_db(conn)
        .order_by("id")
    ):
        items[item.return_request_id].append(item)
    swaps = {
        e.return_item_id: e
        for e in await Exchange.filter(return_item__return_request_id__in=ids)
        .select_related("new_variant")
        .using_db(conn)
    }
    order_ids = {r.order_id for r in requests}
    numbers = dict(await Order.filter(id__in=order_ids).using_db(conn).values_list("id", "number"))
    issued = dict(
        await CreditEntry.filter(return_request_id__in=ids)
        .using_db(conn)
        .values_list("return_request_id", "amount")
    )
    parcel_ids = [r.return_shipment_id for r in requests if r.return_shipment_id]
    parcels: dict[int | None, Shipment] = (
        {s.id: s for s in await Shipment.filter(id__in=parcel_ids).using_db(conn)}
        if parcel_ids
        else {}
    )
    return [
        {
            "number": r.number,
            "kind": str(r.kind),
            "state": str(r.state),
            "method": str(r.method) if r.method else None,
            "order_number": numbers.get(r.order_id),
            "currency": r.currency,
            "refund_total": _money(r.refund_total),
            "credit_total": _money(r.credit_total),
            "fees_total": _money(r.fees_total),
            "items": [item_json(item, swaps.get(item.id)) for item in items[r.id]],
            "customer_note": r.customer_note,
            "merchant_note": r.merchant_note,
            "created_at": _iso(r.created_at),
            "updated_at": _iso(r.updated_at),
            "resolved_at": _iso(r.resolved_at),
            "credit_issued": _money(issued[r.id]) if r.id in issued else None,
            "return_shipment": parcel_json(parcels.get(r.return_shipment_id)),
        }
        for r in requests
    ]


async def return_json(
    request: ReturnRequest, conn: BaseDBAsyncClient | None = None
) -> dict[str, Any]:
    """One return's public shape (what a ``return.*`` webhook carries)."""
    (found,) = await returns_json([request], conn)
    return found
