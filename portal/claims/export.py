"""A claim as a carrier's claim form asks for it, in one JSON document.

Carriers' loss and damage forms ask for the tracking number, the ship and delivery (or
last scan) dates, the scan history, what was inside and its value, the sender's and
recipient's addresses, a description and photos. The workspace offers this as a download
and ``claim.*`` webhooks carry it, so the shop files with the carrier without retyping.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.core.payloads import ADDRESS_FIELDS
from portal.models import Claim, Order, OrderItem, Shipment, TrackingEvent


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def claim_json(claim: Claim, conn: BaseDBAsyncClient | None = None) -> dict[str, Any]:
    shipment = await Shipment.get(id=claim.shipment_id, using_db=conn)
    order = await Order.get_or_none(id=claim.order_id, using_db=conn) if claim.order_id else None
    prices = {
        i.id: Decimal(i.unit_price)
        for i in (
            await OrderItem.filter(order_id=order.id).using_db(conn) if order is not None else []
        )
    }
    scans = (
        await TrackingEvent.filter(shipment_id=shipment.id)
        .using_db(conn)
        .order_by("occurred_at", "id")
    )
    items = [
        {
            "sku": entry.get("sku"),
            "title": entry.get("title"),
            "quantity": entry.get("quantity"),
            "unit_value": f"{prices.get(int(entry.get('order_item_id') or 0), Decimal(0)):.2f}",
        }
        for entry in claim.items
    ]
    value = sum(
        (prices.get(int(e.get("order_item_id") or 0), Decimal(0)) * int(e.get("quantity") or 0)
         for e in claim.items),
        Decimal(0),
    )  # fmt: skip
    replacement = (
        await Shipment.get_or_none(id=claim.replacement_shipment_id, using_db=conn)
        if claim.replacement_shipment_id
        else None
    )
    return {
        "number": claim.number,
        "kind": str(claim.kind),
        "state": str(claim.state),
        "created_at": _iso(claim.created_at),
        "resolved_at": _iso(claim.resolved_at),
        "description": claim.description,
        "not_received_statement": claim.not_received_statement,
        "photos": len(claim.photo_paths),
        "order_number": order.number if order else None,
        "currency": order.currency if order else None,
        "declared_value": f"{value:.2f}",
        "items": items,
        "recipient": (
            {f: getattr(order, f"ship_{f}") for f in ADDRESS_FIELDS} if order is not None else None
        ),
        "parcel": {
            "tracking_number": shipment.tracking_number,
            "carrier": shipment.carrier_key,
            "status": str(shipment.status),
            "shipped_at": _iso(shipment.shipped_at),
            "delivered_at": _iso(shipment.delivered_at),
            "last_scan_at": _iso(shipment.last_event_at),
            "scans": [
                {
                    "occurred_at": _iso(scan.occurred_at),
                    "status": str(scan.status),
                    "carrier_code": scan.carrier_code,
                    "description": scan.description,
                    "place": ", ".join(p for p in (scan.city, scan.country) if p),
                }
                for scan in scans
            ],
        },
        "resolution": {
            "refund_amount": f"{claim.refund_amount:.2f}" if claim.refund_amount else None,
            "rejection_reason": claim.rejection_reason or None,
            "replacement_tracking_number": replacement.tracking_number if replacement else None,
            "replacement_carrier": replacement.carrier_key if replacement else None,
        },
    }
