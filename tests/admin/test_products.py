"""The catalogue screen: a CSV loads products and variants whole or not at all, stock is
edited per variant, and each shop sees only its own catalogue."""

from __future__ import annotations

import httpx

from portal.models import OrderItem, ProductVariant
from tests import factories
from tests.admin.helpers import signed_in_owner

CATALOGUE = (
    b"product_sku;title;sku;price;stock;option_size;option_colour;image_url\n"
    b"TEE;Tee;TEE-S;29,00;4;S;blue;https://shop.example/tee-s.jpg\n"
    b"TEE;Tee;TEE-M;29.00;0;M;blue;\n"
    b"MUG;Mug;MUG-1;9.5;12;;;\n"
)


async def upload(client: httpx.AsyncClient, token: str, body: bytes) -> httpx.Response:
    return await client.post(
        "/admin/products/import",
        data={"csrf_token": token},
        files={"file": ("catalogue.csv", body, "text/csv")},
    )


async def test_a_csv_loads_products_variants_options_and_stock(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    response = await upload(client, token, CATALOGUE)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/products?loaded=3"
    tee_s = await ProductVariant.get(sku="TEE-S")
    assert (tee_s.product_ref, tee_s.title, str(tee_s.price), tee_s.stock) == (
        "TEE",
        "Tee",
        "29.00",
        4,
    )
    assert tee_s.options == {"size": "S", "colour": "blue"}
    assert tee_s.image_url == "https://shop.example/tee-s.jpg"
    assert (await ProductVariant.get(sku="MUG-1")).options == {}
    page = await client.get("/admin/products")
    assert [p.sku for p in page.context["products"]] == ["MUG", "TEE"]
    assert "TEE-M" in page.text


async def test_one_bad_row_saves_nothing_and_names_the_line(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    body = CATALOGUE + b"MUG;Mug;MUG-2;free;1;;;\nMUG;Mug;MUG-1;9;1;;;\n"
    response = await upload(client, token, body)
    assert response.status_code == 422
    errors = [(e["line"], e["column"]) for e in response.context["row_errors"]]
    assert errors == [(5, "price"), (6, "sku")]
    assert "Nothing was saved" in response.text
    assert not await ProductVariant.exists()


async def test_a_file_without_the_columns_is_refused(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    response = await upload(client, token, b"sku,price\nA,1\n")
    assert response.status_code == 422
    assert "product_sku, title, sku and price" in response.text
    assert (await upload(client, token, b"\xff\xfe\x00")).status_code == 422


async def test_the_catalogue_links_order_items_already_imported(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    order = await factories.order(await user.merchant)
    item = await factories.order_item(order, sku="TEE-M")
    await upload(client, token, CATALOGUE)
    assert (await OrderItem.get(id=item.id)).variant_id == (
        await ProductVariant.get(sku="TEE-M")
    ).id


async def test_stock_is_edited_per_variant(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    await upload(client, token, CATALOGUE)
    response = await client.post(
        "/admin/products/stock", data={"sku": "TEE-M", "stock": "7", "csrf_token": token}
    )
    assert response.status_code == 303
    assert (await ProductVariant.get(sku="TEE-M")).stock == 7
    bad = await client.post(
        "/admin/products/stock", data={"sku": "TEE-M", "stock": "-2", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert (await ProductVariant.get(sku="TEE-M")).stock == 7


async def test_another_shops_catalogue_is_neither_shown_nor_changed(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    other = await factories.merchant()
    await ProductVariant.create(
        merchant=other, product_ref="X", sku="X-1", title="Theirs", price="1.00", stock=3
    )
    page = await client.get("/admin/products")
    assert page.context["products"] == []
    response = await client.post(
        "/admin/products/stock", data={"sku": "X-1", "stock": "0", "csrf_token": token}
    )
    assert response.status_code == 404
    assert (await ProductVariant.get(sku="X-1")).stock == 3
