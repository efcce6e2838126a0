"""POST/GET /api/v1/orders: create with items, contact and address; read; list with filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from portal.core.currencies import local_currency
from portal.models import ConsentChange, Customer, Merchant, Order, OrderItem
from tests import factories

ORDER = {
    "number": "A-1001",
    "placed_at": "2026-11-20T10:00:00Z",
    "currency": "EUR",
    "customer": {"email": "Ann@Example.test", "phone": "+48 601 234 567", "name": "Ann"},
    "shipping_address": {"name": "Ann", "line1": "Main 1", "city": "Kraków", "country": "PL"},
    "items": [
        {"sku": "TS-1", "title": "T-shirt", "quantity": 2, "unit_price": "25.00"},
        {"sku": "MUG", "title": "Mug", "unit_price": 9.5, "final_sale": True},
    ],
}


def order(**changes: Any) -> dict[str, Any]:
    return {**ORDER, **changes}


async def test_it_creates_an_order_with_items_customer_and_address(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/orders", json=ORDER)
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/orders/A-1001"
    body = response.json()
    assert body["email"] == "ann@example.test"
    assert body["customer"]["phone"] == "+48601234567"
    assert body["shipping_address"]["city"] == "Kraków"
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in body["items"]] == [
        ("TS-1", 2, "25.00"),
        ("MUG", 1, "9.50"),
    ]
    stored = await Order.get(number="A-1001")
    assert stored.placed_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert await OrderItem.filter(order_id=stored.id).count() == 2
    assert await Customer.filter(email="ann@example.test").count() == 1


async def test_a_known_customer_is_reused(api: httpx.AsyncClient) -> None:
    await api.post("/api/v1/orders", json=ORDER)
    response = await api.post("/api/v1/orders", json=order(number="A-1002"))
    assert response.status_code == 201
    assert await Customer.all().count() == 1


async def test_it_reads_an_order_by_number(api: httpx.AsyncClient) -> None:
    await api.post("/api/v1/orders", json=order(number="#1001"))
    response = await api.get("/api/v1/orders/%231001")
    assert response.status_code == 200
    assert response.json()["number"] == "#1001"
    assert len(response.json()["items"]) == 2


async def test_a_duplicate_order_number_is_a_conflict(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/orders", json=ORDER)).status_code == 201
    response = await api.post("/api/v1/orders", json=ORDER)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_validation_lists_every_bad_field(api: httpx.AsyncClient) -> None:
    bad = order(items=[{"sku": "", "quantity": 0}], currency="euro", surprise=1)
    response = await api.post("/api/v1/orders", json=bad)
    assert response.status_code == 422
    pointers = {e["pointer"]: e["detail"] for e in response.json()["errors"]}
    assert pointers == {
        "/items/0/title": "is required",
        "/items/0/sku": "must not be empty",
        "/items/0/quantity": "must be at least 1",
        "/currency": "must match ^[A-Z]{3}$",
        "/surprise": "is not a known field",
    }


async def test_an_invalid_phone_number_is_a_field_error(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/orders", json=order(customer={"email": "a@b.test", "phone": "12"})
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "/customer/phone", "detail": "is not a valid phone number"}
    ]
    assert await Order.all().count() == 0


async def test_a_phone_without_its_country_code_is_read_as_the_shops_country(
    api: httpx.AsyncClient,
) -> None:
    """An order without a shipping address (collected in store) from a Greek shop: the
    mobile as Greeks type it is a Greek one, not refused."""
    await Merchant.all().update(country="GR")
    body = {k: v for k, v in ORDER.items() if k != "shipping_address"}
    response = await api.post(
        "/api/v1/orders",
        json={**body, "customer": {"email": "maria@example.test", "phone": "697 123 4567"}},
    )
    assert response.status_code == 201, response.text
    assert response.json()["customer"]["phone"] == "+306971234567"


async def test_it_lists_orders_newest_first_with_filters(api: httpx.AsyncClient) -> None:
    for n in range(3):
        contact = {"email": "x@shop.test"} if n == 1 else {"name": "Nameless"}
        created = await api.post("/api/v1/orders", json=order(number=f"L-{n}", customer=contact))
        assert created.status_code == 201
    everything = (await api.get("/api/v1/orders")).json()
    assert [o["number"] for o in everything["data"]] == ["L-2", "L-1", "L-0"]
    assert everything["next_cursor"] is None
    by_email = (await api.get("/api/v1/orders", params={"email": "X@shop.test"})).json()
    assert [o["number"] for o in by_email["data"]] == ["L-1"]
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert (await api.get("/api/v1/orders", params={"created_after": later})).json()["data"] == []
    assert (
        len((await api.get("/api/v1/orders", params={"created_before": later})).json()["data"]) == 3
    )


async def test_a_bad_filter_is_a_parameter_error(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/orders", params={"created_after": "yesterday", "limit": "x"})
    assert response.status_code == 422
    assert {e["parameter"] for e in response.json()["errors"]} == {"created_after", "limit"}


async def test_another_merchants_order_is_not_found(api: httpx.AsyncClient) -> None:
    other = await factories.order(await factories.merchant(), number="THEIRS")
    response = await api.get(f"/api/v1/orders/{other.number}")
    assert response.status_code == 404
    listed = await api.get("/api/v1/orders")
    assert listed.json()["data"] == []


async def test_the_same_number_at_another_merchant_is_fine(api: httpx.AsyncClient) -> None:
    await factories.order(await factories.merchant(), number="A-1001")
    assert (await api.post("/api/v1/orders", json=ORDER)).status_code == 201


async def test_consent_the_checkout_collected_is_recorded(api: httpx.AsyncClient) -> None:
    body = order(customer={**ORDER["customer"], "sms_consent": True})
    response = await api.post("/api/v1/orders", json=body)
    assert response.json()["customer"]["sms_consent"] is True
    assert response.json()["customer"]["email_consent"] is True
    customer = await Customer.get(email="ann@example.test")
    assert customer.sms_opt_in is True
    assert await ConsentChange.filter(customer_id=customer.id).values_list(
        "channel", "granted", "source"
    ) == [("sms", True, "api")]

    # A later order that withdraws it is recorded too; one that does not mention it changes nothing.
    withdrawn = order(number="A-1002", customer={**ORDER["customer"], "sms_consent": False})
    assert (await api.post("/api/v1/orders", json=withdrawn)).json()["customer"][
        "sms_consent"
    ] is False
    await api.post("/api/v1/orders", json=order(number="A-1003"))
    assert (await Customer.get(id=customer.id)).sms_opt_in is False
    assert await ConsentChange.filter(customer_id=customer.id).count() == 2


async def test_a_new_customer_without_consent_fields_gets_email_only(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/api/v1/orders", json=ORDER)
    assert response.json()["customer"]["email_consent"] is True
    assert response.json()["customer"]["sms_consent"] is False
    assert not await ConsentChange.exists()


async def test_whatsapp_consent_from_the_checkout_is_recorded(api: httpx.AsyncClient) -> None:
    body = order(customer={**ORDER["customer"], "whatsapp_consent": True})
    response = await api.post("/api/v1/orders", json=body)
    assert response.json()["customer"]["whatsapp_consent"] is True
    assert response.json()["customer"]["sms_consent"] is False
    customer = await Customer.get(email="ann@example.test")
    assert customer.whatsapp_opt_in is True
    assert await ConsentChange.filter(customer_id=customer.id).values_list(
        "channel", "granted", "source"
    ) == [("whatsapp", True, "api")]


async def test_delivery_preferences_are_taken_at_checkout_and_shown(api: httpx.AsyncClient) -> None:
    chosen = {"method": "pickup_point", "point_id": "PL-123", "preferred_days": ["sat"]}
    created = await api.post("/api/v1/orders", json=order(delivery_preferences=chosen))
    assert created.status_code == 201
    assert created.json()["delivery_preferences"] == {
        "method": "pickup_point",
        "point_id": "PL-123",
        "safe_place": None,
        "instructions": None,
        "preferred_days": ["sat"],
    }


async def test_a_locker_without_its_id_is_a_field_error(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/orders", json=order(delivery_preferences={"method": "locker"})
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "pointer": "/delivery_preferences/point_id",
            "detail": "is required for delivery to a locker",
        }
    ]
    assert await Order.all().count() == 0


async def test_the_shop_replaces_the_preferences_and_the_change_is_an_event(
    api: httpx.AsyncClient,
) -> None:
    from portal.event_catalogue import ORDER_DELIVERY_PREFERENCES_CHANGED
    from portal.models import DomainEvent

    await api.post("/api/v1/orders", json=order())
    path = "/api/v1/orders/A-1001/delivery-preferences"
    changed = await api.put(path, json={"safe_place": "Behind the gate"})
    assert changed.status_code == 200
    assert changed.json()["delivery_preferences"]["safe_place"] == "Behind the gate"
    again = await api.put(path, json={"safe_place": "Behind the gate"})
    assert again.status_code == 200
    [event] = await DomainEvent.filter(kind=ORDER_DELIVERY_PREFERENCES_CHANGED)
    assert event.payload["source"] == "api"
    assert (await api.put("/api/v1/orders/NOPE/delivery-preferences", json={})).status_code == 404


async def test_an_order_without_a_currency_is_in_the_shops_countrys(
    api: httpx.AsyncClient, shop: Any
) -> None:
    """Bulgaria prices in euros from 1 January 2026 (CLDR, through Babel), not in leva."""
    untold = {k: v for k, v in ORDER.items() if k != "currency"}
    shop.country = "BG"
    await shop.save(update_fields=["country"])
    bulgarian = await api.post("/api/v1/orders", json={**untold, "number": "BG-1"})
    shop.country = "RO"
    await shop.save(update_fields=["country"])
    romanian = await api.post("/api/v1/orders", json={**untold, "number": "RO-1"})
    shop.country = None
    await shop.save(update_fields=["country"])
    nowhere = await api.post("/api/v1/orders", json={**untold, "number": "X-1"})

    assert [r.json()["currency"] for r in (bulgarian, romanian, nowhere)] == ["EUR", "RON", "USD"]


def test_a_bulgarian_order_before_2026_was_in_leva() -> None:
    assert local_currency("BG", date(2025, 12, 31)) == "BGN"
    assert local_currency("BG", date(2026, 1, 1)) == "EUR"


async def test_free_form_item_options_keep_what_json_writes(api: httpx.AsyncClient) -> None:
    """An item's ``variant_options`` is the client's own object: an integer beyond 64 bits
    is stored as sent, as the standard library writes it (orjson, installed for the store
    sync, refuses it; the models' JSON columns keep ``json``)."""
    item = {"sku": "V", "title": "Vase", "variant_options": {"batch": 2**70, "size": "M"}}
    response = await api.post("/api/v1/orders", json=order(number="A-J", items=[item]))
    assert response.status_code == 201, response.text
    [stored] = await OrderItem.filter(order__number="A-J")
    assert stored.variant_options == {"batch": 2**70, "size": "M"}
