"""Rows for survey tests: a customer's delivered parcel, its events, a resolved return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from portal.models import (
    Customer,
    Merchant,
    Order,
    ReturnItem,
    ReturnReason,
    ReturnRequest,
    Shipment,
    TrackingEvent,
)
from portal.settings import Settings
from tests import factories

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_settings() -> Settings:
    return Settings(
        mode="development",
        secret_key="survey-tests-secret-key-0123456789abcdef",
        public_base_url="https://portal.test",
    )


@dataclass
class Delivered:
    merchant: Merchant
    customer: Customer
    order: Order
    shipment: Shipment


async def delivered(
    shop: Merchant | None = None,
    *,
    customer: Customer | None = None,
    delivered_at: datetime = NOW - timedelta(days=2, hours=1),
    first_eta: date | None = None,
    carrier_key: str = "ups",
    statuses: tuple[tuple[str, str | None], ...] = (("in_transit", None), ("delivered", None)),
    status: str = "delivered",
    **customer_fields: Any,
) -> Delivered:
    shop = shop or await factories.merchant()
    customer = customer or await factories.customer(shop, **customer_fields)
    order = await factories.order(shop, customer=customer, ship_country="PL")
    shipment = await factories.shipment(
        shop,
        order=order,
        carrier_key=carrier_key,
        status=status,
        delivered_at=delivered_at,
        shipped_at=delivered_at - timedelta(days=3),
        first_estimated_delivery=first_eta,
    )
    # Registered before it travelled, as a shop does (created_at is set on insert).
    shipment.created_at = delivered_at - timedelta(days=4)
    await Shipment.filter(id=shipment.id).update(created_at=shipment.created_at)
    for i, (event_status, reason) in enumerate(statuses):
        await TrackingEvent.create(
            shipment=shipment,
            occurred_at=delivered_at - timedelta(hours=len(statuses) - i - 1),
            status=event_status,
            reason=reason,
            dedupe_key=f"e{i}",
        )
    return Delivered(shop, customer, order, shipment)


async def resolved_return(
    parcel: Delivered,
    *,
    resolutions: tuple[str, ...] = ("refund",),
    reason_code: str = "too_small",
    return_carrier: str | None = "dhl",
) -> ReturnRequest:
    reason = await ReturnReason.create(merchant=parcel.merchant, code=reason_code)
    return_shipment = None
    if return_carrier is not None:
        return_shipment = await factories.shipment(
            parcel.merchant, carrier_key=return_carrier, direction="return", status="delivered"
        )
    request = await ReturnRequest.create(
        merchant=parcel.merchant,
        order=parcel.order,
        customer=parcel.customer,
        number=f"R{parcel.order.id}",
        state="resolved",
        return_shipment=return_shipment,
    )
    for resolution in resolutions:
        item = await factories.order_item(parcel.order)
        await ReturnItem.create(
            return_request=request,
            order_item=item,
            reason=reason,
            resolution=resolution,
            amount=Decimal("25.00"),
        )
    return request
