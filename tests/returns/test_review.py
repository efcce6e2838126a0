"""The review of an order: every item with its verdict, from the database's facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.models import Shipment
from portal.models.tracking import Direction
from portal.returns import review
from tests import factories
from tests.returns.helpers import delivered_order, shop_with_policy


async def test_the_review_lists_every_item_with_its_verdict(db: str) -> None:
    shop, _ = await shop_with_policy()
    order = await delivered_order(shop)
    ok = await factories.order_item(order)
    final = await factories.order_item(order, final_sale=True)
    found = await review.review_order(order)
    assert found.eligibility[ok.id].eligible
    assert found.eligibility[final.id].reason == "final_sale"
    assert str(found.zone) == "America/New_York"


async def test_without_a_delivery_scan_the_ship_date_plus_margin_counts(db: str) -> None:
    shop, _ = await shop_with_policy(window_days=30, no_scan_margin_days=7)
    order = await factories.order(shop)
    shipped = datetime.now(UTC) - timedelta(days=30)
    await factories.shipment(shop, order=order, direction=Direction.OUTBOUND, shipped_at=shipped)
    item = await factories.order_item(order)
    found = await review.review_order(order)
    assert found.delivered == shipped + timedelta(days=7)
    assert found.eligibility[item.id].eligible
    await Shipment.filter(order_id=order.id).update(shipped_at=shipped - timedelta(days=10))
    assert (await review.review_order(order)).eligibility[item.id].reason == "window_closed"


async def test_a_return_parcel_does_not_start_the_window(db: str) -> None:
    shop, _ = await shop_with_policy()
    order = await factories.order(shop)
    await factories.shipment(
        shop, order=order, direction=Direction.RETURN, delivered_at=datetime.now(UTC)
    )
    item = await factories.order_item(order)
    found = await review.review_order(order)
    assert found.eligibility[item.id].reason == "not_delivered"


async def test_an_unknown_zone_falls_back_to_the_shop_zone(db: str) -> None:
    shop, _ = await shop_with_policy()
    order = await delivered_order(shop)
    customer = await order.customer
    assert customer is not None
    customer.time_zone = "Mars/Olympus"
    await customer.save()
    assert str((await review.review_order(order)).zone) == "America/New_York"


async def test_no_active_policy_is_refused(db: str) -> None:
    order = await factories.order()
    with pytest.raises(review.ReturnRefused):
        await review.review_order(order)
