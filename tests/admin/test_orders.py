"""Orders: list, search, detail with items and shipments, tenant isolation."""

from __future__ import annotations

import httpx

from portal.models import ConsentChange, Customer
from tests import factories
from tests.admin.helpers import signed_in_owner


async def test_the_list_searches_the_merchants_orders(client: httpx.AsyncClient, db: str) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    mine = await factories.order(shop, number="#9001")
    await factories.order(shop, number="#9002")
    await factories.order(number="#9001-other")
    page = await client.get("/admin/orders", params={"q": "9001"})
    assert [o.id for o in page.context["orders"]] == [mine.id]


async def test_the_detail_lists_items_and_shipments(client: httpx.AsyncClient, db: str) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    order = await factories.order(shop)
    await factories.order_item(order, sku="TEE-1")
    await factories.shipment(shop, order=order)
    page = await client.get(f"/admin/orders/{order.id}")
    assert [i.sku for i in page.context["items"]] == ["TEE-1"]
    assert len(page.context["shipments"]) == 1


async def test_another_merchants_order_is_not_found(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    theirs = await factories.order()
    assert (await client.get(f"/admin/orders/{theirs.id}")).status_code == 404
    page = await client.get("/admin/orders", params={"q": theirs.number})
    assert page.context["orders"] == []


async def test_staff_see_and_change_consent_with_its_history(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    shop = await user.merchant
    customer = await factories.customer(shop, phone="+48601234567")
    order = await factories.order(shop, customer=customer)
    page = await client.get(f"/admin/orders/{order.id}")
    assert page.context["customer"].id == customer.id
    assert page.context["consent_history"] == []

    response = await client.post(
        f"/admin/customers/{customer.id}/consent?order={order.id}",
        data={"email_consent": "1", "sms_consent": "1", "csrf_token": token},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/orders/{order.id}?consent=saved"
    assert (await Customer.get(id=customer.id)).sms_opt_in is True
    page = await client.get(response.headers["location"])
    (change,) = page.context["consent_history"]
    assert (change.channel, change.granted, change.source, change.detail) == (
        "sms",
        True,
        "workspace",
        user.email,
    )
    assert "Consent saved" in page.text


async def test_another_shops_customer_consent_cannot_be_changed(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    theirs = await factories.customer(phone="+48601234567")
    response = await client.post(
        f"/admin/customers/{theirs.id}/consent",
        data={"sms_consent": "1", "csrf_token": token},
    )
    assert response.status_code == 404
    assert (await Customer.get(id=theirs.id)).sms_opt_in is False
    assert not await ConsentChange.exists()
