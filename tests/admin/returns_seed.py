"""Put one return under review into the demo shop of a live test server's database.

``python -m tests.admin.returns_seed`` with ``PORTAL_DATABASE_URL`` set; prints the
return's id. Used by the browser test, which cannot reach the server's database itself.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from portal import db
from portal.demo import DEMO_SLUG
from portal.models import Merchant, ReturnPolicy
from portal.models.tracking import Direction
from portal.returns import service
from portal.returns.service import Selection
from portal.settings import Settings
from tests import factories


async def seed(database_url: str) -> int:
    await db.connect(database_url)
    try:
        shop = await Merchant.get(slug=DEMO_SLUG)
        await ReturnPolicy.filter(merchant=shop).update(auto_approve_rules={"enabled": False})
        buyer = await factories.customer(shop, name="Keyboard Tester")
        order = await factories.order(shop, customer=buyer, number="#KB-1")
        await factories.shipment(
            shop,
            order=order,
            direction=Direction.OUTBOUND,
            delivered_at=datetime.now(UTC) - timedelta(days=1),
        )
        shirt = await factories.variant(shop, stock=3)
        item = await factories.order_item(order, variant=shirt, unit_price=Decimal("20.00"))
        ret = await service.create_return(
            order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
        )
        return ret.id
    finally:
        await db.disconnect()


if __name__ == "__main__":
    print(asyncio.run(seed(Settings.from_env().database_url)))
