"""Return rates and resolution shares on seeded orders, checked against figures worked out
by hand (both engines). See tests/analytics/seed.py: sold tee-S 2, tee-M 1, mug 4 (7);
counted returns tee-S 2 (too_small), mug 1 (damaged) + 1 (no reason)."""

from __future__ import annotations

import pytest

from portal.analytics.returns import (
    resolutions,
    return_rate_by_item,
    return_rate_by_reason,
    sold_quantity,
)
from portal.analytics.sql import Filters
from tests import factories
from tests.analytics.seed import END, START, other_shop, period, seed_returns


def rates(rows: list) -> dict[str, tuple[int, int, float | None]]:
    return {
        r.group: (r.returned, r.sold, None if r.rate is None else round(r.rate, 2)) for r in rows
    }


async def test_return_rate_by_reason_over_everything_sold(db: str) -> None:
    shop = await seed_returns()
    assert await sold_quantity(period(shop)) == 7
    assert rates(await return_rate_by_reason(period(shop))) == {
        "too_small": (2, 7, 28.57),
        "damaged": (1, 7, 14.29),
        "": (1, 7, 14.29),
    }


async def test_return_rate_by_product(db: str) -> None:
    shop = await seed_returns()
    rows = await return_rate_by_item(period(shop), "product")
    # The tee's two variants roll up into "tee"; the mug has no variant, so its title.
    assert rates(rows) == {"tee": (2, 3, 66.67), "Item MUG": (2, 4, 50.0)}


async def test_return_rate_by_variant_most_returned_first(db: str) -> None:
    shop = await seed_returns()
    rows = await return_rate_by_item(period(shop), "variant")
    assert [r.group for r in rows] == ["MUG", "TEE-S", "TEE-M"]
    assert rates(rows) == {"TEE-S": (2, 2, 100.0), "TEE-M": (0, 1, 0.0), "MUG": (2, 4, 50.0)}
    assert rows[1].title == "Item TEE-S"
    assert len(await return_rate_by_item(period(shop), "variant", limit=2)) == 2


async def test_exchange_refund_store_credit_and_keep_shares(db: str) -> None:
    shop = await seed_returns()
    rows = {r.resolution: (r.items, r.quantity, r.share) for r in await resolutions(period(shop))}
    assert rows == {
        "exchange": (1, 1, 25.0),
        "refund": (1, 1, 25.0),  # the rejected refund does not count
        "store_credit": (1, 1, 25.0),
        "keep_item": (1, 1, 25.0),
    }


async def test_returns_filtered_to_the_orders_one_carrier_shipped(db: str) -> None:
    shop = await seed_returns()
    ups = period(shop, "ups")
    assert await sold_quantity(ups) == 3
    assert rates(await return_rate_by_reason(ups)) == {"too_small": (2, 3, 66.67)}
    assert {r.resolution: r.share for r in await resolutions(ups)} == {
        "exchange": 50.0,
        "refund": 50.0,
    }
    assert await sold_quantity(period(shop, "fedex")) == 0


async def test_orders_placed_outside_the_period_do_not_count(db: str) -> None:
    shop = await seed_returns()
    december = Filters(shop.id, END, END.replace(day=2))
    assert await sold_quantity(december) == 5
    assert rates(await return_rate_by_reason(december)) == {"damaged": (5, 5, 100.0)}
    # Up to (not including) the first order's placement at 16th 00:00: nothing.
    assert await sold_quantity(Filters(shop.id, START.replace(day=1), START)) == 0


async def test_another_merchants_returns_never_count(db: str) -> None:
    shop = await seed_returns()
    other = await other_shop(shop)
    assert rates(await return_rate_by_reason(period(other))) == {"damaged": (3, 3, 100.0)}


async def test_no_orders_give_empty_figures(db: str) -> None:
    shop = await factories.merchant()
    assert await sold_quantity(period(shop)) == 0
    assert await return_rate_by_reason(period(shop)) == []
    assert await return_rate_by_item(period(shop), "product") == []
    assert await resolutions(period(shop)) == []
    with pytest.raises(ValueError):
        await return_rate_by_item(period(shop), "colour")  # type: ignore[arg-type]
