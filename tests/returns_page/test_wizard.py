"""The returns pages say where the customer is, and carry the shop's name, logo and contact."""

from __future__ import annotations

import re

import httpx

from portal.models import Merchant
from tests.returns_page.helpers import Shop, open_order, post_items


def _steps(html: str) -> list[tuple[str, bool]]:
    wizard = re.search(r'<ol class="wizard".*?</ol>', html, re.S)
    assert wizard, "the step indicator is shown"
    found = re.findall(r"<li([^>]*)>([^<]+)</li>", wizard.group(0))
    return [(label.strip(), 'aria-current="step"' in attrs) for attrs, label in found]


async def test_the_items_step_is_step_one_of_four(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    assert _steps(page.text) == [("Items", True), ("How to settle", False), ("Check", False),
                                 ("Done", False)]  # fmt: skip
    assert "Step 1 of 4" in page.text


async def test_the_options_step_is_step_two(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "too_small"}
    options = await post_items(web, shop, page, fields)
    assert [current for _label, current in _steps(options.text)] == [False, True, False, False]


async def test_returns_pages_carry_the_shops_brand_and_contact(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await Merchant.filter(id=shop.merchant.id).update(
        branding={"logo_path": "logo.png", "support_email": "help@acme.test"}
    )
    page = await open_order(web, shop)
    assert f"· {shop.merchant.name}</title>" in page.text
    assert f'src="/media/logo/{shop.merchant.slug}"' in page.text
    assert 'href="mailto:help@acme.test"' in page.text
    assert "Doorstep</a>" not in page.text
