"""The shop's catalogue: products, their variants and stock, as exchanges need them.

A *product* is the group of variants sharing one ``product_ref`` (its SKU); a customer
exchanges an item only for another variant of the same product. The API, the CSV import
and the workspace screen all write through :func:`upsert_product` and :func:`set_stock`,
so the rules live here once:

* a variant's SKU is unique within the shop and belongs to one product for good (moving
  it to another product is refused: its orders and exchanges would change product);
* variants the caller does not list are left as they are (an exchange may reference
  them); to withdraw one, set its stock to 0;
* order items are linked to their variant by SKU, both ways: an order that arrives after
  the catalogue links at once (:func:`variant_ids_for`), and a catalogue loaded after the
  orders links the items already there (:func:`_link_existing_items`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Min

from portal.core.rows import select_rows
from portal.models import OrderItem, ProductVariant


class CatalogueError(ValueError):
    """A catalogue write that would break a rule above; the message says which."""


@dataclass(frozen=True, slots=True)
class VariantInput:
    """One variant as a caller describes it (API body, CSV row, form)."""

    sku: str
    price: Decimal
    options: dict[str, str] = field(default_factory=dict)
    #: None keeps the stock a known variant has (0 for a new one).
    stock: int | None = None
    image_url: str | None = None


@dataclass(frozen=True, slots=True)
class Product:
    """A product as read back: its SKU, title and variants (by SKU)."""

    sku: str
    title: str
    variants: list[ProductVariant]


async def upsert_product(
    merchant_id: int,
    product_sku: str,
    title: str,
    variants: Sequence[VariantInput],
    *,
    conn: BaseDBAsyncClient,
) -> tuple[Product, bool]:
    """Create or update a product and the variants listed; ``(product, created)``.

    Runs in the caller's transaction: a refused variant leaves nothing written.
    """
    skus = [v.sku for v in variants]
    if len(set(skus)) != len(skus):
        raise CatalogueError("The same variant SKU is listed twice.")
    existing = {
        v.sku: v
        for v in await ProductVariant.filter(merchant_id=merchant_id, sku__in=skus).using_db(conn)
    }
    for sku, held in existing.items():
        if held.product_ref != product_sku:
            raise CatalogueError(
                f"Variant {sku} belongs to product {held.product_ref}; "
                "a variant cannot move to another product."
            )
    created = (
        not await ProductVariant.filter(merchant_id=merchant_id, product_ref=product_sku)
        .using_db(conn)
        .exists()
    )
    for given in variants:
        variant = existing.get(given.sku)
        if variant is None:
            await ProductVariant.create(
                merchant_id=merchant_id,
                product_ref=product_sku,
                sku=given.sku,
                title=title,
                options=given.options,
                price=given.price,
                stock=given.stock or 0,
                image_url=given.image_url,
                using_db=conn,
            )
            continue
        variant.title = title
        variant.options = given.options
        variant.price = given.price
        variant.image_url = given.image_url
        if given.stock is not None:
            variant.stock = given.stock
        await variant.save(
            using_db=conn, update_fields=["title", "options", "price", "image_url", "stock"]
        )
    # Every variant of the product carries its title, listed or not.
    await (
        ProductVariant.filter(merchant_id=merchant_id, product_ref=product_sku)
        .using_db(conn)
        .update(title=title)
    )
    await _link_existing_items(merchant_id, skus, conn)
    product = await get_product(merchant_id, product_sku, conn=conn)
    if product is None:  # pragma: no cover - written just above in this transaction
        raise CatalogueError(f"Product {product_sku} has no variants.")
    return product, created


async def set_stock(
    merchant_id: int, sku: str, stock: int, *, conn: BaseDBAsyncClient
) -> ProductVariant | None:
    """Set a variant's stock on hand; None when the shop has no such SKU."""
    if stock < 0:
        raise CatalogueError("Stock cannot be negative.")
    variant = await ProductVariant.get_or_none(merchant_id=merchant_id, sku=sku, using_db=conn)
    if variant is None:
        return None
    variant.stock = stock
    await variant.save(using_db=conn, update_fields=["stock"])
    return variant


async def get_product(
    merchant_id: int, product_sku: str, *, conn: BaseDBAsyncClient | None = None
) -> Product | None:
    variants = (
        await ProductVariant.filter(merchant_id=merchant_id, product_ref=product_sku)
        .using_db(conn)
        .order_by("sku")
    )
    if not variants:
        return None
    return Product(sku=product_sku, title=variants[0].title, variants=list(variants))


def group_products(variants: Iterable[ProductVariant]) -> list[Product]:
    """Variants (any order) grouped into products, in order of product SKU."""
    grouped: dict[str, list[ProductVariant]] = {}
    for variant in variants:
        grouped.setdefault(variant.product_ref, []).append(variant)
    return [
        Product(sku=ref, title=rows[0].title, variants=sorted(rows, key=lambda v: v.sku))
        for ref, rows in sorted(grouped.items())
    ]


async def page_products(
    merchant_id: int, *, title: str = "", before: int | None = None, limit: int = 50
) -> tuple[list[Product], int | None]:
    """One page of products, newest first, and the cursor of the next page (None: last).

    A product's place is its first variant's id, which never changes, so pages stay
    stable while variants are added; ``before`` is the previous page's cursor.
    """
    firsts = (
        ProductVariant.filter(merchant_id=merchant_id)
        .annotate(first_id=Min("id"))
        .group_by("product_ref")
    )
    if title:
        firsts = firsts.filter(title__icontains=title)
    if before is not None:
        firsts = firsts.filter(first_id__lt=before)
    rows = (
        await firsts.order_by("-first_id").limit(limit + 1).values_list("product_ref", "first_id")
    )
    more = len(rows) > limit
    rows = rows[:limit]
    refs = [str(ref) for ref, _first in rows]
    variants = await ProductVariant.filter(merchant_id=merchant_id, product_ref__in=refs)
    by_ref = {p.sku: p for p in group_products(variants)}
    products = [by_ref[ref] for ref in refs if ref in by_ref]
    return products, (int(rows[-1][1]) if more and rows else None)


async def variant_ids_for(
    merchant_id: int, skus: Iterable[str], *, conn: BaseDBAsyncClient | None = None
) -> dict[str, int]:
    """The shop's variant id for each SKU it has, for linking new order items."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    rows = await select_rows(
        conn or ProductVariant._choose_db(),
        ProductVariant,
        ("sku", "id"),
        "sku",
        wanted,
        merchant_id=merchant_id,
    )
    return {str(row["sku"]): int(row["id"]) for row in rows}


async def _link_existing_items(
    merchant_id: int, skus: Sequence[str], conn: BaseDBAsyncClient
) -> None:
    """Link the shop's unlinked order items with these SKUs to their variants."""
    for sku, variant_id in (await variant_ids_for(merchant_id, skus, conn=conn)).items():
        await (
            OrderItem.filter(order__merchant_id=merchant_id, sku=sku, variant_id__isnull=True)
            .using_db(conn)
            .update(variant_id=variant_id)
        )
