"""A claim as a carrier's claim form asks for it, in one JSON document.

Carriers' loss and damage forms ask for the tracking number, the ship and delivery (or
last scan) dates, the scan history, what was inside and its value, the sender's and
recipient's addresses, a description and photos. The workspace offers this as a download
and ``claim.*`` webhooks carry it, so the shop files with the carrier without retyping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.core.payloads import ADDRESS_FIELDS
from portal.models import Claim, Order, OrderItem, Shipment, TrackingEvent


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def claim_json(claim: Claim, conn: BaseDBAsyncClient | None = None) -> dict[str, Any]:
    """One claim's export (the ``claim.*`` webhooks, the workspace's download, the API)."""
    return (await claims_json([claim], conn))[0]


async def claims_json(
    claims: Sequence[Claim], conn: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """Each claim's export, in order, with four queries for the whole list (the API lists
    up to a hundred at a time)."""
    if not claims:
        return []
    parcel_ids = [c.shipment_id for c in claims] + [
        c.replacement_shipment_id for c in claims if c.replacement_shipment_id
    ]
    parcels = {s.id: s for s in await Shipment.filter(id__in=parcel_ids).using_db(conn)}
    order_ids = [c.order_id for c in claims if c.order_id]
    orders = (
        {o.id: o for o in await Order.filter(id__in=order_ids).using_db(conn)} if order_ids else {}
    )
    prices: dict[int, dict[int, Decimal]] = defaultdict(dict)
    if order_ids:
        for line in await OrderItem.filter(order_id__in=order_ids).using_db(conn):
            prices[line.order_id][line.id] = Decimal(line.unit_price)
    scans: dict[int, list[TrackingEvent]] = defaultdict(list)
    for scan in (
        await TrackingEvent.filter(shipment_id__in=[c.shipment_id for c in claims])
        .using_db(conn)
        .order_by("occurred_at", "id")
    ):
        scans[scan.shipment_id].append(scan)
    return [
        _export(
            claim,
            parcels[claim.shipment_id],
            orders.get(claim.order_id) if claim.order_id else None,
            prices[claim.order_id] if claim.order_id else {},
            scans[claim.shipment_id],
            parcels.get(claim.replacement_shipment_id) if claim.replacement_shipment_id else None,
        )
        for claim in claims
    ]


def _export(
    claim: Claim,
    shipment: Shipment,
    order: Order | None,
    prices: dict[int, Decimal],
    scans: list[TrackingEvent],
    replacement: Shipment | None,
) -> dict[str, Any]:
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
    return {
        "number": claim.number,
        "kind": str(claim.kind),
        "state": str(claim.state),
        "created_at": _iso(claim.created_at),
        "updated_at": _iso(claim.updated_at),
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
