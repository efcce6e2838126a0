"""Rows the returns tests share: a shop with a policy, a delivered order, a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.models import Order, ReturnPolicy, ReturnRequest
from portal.models.returns import ReturnState
from portal.models.tracking import Direction
from tests import factories

DELIVERED = datetime.now(UTC) - timedelta(days=2)


async def shop_with_policy(**policy: Any) -> tuple[Any, ReturnPolicy]:
    shop = await factories.merchant(time_zone="America/New_York")
    policy.setdefault("auto_approve_rules", {"max_value": "1000"})
    return shop, await ReturnPolicy.create(merchant=shop, **policy)


async def delivered_order(shop: Any, **fields: Any) -> Order:
    buyer = await factories.customer(shop, time_zone="America/New_York")
    order = await factories.order(shop, customer=buyer, ship_name="Ada", **fields)
    await factories.shipment(
        shop, order=order, direction=Direction.OUTBOUND, delivered_at=DELIVERED
    )
    return order


async def request_in(state: ReturnState | str, **fields: Any) -> ReturnRequest:
    shop, _ = await shop_with_policy()
    order = await factories.order(shop)
    fields.setdefault("number", f"R-T{order.id:05d}")
    return await ReturnRequest.create(merchant=shop, order=order, state=state, **fields)
