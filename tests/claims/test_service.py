"""portal.claims.service.refund: a claim's refund is capped by what the order cost (its
lines and delivery as the order holds them), less what its other claims and its settled
returns refunded already; a claim about a replacement parcel is capped by the order the
customer paid for."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from carriers.base import Reason, Status
from portal.claims import service
from portal.models import Claim, Merchant, Order, ReturnRequest, Shipment
from portal.models.claims import ClaimState
from portal.models.returns import ReturnState
from tests import factories

#: DHL Express waybills: nine digits and their value mod 7 as the check digit.
REPLACEMENT = "3404341824"


async def _order(shop: Merchant, *, shipping: str = "15.00") -> Order:
    """Two lamps at 120.00 and 15.00 delivery: 255.00 PLN."""
    order = await factories.order(shop, currency="PLN", shipping_total=Decimal(shipping))
    await factories.order_item(order, sku="LAMP", quantity=2, unit_price=Decimal("120.00"))
    return order


async def _claim(shop: Merchant, order: Order | None, tracking_number: str = "") -> Claim:
    parcel = await factories.shipment(
        shop, order=order, status=Status.EXCEPTION, reason=Reason.LOST,
        shipped_at=datetime.now(UTC), **({"tracking_number": tracking_number}
                                         if tracking_number else {}),
    )  # fmt: skip
    lines = await order.items.all() if order else []
    return await service.submit(
        parcel,
        kind="lost",
        description="Never came.",
        quantities={line.id: 1 for line in lines},
        photo_paths=[],
        not_received_statement=False,
        locale="en",
        settings=factories.app_settings(),
    )


async def _refund(claim: Claim, amount: str) -> None:
    await service.refund(claim, Decimal(amount), actor="staff:1", settings=factories.app_settings())


async def test_it_refunds_up_to_the_lines_and_delivery(db: str) -> None:
    shop = await factories.merchant()
    claim = await _claim(shop, await _order(shop))

    with pytest.raises(service.RefundTooLarge) as refused:
        await _refund(claim, "255.01")
    assert (refused.value.code, refused.value.most, refused.value.currency) == (
        "amount_over_order", Decimal("255.00"), "PLN",
    )  # fmt: skip
    await claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED, "nothing changed"

    await _refund(claim, "255.00")
    await claim.refresh_from_db()
    assert claim.state == ClaimState.REFUNDED and claim.refund_amount == Decimal("255.00")


async def test_it_counts_other_claims_and_settled_returns_of_the_order(db: str) -> None:
    shop = await factories.merchant()
    order = await _order(shop)
    first = await _claim(shop, order)
    await _refund(first, "100.00")
    for state, refunded in (
        (ReturnState.RESOLVED, "50.00"),
        (ReturnState.CLOSED, "20.00"),
        (ReturnState.REQUESTED, "80.00"),  # not refunded yet: not counted
    ):
        await ReturnRequest.create(
            merchant=shop, order=order, number=f"R-{state.value[:6]}", state=state,
            refund_total=Decimal(refunded),
        )  # fmt: skip
    second = await _claim(shop, order)

    with pytest.raises(service.RefundTooLarge) as refused:
        await _refund(second, "85.01")
    assert refused.value.most == Decimal("85.00")
    await _refund(second, "85.00")


async def test_a_fully_refunded_order_refuses_any_further_refund(db: str) -> None:
    shop = await factories.merchant()
    order = await _order(shop, shipping="0")
    await _refund(await _claim(shop, order), "240.00")

    with pytest.raises(service.RefundTooLarge) as refused:
        await _refund(await _claim(shop, order), "0.01")
    assert refused.value.most == Decimal("0.00")


async def test_a_lost_replacement_is_capped_by_the_order_the_customer_paid_for(db: str) -> None:
    shop = await factories.merchant()
    order = await _order(shop)
    first = await _claim(shop, order)
    replacement_parcel = await service.reship(
        first, tracking_number=REPLACEMENT, carrier="dhl", offered=["dhl"],
        actor="staff:1", settings=factories.app_settings(),
    )  # fmt: skip
    await Shipment.filter(id=replacement_parcel.id).update(
        status=Status.EXCEPTION, reason=Reason.LOST
    )
    replacement = await Order.get(id=replacement_parcel.order_id)
    second = await _claim(shop, replacement)

    with pytest.raises(service.RefundTooLarge) as refused:
        await _refund(second, "255.01")
    assert refused.value.most == Decimal("255.00"), "not the replacement's 0.00"
    await _refund(second, "255.00")


async def test_a_claim_without_an_order_is_capped_only_by_the_amount_rules(db: str) -> None:
    shop = await factories.merchant()
    claim = await _claim(shop, None)

    await _refund(claim, "9999999999.99")
    await claim.refresh_from_db()
    assert claim.state == ClaimState.REFUNDED
