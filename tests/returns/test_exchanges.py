"""Exchanges reserve stock atomically, give it back on cancel or reject, and ship on resolve."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from portal.models import Exchange, Order, OrderItem, ProductVariant, ReturnRequest, Shipment
from portal.models.returns import ReturnState as S
from portal.returns import exchanges, service, states
from portal.returns.service import ReturnRefused, Selection
from tests import factories
from tests.returns.helpers import delivered_order, shop_with_policy


async def _exchange_setup(
    stock: int = 3, price: str = "25.00", **policy: object
) -> tuple[Order, OrderItem, ProductVariant]:
    shop, _ = await shop_with_policy(**policy)
    small = await factories.variant(shop, stock=10)
    large = await factories.variant(shop, stock=stock, price=Decimal(price))
    order = await delivered_order(shop)
    item = await factories.order_item(order, variant=small, quantity=2)
    return order, item, large


async def _exchange(order: Order, item: OrderItem, new: ProductVariant, qty: int = 1):  # type: ignore[no-untyped-def]
    choice = Selection(item.id, qty, "exchange", exchange_variant_id=new.id)
    return await service.create_return(order, [choice], settings=factories.app_settings())


async def _stock(variant: ProductVariant) -> tuple[int, int]:
    fresh = await ProductVariant.get(id=variant.id)
    return fresh.stock, fresh.reserved


async def test_an_approved_exchange_reserves_stock(db: str) -> None:
    order, item, large = await _exchange_setup(stock=3)
    request = await _exchange(order, item, large, qty=2)
    assert (await ReturnRequest.get(id=request.id)).state == S.AWAITING_SHIPMENT
    assert await _stock(large) == (3, 2)
    assert (await Exchange.get(new_variant_id=large.id)).stock_reserved


async def test_an_exchange_without_stock_is_refused(db: str) -> None:
    order, item, large = await _exchange_setup(stock=0)
    with pytest.raises(ReturnRefused) as refused:
        await _exchange(order, item, large)
    assert refused.value.errors == {item.id: "resolution"}  # not offered at all


async def test_an_exchange_for_more_than_the_stock_is_refused(db: str) -> None:
    order, item, large = await _exchange_setup(stock=1)
    with pytest.raises(ReturnRefused) as refused:
        await _exchange(order, item, large, qty=2)
    assert refused.value.errors == {item.id: "out_of_stock"}


@pytest.mark.parametrize(
    ("end", "actor"),
    [(S.CANCELLED, "customer"), (S.CANCELLED, "staff:1"), (S.EXPIRED, "system")],
)
async def test_cancelling_or_expiring_gives_the_reservation_back(
    db: str, end: S, actor: str
) -> None:
    order, item, large = await _exchange_setup(stock=3)
    request = await _exchange(order, item, large, qty=2)
    await states.transition(request, end, actor=actor, settings=factories.app_settings())
    assert await _stock(large) == (3, 0)
    assert not (await Exchange.get(new_variant_id=large.id)).stock_reserved


async def test_a_rejected_review_never_held_stock(db: str) -> None:
    order, item, large = await _exchange_setup(stock=3, auto_approve_rules={})
    request = await _exchange(order, item, large)
    assert await _stock(large) == (3, 0)
    await service.reject(request, actor="staff:1", settings=factories.app_settings())
    assert await _stock(large) == (3, 0)


async def test_approving_when_the_stock_is_gone_is_refused_and_keeps_the_review(db: str) -> None:
    order, item, large = await _exchange_setup(stock=1, auto_approve_rules={})
    request = await _exchange(order, item, large)
    await ProductVariant.filter(id=large.id).update(stock=0)
    with pytest.raises(exchanges.OutOfStock):
        await service.approve(request, actor="staff:1", settings=factories.app_settings())
    request = await ReturnRequest.get(id=request.id)
    assert request.state == S.NEEDS_REVIEW
    await ProductVariant.filter(id=large.id).update(stock=1)
    await service.approve(request, actor="staff:1", settings=factories.app_settings())
    assert await _stock(large) == (1, 1)


async def test_stock_is_reserved_at_receipt_when_the_policy_says_so(db: str) -> None:
    order, item, large = await _exchange_setup(stock=3, reserve_stock_at="receipt")
    request = await _exchange(order, item, large)
    assert await _stock(large) == (3, 0)
    await states.transition(request, S.RECEIVED, actor="carrier", settings=factories.app_settings())
    assert await _stock(large) == (3, 1)


async def test_resolving_ships_the_new_variant_and_sells_the_stock(db: str) -> None:
    order, item, large = await _exchange_setup(stock=3, price="31.00")
    request = await _exchange(order, item, large, qty=2)
    for step in (S.RECEIVED, S.INSPECTED, S.RESOLVED):
        await states.transition(request, step, actor="staff:1", settings=factories.app_settings())
    assert await _stock(large) == (1, 0)
    swap = await Exchange.get(new_variant_id=large.id)
    assert swap.price_difference == Decimal("12.00")  # the customer pays 2 × 6.00
    outbound = await Order.get(id=swap.outbound_order_id)  # type: ignore[attr-defined]
    assert outbound.number == f"{order.number}-{request.number}"
    assert outbound.ship_name == "Ada"
    line = await OrderItem.get(order_id=outbound.id)
    assert (line.variant_id, line.quantity, line.unit_price) == (large.id, 2, Decimal("31.00"))  # type: ignore[attr-defined]
    # No placeholder parcel: the shop registers the real tracking number when it books one.
    assert swap.outbound_shipment_id is None
    assert not await Shipment.filter(order_id=outbound.id).exists()


async def test_a_cheaper_variant_refunds_the_difference(db: str) -> None:
    order, item, large = await _exchange_setup(stock=3, price="20.00")
    await _exchange(order, item, large)
    assert (await Exchange.get(new_variant_id=large.id)).price_difference == Decimal("-5.00")


async def test_concurrent_reservations_never_oversell_the_last_unit(db: str) -> None:
    shop = await factories.merchant()
    last = await factories.variant(shop, stock=1)

    async def grab() -> bool:
        async with in_transaction() as conn:
            return await exchanges.take_stock(last.id, 1, conn)

    results = await asyncio.gather(*(grab() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    assert await _stock(last) == (1, 1)


async def test_reserving_twice_moves_stock_once(db: str) -> None:
    order, item, large = await _exchange_setup(stock=3)
    request = await _exchange(order, item, large)
    async with in_transaction() as conn:
        assert await exchanges.reserve_for(request, conn)
    assert await _stock(large) == (3, 1)
