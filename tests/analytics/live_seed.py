"""Give the demo shop in ``PORTAL_DATABASE_URL`` the analytics test rows (for the browser
test): ``python -m tests.analytics.live_seed``."""

from __future__ import annotations

import asyncio

from portal import db
from portal.demo import DEMO_SLUG
from portal.models import Merchant
from portal.settings import Settings
from tests.analytics.seed import seed_answers, seed_returns, seed_shipments


async def main() -> None:
    await db.connect(Settings.from_env().database_url)
    try:
        shop = await Merchant.get(slug=DEMO_SLUG)
        await seed_answers(shop)
        await seed_shipments(shop)
        await seed_returns(shop)
    finally:
        await db.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
