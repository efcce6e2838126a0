"""A shop ready for returns and a customer's walk through the steps, over plain HTTP."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from portal.models import Merchant, Order, OrderItem, ProductVariant, ReturnPolicy, ReturnReason
from portal.models.tracking import Direction
from tests import factories

DELIVERED = datetime.now(UTC) - timedelta(days=3)
EMAIL = "ada@example.test"


def shown_text(page: str) -> str:
    """The page without its tags: what a reader sees.

    A short word such as an item's title can turn up by chance inside a random CSRF token or
    a base64 image, so "not shown" is asserted on the text between tags only.
    """
    return re.sub(r"<[^>]*>", " ", page)


@dataclass
class Shop:
    merchant: Merchant
    policy: ReturnPolicy
    order: Order
    tee: OrderItem
    socks: OrderItem
    final: OrderItem
    small: ProductVariant
    large: ProductVariant
    sold_out: ProductVariant


async def reasons(merchant: Merchant) -> None:
    fit = await ReturnReason.create(
        merchant=merchant, code="fit", labels={"en": "Doesn’t fit", "pl": "Nie pasuje"}
    )
    for position, (code, en, pl) in enumerate(
        [("too_small", "Too small", "Za mały"), ("too_large", "Too large", "Za duży")]
    ):
        await ReturnReason.create(
            merchant=merchant,
            parent=fit,
            code=code,
            labels={"en": en, "pl": pl},
            position=position,
        )
    await ReturnReason.create(
        merchant=merchant,
        code="damaged",
        labels={"en": "Arrived damaged", "pl": "Uszkodzony"},
        requires_photo=True,
        waives_fees=True,
        position=5,
    )
    await ReturnReason.create(
        merchant=merchant,
        code="other",
        labels={"en": "Something else"},
        requires_comment=True,
        position=6,
    )


async def make_shop(slug: str = "acme", email: str = EMAIL, **policy: Any) -> Shop:
    merchant = await factories.merchant(
        slug=slug, name=f"{slug.title()} Wear", time_zone="Europe/Warsaw"
    )
    defaults: dict[str, Any] = {
        "window_days": 30,
        "store_credit_bonus_percent": Decimal("10"),
        "keep_item_threshold": Decimal("6.00"),
        "return_shipping_fee": Decimal("4.00"),
        "restocking_fee_percent": Decimal("10"),
        "final_sale_categories": ["underwear"],
        "fee_waivers": {"exchange": True},
        "auto_approve_rules": {"max_value": "500"},
        "methods": ["drop_off_qr", "carrier_pickup"],
        "return_address": {"name": "Acme Returns", "line1": "ul. Zwrotna 1", "city": "Kraków",
                           "postal_code": "30-001", "country": "PL"},
    }  # fmt: skip
    defaults.update(policy)
    found = await ReturnPolicy.create(merchant=merchant, **defaults)
    await reasons(merchant)
    tee_sizes = {}
    for size, price, stock, reserved in [
        ("M", "30.00", 5, 0),
        ("S", "30.00", 3, 0),
        ("L", "34.00", 2, 0),
        ("XL", "30.00", 1, 1),  # the one unit is reserved: sold out
    ]:
        tee_sizes[size] = await factories.variant(
            merchant,
            product_ref="tee",
            options={"size": size},
            price=Decimal(price),
            stock=stock,
            reserved=reserved,
        )
    small, large, sold_out = tee_sizes["S"], tee_sizes["L"], tee_sizes["XL"]
    buyer = await factories.customer(merchant, email=email, time_zone="Europe/Warsaw")
    order = await factories.order(
        merchant,
        customer=buyer,
        email=email,
        number="#5001",
        currency="EUR",
        ship_name="Ada Lovelace",
        ship_line1="ul. Długa 5",
        ship_city="Kraków",
        ship_postal_code="31-147",
        ship_country="PL",
    )
    tee = await factories.order_item(
        order,
        title="Tee",
        variant=tee_sizes["M"],
        quantity=2,
        unit_price=Decimal("30.00"),
        variant_options={"size": "M"},
    )
    socks = await factories.order_item(order, title="Socks", unit_price=Decimal("5.00"))
    final = await factories.order_item(
        order, title="Briefs", category="underwear", unit_price=Decimal("12.00")
    )
    await factories.shipment(
        merchant, order=order, direction=Direction.OUTBOUND, delivered_at=DELIVERED
    )
    return Shop(merchant, found, order, tee, socks, final, small, large, sold_out)


def png(width: int = 64, height: int = 48) -> bytes:
    """A PNG header as the checker reads it (signature and IHDR with the dimensions)."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + struct.pack(">II", width, height)
        + b"\x08\x02\x00\x00\x00"
        + b"\x00" * 64
    )


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def draft_of(html: str) -> str:
    match = re.search(r'name="draft" value="([^"]+)"', html)
    assert match, "the step carries its draft"
    return match.group(1)


