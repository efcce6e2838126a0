"""``/products`` and ``/variants``: the catalogue a shop loads so exchanges can offer swaps.

``PUT /products/{sku}`` creates or updates one product with the variants listed (the rules
are :mod:`portal.catalogue`'s); ``PATCH /variants/{sku}`` sets one variant's stock, which is
what a shop's stock sync sends most often.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from tortoise.transactions import in_transaction

from portal import catalogue
from portal.api import pagination
from portal.api.errors import ApiError, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import component, nullable, obj, page_of, string
from portal.catalogue import CatalogueError, Product, VariantInput
from portal.models import ProductVariant

_SKU = string(minLength=1, maxLength=100, pattern="^[^/]+$")
_PRICE = {
    "type": ["string", "number"],
    "pattern": r"^\d{1,10}(\.\d{1,2})?$",
    "minimum": 0,
    "maximum": 9_999_999_999,
    "description": 'A decimal amount; send a string ("29.00") to avoid float rounding.',
}
_STOCK = {"type": "integer", "minimum": 0, "maximum": 10_000_000}
_OPTIONS = {
    "type": "object",
    "description": 'What tells the variants apart, e.g. {"size": "M", "colour": "blue"}.',
}
_IMAGE = string(format="uri", maxLength=500)

VARIANT_IN = component(
    "VariantInput",
    obj(
        {"sku": _SKU, "price": _PRICE},
        {"options": _OPTIONS, "stock": _STOCK, "image_url": _IMAGE},
    ),
)
PRODUCT_IN = component(
    "ProductInput",
    obj(
        {
            "title": string(minLength=1, maxLength=300),
            "variants": {"type": "array", "items": VARIANT_IN, "minItems": 1, "maxItems": 500},
        }
    ),
)
VARIANT = component(
    "Variant",
    obj(
        {
            "sku": string(),
            "product_sku": string(),
            "title": string(),
            "options": {"type": "object"},
            "price": string(),
            "stock": {"type": "integer", "description": "On hand."},
            "reserved": {"type": "integer", "description": "Held for exchanges."},
            "available": {"type": "integer", "description": "stock − reserved, never below 0."},
            "image_url": nullable(string()),
        }
    ),
)
PRODUCT = component(
    "Product",
    obj(
        {
            "sku": string(),
            "title": string(),
            "variants": {"type": "array", "items": VARIANT},
        }
    ),
)
STOCK_IN = component("VariantStockInput", obj({"stock": _STOCK}))


def variant_json(variant: ProductVariant) -> dict[str, Any]:
    return {
        "sku": variant.sku,
        "product_sku": variant.product_ref,
        "title": variant.title,
        "options": variant.options,
        "price": f"{Decimal(variant.price):.2f}",
        "stock": variant.stock,
        "reserved": variant.reserved,
        "available": max(0, variant.stock - variant.reserved),
        "image_url": variant.image_url,
    }


def product_json(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "title": product.title,
        "variants": [variant_json(v) for v in product.variants],
    }


def _options(raw: dict[str, Any]) -> dict[str, str]:
    return {str(k)[:50]: str(v)[:100] for k, v in raw.items()}


async def put_product(call: Call) -> Reply:
    sku = call.path["sku"]
    variants = [
        VariantInput(
            sku=v["sku"],
            price=Decimal(str(v["price"])),
            options=_options(v.get("options") or {}),
            stock=v.get("stock"),
            image_url=v.get("image_url"),
        )
        for v in call.body["variants"]
    ]
    try:
        async with in_transaction() as conn:
            product, created = await catalogue.upsert_product(
                call.merchant_id, sku, call.body["title"], variants, conn=conn
            )
    except CatalogueError as exc:
        raise ApiError(409, str(exc)) from None
    return Reply(
        201 if created else 200,
        product_json(product),
        location=f"/api/v1/products/{quote(sku, safe='')}" if created else None,
    )


async def get_product(call: Call) -> Reply:
    product = await catalogue.get_product(call.merchant_id, call.path["sku"])
    if product is None:
        raise not_found("product")
    return Reply(200, product_json(product))


async def list_products(call: Call) -> Reply:
    """Products newest first (:func:`portal.catalogue.page_products`)."""
    q = call.query
    before = (
        pagination.decode(call.settings.secret_key, "products", q["cursor"])
        if "cursor" in q
        else None
    )
    products, last = await catalogue.page_products(
        call.merchant_id, title=q.get("q", ""), before=before, limit=q["limit"]
    )
    next_cursor = (
        pagination.encode(call.settings.secret_key, "products", last) if last is not None else None
    )
    return Reply(200, {"data": [product_json(p) for p in products], "next_cursor": next_cursor})


async def patch_variant(call: Call) -> Reply:
    try:
        async with in_transaction() as conn:
            variant = await catalogue.set_stock(
                call.merchant_id, call.path["sku"], call.body["stock"], conn=conn
            )
    except CatalogueError as exc:
        raise ApiError(422, str(exc)) from None
    if variant is None:
        raise not_found("variant")
    return Reply(200, variant_json(variant))


async def get_variant(call: Call) -> Reply:
    variant = await ProductVariant.get_or_none(merchant_id=call.merchant_id, sku=call.path["sku"])
    if variant is None:
        raise not_found("variant")
    return Reply(200, variant_json(variant))


_PRODUCT_SKU = Param("sku", _SKU, "The product's SKU.", "path", True)
_VARIANT_SKU = Param("sku", _SKU, "The variant's SKU.", "path", True)

OPERATIONS = [
    Operation(
        "PUT",
        "/products/{sku}",
        "putProduct",
        "Create or update a product with its variants (variants not listed are kept)",
        "catalogue",
        put_product,
        {200: PRODUCT, 201: PRODUCT},
        body=PRODUCT_IN,
        params=(_PRODUCT_SKU,),
        errors=(409,),
    ),
    Operation(
        "GET",
        "/products",
        "listProducts",
        "List products with their variants, newest first",
        "catalogue",
        list_products,
        {200: page_of(PRODUCT)},
        params=(
            Param("limit", pagination.LIMIT_PARAM),
            Param("cursor", pagination.CURSOR_PARAM),
            Param("q", string(minLength=1, maxLength=100), "Only products whose title has this."),
        ),
    ),
    Operation(
        "GET",
        "/products/{sku}",
        "getProduct",
        "Get one product with its variants",
        "catalogue",
        get_product,
        {200: PRODUCT},
        params=(_PRODUCT_SKU,),
    ),
    Operation(
        "GET",
        "/variants/{sku}",
        "getVariant",
        "Get one variant with its stock",
        "catalogue",
        get_variant,
        {200: VARIANT},
        params=(_VARIANT_SKU,),
    ),
    Operation(
        "PATCH",
        "/variants/{sku}",
        "setVariantStock",
        "Set a variant's stock on hand",
        "catalogue",
        patch_variant,
        {200: VARIANT},
        body=STOCK_IN,
        params=(_VARIANT_SKU,),
    ),
]
