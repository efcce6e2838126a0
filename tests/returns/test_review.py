"""The review of an order: every item with its verdict, from the database's facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carriers.base import Status
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


@pytest.mark.parametrize("unknown", ["Mars/Olympus", "../../etc/localtime", ""])
async def test_an_unknown_zone_falls_back_to_the_shop_zone(db: str, unknown: str) -> None:
    shop, _ = await shop_with_policy()
    order = await delivered_order(shop)
    customer = await order.customer
    assert customer is not None
    customer.time_zone = unknown
    await customer.save()
    assert str((await review.review_order(order)).zone) == "America/New_York"


async def test_no_active_policy_is_refused(db: str) -> None:
    order = await factories.order()
    with pytest.raises(review.ReturnRefused):
        await review.review_order(order)


async def test_a_parcel_the_carrier_still_reports_cannot_be_returned(db: str) -> None:
    """In transit for a month, out for delivery or waiting at a locker: not delivered,
    whatever the margin says; the same parcel gone quiet (expired) counts as delivered."""
    shop, _ = await shop_with_policy(window_days=30, no_scan_margin_days=7)
    order = await factories.order(shop)
    shipped = datetime.now(UTC) - timedelta(days=20)
    await factories.shipment(
        shop, order=order, direction=Direction.OUTBOUND, shipped_at=shipped,
        status=Status.IN_TRANSIT,
    )  # fmt: skip
    item = await factories.order_item(order)
    for status in (Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.AVAILABLE_FOR_PICKUP):
        await Shipment.filter(order_id=order.id).update(status=status)
        found = await review.review_order(order)
        assert found.eligibility[item.id].reason == "not_delivered", status
    await Shipment.filter(order_id=order.id).update(status=Status.EXPIRED)
    assert (await review.review_order(order)).eligibility[item.id].eligible


async def test_the_margin_counts_only_once_it_has_passed(db: str) -> None:
    shop, _ = await shop_with_policy(window_days=30, no_scan_margin_days=7)
    order = await factories.order(shop)
    shipped = datetime.now(UTC) - timedelta(days=2)
    await factories.shipment(shop, order=order, direction=Direction.OUTBOUND, shipped_at=shipped)
    item = await factories.order_item(order)
    assert (await review.review_order(order)).eligibility[item.id].reason == "not_delivered"


async def test_a_shop_may_allow_returns_before_delivery_but_never_keeping_the_item(
    db: str,
) -> None:
    shop, _policy = await shop_with_policy(
        window_days=30,
        returns_before_delivery=True,
        keep_item_threshold=100,
        resolutions=["refund", "store_credit"],
    )
    order = await factories.order(shop)
    await factories.shipment(
        shop, order=order, direction=Direction.OUTBOUND, status=Status.OUT_FOR_DELIVERY,
        shipped_at=datetime.now(UTC) - timedelta(days=1),
    )  # fmt: skip
    item = await factories.order_item(order)
    eligibility = (await review.review_order(order)).eligibility[item.id]
    assert eligibility.eligible
    assert "keep_item" not in eligibility.resolutions
    await Shipment.filter(order_id=order.id).update(
        status=Status.DELIVERED, delivered_at=datetime.now(UTC)
    )
    assert "keep_item" in (await review.review_order(order)).eligibility[item.id].resolutions
