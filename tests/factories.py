"""Factories that create valid rows with sensible defaults; pass only what a test is about."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.events import ListenerContext
from portal.models import (
    CarrierAccount,
    Customer,
    Merchant,
    Order,
    OrderItem,
    ProductVariant,
    Shipment,
    StaffUser,
)
from portal.settings import Settings

_seq = itertools.count(1)


@cache
def app_settings() -> Settings:
    """The settings a process started from the test environment would have, for tests
    that cause domain events without caring which settings their listeners get."""
    return Settings.from_env()


def listener_context(conn: BaseDBAsyncClient, settings: Settings | None = None) -> ListenerContext:
    """What :func:`portal.events.emit` hands a listener, for tests that call one directly."""
    return ListenerContext(conn=conn, settings=settings or app_settings(), now=datetime.now(UTC))


def _n() -> int:
    return next(_seq)


async def merchant(**fields: Any) -> Merchant:
    n = _n()
    fields.setdefault("slug", f"shop-{n}")
    fields.setdefault("name", f"Shop {n}")
    return await Merchant.create(**fields)


async def staff_user(shop: Merchant | None = None, **fields: Any) -> StaffUser:
    from portal.security import hash_password

    shop = shop or await merchant()
    password = fields.pop("password", "correct horse battery staple")
    fields.setdefault("email", f"staff{_n()}@example.test")
    return await StaffUser.create(merchant=shop, password_hash=hash_password(password), **fields)


async def carrier_account(shop: Merchant | None = None, **fields: Any) -> CarrierAccount:
    from portal.crypto import encrypt_json
    from portal.settings import Settings

    shop = shop or await merchant()
    credentials = fields.pop("credentials", {"api_key": "test-key"})
    fields.setdefault("carrier_key", "sandbox")
    fields.setdefault("name", f"{fields['carrier_key']} {_n()}")
    settings = fields.pop("settings", None) or Settings.from_env()
    return await CarrierAccount.create(
        merchant=shop, credentials_encrypted=encrypt_json(settings, credentials), **fields
    )


async def customer(shop: Merchant | None = None, **fields: Any) -> Customer:
    shop = shop or await merchant()
    fields.setdefault("email", f"customer{_n()}@example.test")
    return await Customer.create(merchant=shop, **fields)


async def order(shop: Merchant | None = None, **fields: Any) -> Order:
    shop = shop or await merchant()
    fields.setdefault("number", f"#{1000 + _n()}")
    fields.setdefault("placed_at", datetime(2026, 11, 1, 12, tzinfo=UTC))
    fields.setdefault("email", f"buyer{_n()}@example.test")
    return await Order.create(merchant=shop, **fields)


async def order_item(parent: Order | None = None, **fields: Any) -> OrderItem:
    parent = parent or await order()
    fields.setdefault("sku", f"SKU-{_n()}")
    fields.setdefault("title", "T-shirt")
    fields.setdefault("unit_price", Decimal("25.00"))
    return await OrderItem.create(order=parent, **fields)


async def variant(shop: Merchant | None = None, **fields: Any) -> ProductVariant:
    shop = shop or await merchant()
    fields.setdefault("product_ref", "tshirt")
    fields.setdefault("sku", f"VAR-{_n()}")
    fields.setdefault("title", "T-shirt")
    fields.setdefault("price", Decimal("25.00"))
    return await ProductVariant.create(merchant=shop, **fields)


async def shipment(shop: Merchant | None = None, **fields: Any) -> Shipment:
    shop = shop or await merchant()
    fields.setdefault("carrier_key", "sandbox")
    fields.setdefault("tracking_number", f"SBX{_n():011d}")
    return await Shipment.create(merchant=shop, **fields)
