"""Bulk inserts (portal/core/rows.py): a row written with shared values and defaults
reads back exactly as one the ORM writes, on both engines."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from tortoise import connections

from portal.core.rows import _dumps, _json_value, insert_rows
from portal.models import (
    Channel,
    ConsentChange,
    ConsentSource,
    Customer,
    Merchant,
    Order,
    OrderItem,
    Platform,
    PlatformConnection,
    PlatformRecord,
    RecordKind,
)


async def test_shared_values_and_defaults_fill_every_row_that_leaves_them_out(db: str) -> None:
    shop = await Merchant.create(slug="rows", name="Rows")
    conn = connections.get("default")

    made = await insert_rows(
        conn,
        Customer,
        [{"email": "a@example.com", "name": "A"}, {"email": "b@example.com", "name": "B"}],
        shared={"merchant_id": shop.id},
        returning=("id", "email"),
    )

    ids = {row["email"]: int(row["id"]) for row in made}
    by_orm = await Customer.create(merchant_id=shop.id, email="c@example.com", name="C")
    written = await Customer.filter(id__in=list(ids.values())).order_by("email")
    assert [(c.merchant_id, c.email, c.name) for c in written] == [
        (shop.id, "a@example.com", "A"),
        (shop.id, "b@example.com", "B"),
    ]
    for customer in written:  # the defaults the ORM would have written
        assert (customer.email_opt_in, customer.sms_opt_in, customer.whatsapp_opt_in) == (
            by_orm.email_opt_in,
            by_orm.sms_opt_in,
            by_orm.whatsapp_opt_in,
        )
        assert customer.created_at is not None


async def test_a_row_may_give_a_shared_column_itself_and_rows_may_differ_in_keys(
    db: str,
) -> None:
    shop = await Merchant.create(slug="rows", name="Rows")
    customer = await Customer.create(merchant_id=shop.id, email="a@example.com")
    conn = connections.get("default")

    await insert_rows(
        conn,
        ConsentChange,
        [
            {"customer_id": customer.id, "channel": Channel.EMAIL},
            {"customer_id": customer.id, "channel": Channel.SMS, "detail": "own"},
        ],
        shared={"granted": True, "source": ConsentSource.PLATFORM, "detail": "shopify"},
    )

    changes = await ConsentChange.filter(customer_id=customer.id).order_by("channel")
    assert [(c.channel, c.granted, c.source, c.detail) for c in changes] == [
        (Channel.EMAIL, True, ConsentSource.PLATFORM, "shopify"),
        (Channel.SMS, True, ConsentSource.PLATFORM, "own"),
    ]


async def test_rows_that_need_nothing_back_read_back_as_the_orm_writes_them(db: str) -> None:
    """JSON, enum, time and decimal columns, given or shared, as the ORM writes them."""
    shop = await Merchant.create(slug="rows", name="Rows")
    store = await PlatformConnection.create(
        merchant=shop,
        platform=Platform.SHOPIFY,
        shop_url="rows.myshopify.com",
        credentials_encrypted="",
    )
    order = await Order.create(
        merchant=shop, number="#1", currency="EUR", placed_at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    conn = connections.get("default")
    seen = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)

    await insert_rows(
        conn,
        PlatformRecord,
        [
            {
                "external_id": "o-1",
                "local_id": order.id,
                "remote_updated_at": seen,
                "data": {"number": "#1", "line_items": {"SKU-1": "li-1"}},
            },
            {"external_id": "o-2", "local_id": order.id, "remote_updated_at": None, "data": {}},
        ],
        shared={"connection_id": store.id, "kind": RecordKind.ORDER},
    )
    await insert_rows(
        conn,
        OrderItem,
        [{"order_id": order.id, "sku": "SKU-1", "title": "Nano", "quantity": 2,
          "unit_price": Decimal("199.99"), "variant_options": {"Colour": "Green"}}],
    )  # fmt: skip

    records = await PlatformRecord.filter(connection_id=store.id).order_by("external_id")
    assert [(r.kind, r.local_id, r.remote_updated_at, r.data) for r in records] == [
        (RecordKind.ORDER, order.id, seen, {"number": "#1", "line_items": {"SKU-1": "li-1"}}),
        (RecordKind.ORDER, order.id, None, {}),
    ]
    item = await OrderItem.get(order_id=order.id)
    assert (item.sku, item.quantity, item.unit_price, item.variant_options) == (
        "SKU-1", 2, Decimal("199.99"), {"Colour": "Green"},
    )  # fmt: skip


def test_rows_are_sent_as_the_json_text_the_standard_library_writes() -> None:
    """PostgreSQL reads the rows from JSON text: orjson writes the same text json.dumps
    wrote (times aware and naive, dates, decimals, UUIDs, enums, keys that are numbers),
    and non-ASCII text that decodes to the same values."""
    when = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)
    rows = [
        {
            "placed_at": when,
            "naive": datetime(2026, 12, 2, 9, 30),
            "local": datetime(2026, 12, 2, 11, 30, tzinfo=timezone(timedelta(hours=2))),
            "day": date(2026, 12, 2),
            "price": Decimal("199.90"),
            "token": UUID("12345678-1234-5678-1234-567812345678"),
            "channel": Channel.SMS,
            "source": ConsentSource.PLATFORM,
            "data": {"line_items": {"SKU-1": "li-1"}, 7: [1, 2.5, None, True]},
            "count": 3,
        }
    ]
    standard = json.dumps(rows, default=_json_value, separators=(",", ":"))

    assert _dumps(rows) == standard
    text = [{"name": "Ζωή Παπαδοπούλου", "city": "Київ"}]
    assert json.loads(_dumps(text)) == json.loads(json.dumps(text)) == text


def test_a_value_json_cannot_say_is_refused_as_before() -> None:
    with pytest.raises(TypeError):
        _dumps([{"set": {1, 2}}])
