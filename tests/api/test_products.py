"""The catalogue through the API: products with variants, stock, and order items linked by SKU."""

from __future__ import annotations

from typing import Any

import httpx

from portal.models import Merchant, OrderItem, ProductVariant
from tests import factories
from tests.api.conftest import api_client, make_key

TEE = {
    "title": "Tee",
    "variants": [
        {"sku": "TEE-M", "options": {"size": "M"}, "price": "29.00", "stock": 5},
        {
            "sku": "TEE-L",
            "options": {"size": "L"},
            "price": 29,
            "stock": 0,
            "image_url": "https://shop.example/tee-l.jpg",
        },
    ],
}


def tee(**changes: Any) -> dict[str, Any]:
    return {**TEE, **changes}


async def test_it_creates_a_product_with_its_variants(api: httpx.AsyncClient) -> None:
    response = await api.put("/api/v1/products/TEE", json=TEE)
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/products/TEE"
    body = response.json()
    assert body["sku"] == "TEE" and body["title"] == "Tee"
    assert [(v["sku"], v["options"], v["price"], v["stock"]) for v in body["variants"]] == [
        ("TEE-L", {"size": "L"}, "29.00", 0),
        ("TEE-M", {"size": "M"}, "29.00", 5),
    ]
    assert body["variants"][0]["image_url"] == "https://shop.example/tee-l.jpg"
    assert await ProductVariant.filter(product_ref="TEE").count() == 2


async def test_putting_it_again_updates_and_keeps_unlisted_variants(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/api/v1/products/TEE", json=TEE)
    response = await api.put(
        "/api/v1/products/TEE",
        json=tee(
            title="Organic tee",
            variants=[{"sku": "TEE-M", "options": {"size": "M"}, "price": "31.50"}],
        ),
    )
    assert response.status_code == 200
    variants = {v["sku"]: v for v in response.json()["variants"]}
    assert variants["TEE-M"]["price"] == "31.50"
    assert variants["TEE-M"]["stock"] == 5, "a variant sent without stock keeps its stock"
    assert variants["TEE-L"]["title"] == "Organic tee"


async def test_a_variant_cannot_move_to_another_product(api: httpx.AsyncClient) -> None:
    await api.put("/api/v1/products/TEE", json=TEE)
    response = await api.put(
        "/api/v1/products/HOODIE",
        json={"title": "Hoodie", "variants": [{"sku": "TEE-M", "price": "50.00"}]},
    )
    assert response.status_code == 409
    assert "TEE-M" in response.json()["detail"]
    assert not await ProductVariant.filter(product_ref="HOODIE").exists()


async def test_bad_bodies_are_refused_and_nothing_is_written(api: httpx.AsyncClient) -> None:
    for body in (
        {"title": "Tee", "variants": []},
        {"title": "Tee", "variants": [{"sku": "X", "price": "-1"}]},
        {"title": "Tee", "variants": [{"sku": "X", "price": "1", "stock": -3}]},
        {"variants": [{"sku": "X", "price": "1"}]},
    ):
        response = await api.put("/api/v1/products/TEE", json=body)
        assert response.status_code == 422, body
    duplicate = {"title": "Tee", "variants": [{"sku": "X", "price": "1"}] * 2}
    assert (await api.put("/api/v1/products/TEE", json=duplicate)).status_code == 409
    assert not await ProductVariant.exists()


async def test_stock_is_set_per_variant(api: httpx.AsyncClient) -> None:
    await api.put("/api/v1/products/TEE", json=TEE)
    response = await api.patch("/api/v1/variants/TEE-L", json={"stock": 3})
    assert response.status_code == 200
    assert response.json()["stock"] == 3 and response.json()["available"] == 3
    assert (await api.get("/api/v1/variants/TEE-L")).json()["stock"] == 3
    assert (await api.patch("/api/v1/variants/NOPE", json={"stock": 3})).status_code == 404
    assert (await api.patch("/api/v1/variants/TEE-L", json={"stock": -1})).status_code == 422


async def test_products_are_listed_newest_first_across_pages(api: httpx.AsyncClient) -> None:
    for n in range(3):
        await api.put(
            f"/api/v1/products/P{n}",
            json={"title": f"Product {n}", "variants": [{"sku": f"P{n}-A", "price": "1"}]},
        )
    first = (await api.get("/api/v1/products", params={"limit": 2})).json()
    assert [p["sku"] for p in first["data"]] == ["P2", "P1"]
    second = (
        await api.get("/api/v1/products", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert [p["sku"] for p in second["data"]] == ["P0"]
    assert second["next_cursor"] is None
    found = (await api.get("/api/v1/products", params={"q": "duct 1"})).json()
    assert [p["sku"] for p in found["data"]] == ["P1"]
    assert (await api.get("/api/v1/products/P1")).json()["title"] == "Product 1"
    assert (await api.get("/api/v1/products/NOPE")).status_code == 404


async def test_order_items_link_to_variants_by_sku_in_either_order(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/api/v1/products/TEE", json=TEE)
    order = {
        "number": "A-1",
        "email": "ann@example.test",
        "items": [
            {"sku": "TEE-M", "title": "Tee M", "unit_price": "29.00"},
            {"sku": "MUG", "title": "Mug", "unit_price": "9.00"},
        ],
    }
    assert (await api.post("/api/v1/orders", json=order)).status_code == 201
    links = dict(await OrderItem.all().values_list("sku", "variant_id"))
    tee_m = await ProductVariant.get(sku="TEE-M")
    assert links == {"TEE-M": tee_m.id, "MUG": None}

    # The catalogue arriving after the order links the items already there.
    await api.put(
        "/api/v1/products/MUG", json={"title": "Mug", "variants": [{"sku": "MUG", "price": "9"}]}
    )
    mug = await ProductVariant.get(sku="MUG")
    assert (await OrderItem.get(sku="MUG")).variant_id == mug.id


async def test_one_shop_never_sees_or_changes_another_shops_catalogue(
    api: httpx.AsyncClient, api_app: Any, shop: Merchant
) -> None:
    await api.put("/api/v1/products/TEE", json=TEE)
    other = await factories.merchant(slug="other-shop")
    async with api_client(api_app, await make_key(other)) as theirs:
        assert (await theirs.get("/api/v1/products/TEE")).status_code == 404
        assert (await theirs.patch("/api/v1/variants/TEE-M", json={"stock": 0})).status_code == 404
        assert (await theirs.get("/api/v1/products")).json()["data"] == []
        # The same SKUs are theirs to use.
        assert (await theirs.put("/api/v1/products/TEE", json=TEE)).status_code == 201
    assert (await ProductVariant.get(merchant_id=shop.id, sku="TEE-M")).stock == 5