async def resolve_and_confirm(
    web: httpx.AsyncClient,
    order_path: str,
    options: str,
    choices: dict[str, str],
    *,
    check_review: Callable[[str], None] | None = None,
) -> str:
    """The options step answered with ``choices`` (resolutions, variants, method), the review
    confirmed; the new return's number (the page it redirects to asserts it is new).
    ``check_review`` asserts what a walk expects of the review page before it is confirmed."""
    review = await web.post(
        f"{order_path}/options",
        data={"draft": draft_of(options), "csrf_token": csrf_of(options), **choices},
    )
    assert review.status_code == 200, review.text
    if check_review is not None:
        check_review(review.text)
    done = await web.post(
        f"{order_path}/confirm",
        data={"draft": draft_of(review.text), "csrf_token": csrf_of(review.text)},
    )
    assert done.status_code == 303, done.text
    rma = re.fullmatch(r"/returns/([^/?]+)\?new=1", done.headers["location"])
    assert rma, done.headers["location"]
    return rma.group(1)


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs a step carries forward (the withdrawal's review, say)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


async def withdraw(
    web: httpx.AsyncClient,
    order_id: int,
    form: str,
    *,
    name: str,
    email: str,
    quantities: dict[int, int],
) -> httpx.Response:
    """The withdrawal statement for ``quantities`` (item id -> units) sent from ``form`` (the
    withdrawal page's HTML), checked, then confirmed; the confirmation's answer."""
    statement = {"csrf_token": csrf_of(form), "name": name, "email": email,
                 **{f"quantity-{item}": str(n) for item, n in quantities.items()}}  # fmt: skip
    checked = await web.post(f"/withdraw/orders/{order_id}", data=statement)
    assert checked.status_code == 200, checked.text
    return await web.post(f"/withdraw/orders/{order_id}/confirm", data=hidden_fields(checked.text))


async def find(web: httpx.AsyncClient, number: str, contact: str, shop: str = "") -> httpx.Response:
    query = f"?shop={shop}" if shop else ""
    page = await web.get(f"/returns{query}")
    token = csrf_of(page.text)
    return await web.post(
        f"/returns{query}", data={"order": number, "contact": contact, "csrf_token": token}
    )


async def open_order(web: httpx.AsyncClient, shop: Shop) -> httpx.Response:
    """Look the order up and follow the redirect to its items."""
    found = await find(web, shop.order.number, EMAIL)
    assert found.status_code == 303, found.text
    return await web.get(found.headers["location"])


async def post_items(
    web: httpx.AsyncClient,
    shop: Shop,
    page: httpx.Response,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    token = csrf_of(page.text)
    # The token is the first field, as the form has it: the server reads only that part.
    data = {"csrf_token": token, "draft": draft_of(page.text), **fields}
    return await web.post(
        f"/returns/orders/{shop.order.id}/items",
        data=data,
        files=files or {"unused": ("", b"", "application/octet-stream")},
        headers=headers,
    )


async def post_step(
    web: httpx.AsyncClient,
    shop: Shop,
    page: httpx.Response,
    step: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    data = {"draft": draft_of(page.text), "csrf_token": csrf_of(page.text), **(fields or {})}
    return await web.post(f"/returns/orders/{shop.order.id}/{step}", data=data, headers=headers)
