"""Rows the merchant-side returns tests share: real returns made by the domain service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from portal.models import Merchant, ProductVariant, ReturnReason, ReturnRequest
from portal.returns import service
from portal.returns.service import Selection
from tests import factories
from tests.returns.helpers import delivered_order, shop_with_policy


async def review_shop(**policy: Any) -> Merchant:
    """A shop whose policy sends every return to review (nothing is auto-approved)."""
    policy.setdefault("auto_approve_rules", {"enabled": False})
    shop, _ = await shop_with_policy(**policy)
    return shop  # type: ignore[no-any-return]


async def return_for(
    shop: Merchant,
    *,
    quantity: int = 1,
    resolution: str = "refund",
    reason: str | None = None,
    variant: ProductVariant | None = None,
    exchange_to: ProductVariant | None = None,
    customer: dict[str, Any] | None = None,
    photo_path: str | None = None,
) -> ReturnRequest:
    """A return of one line of a fresh delivered order, as the customer would submit it."""
    order = await delivered_order(shop)
    if customer is not None:
        buyer = await order.customer
        await buyer.update_from_dict(customer).save()
    variant = variant or await factories.variant(shop, stock=5)
    item = await factories.order_item(
        order, variant=variant, sku=variant.sku, quantity=quantity, unit_price=Decimal("30.00")
    )
    if reason and not await ReturnReason.exists(merchant=shop, code=reason):
        await ReturnReason.create(
            merchant=shop, code=reason, labels={"en": reason.replace("_", " ").capitalize()}
        )
    choice = Selection(
        item.id,
        quantity,
        resolution,
        reason_code=reason,
        photo_path=photo_path,
        exchange_variant_id=exchange_to.id if exchange_to else None,
    )
    return await service.create_return(
        order, [choice], method="drop_off_qr", settings=factories.app_settings()
    )
