"""Catalogue screen: products with their variants and stock, stock edits, and a CSV upload.

Every write goes through :mod:`portal.catalogue` (the rules the API follows too); the CSV is
checked whole before anything is written (:mod:`portal.catalogue_csv`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.transactions import in_transaction

from portal import catalogue, catalogue_csv
from portal.admin.auth import render, require_staff, staff_of
from portal.catalogue import CatalogueError
from portal.i18n import _, lazy

PAGE_SIZE = 50

ROW_ERRORS = {
    "missing": lazy("This value is required."),
    "too_long": lazy("This value is too long."),
    "bad_sku": lazy("A SKU cannot contain “/”."),
    "bad_number": lazy("Not a price. Use 12.50 or 12,50."),
    "bad_stock": lazy("Not a whole number from 0."),
    "bad_url": lazy("Not a web address starting with https://."),
    "duplicate_in_file": lazy("The same SKU appears earlier in the file."),
}
FILE_ERRORS = {
    "encoding": lazy("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."),
    "empty": lazy("The file is empty."),
    "missing_columns": lazy(
        "The first row must name the columns, including product_sku, title, sku and price."
    ),
    "csv": lazy("The file could not be read as CSV."),
    "too_many_rows": lazy("The file has more than 20,000 rows. Split it and upload each part."),
    "too_large": lazy("The file is larger than 5 MB. Split it and upload each part."),
    "no_file": lazy("Choose a CSV file to upload."),
}


async def _render_list(request: Request, status: int = 200, **extra: Any) -> Response:
    merchant = staff_of(request).merchant
    q = request.query_params.get("q", "").strip()[:100]
    after_text = request.query_params.get("after", "")
    after = int(after_text) if after_text.isdigit() else 0
    products, next_cursor = await catalogue.page_products(
        merchant.id, title=q, before=after or None, limit=PAGE_SIZE
    )
    context = {
        "products": products,
        "q": q,
        "next_cursor": next_cursor,
        "saved": request.query_params.get("saved"),
        "loaded": request.query_params.get("loaded"),
        "columns": (*catalogue_csv.REQUIRED, *catalogue_csv.OPTIONAL, "option_size"),
        **extra,
    }
    return render(request, "admin/products.html", context, status=status)


@require_staff()
async def list_products(request: Request) -> Response:
    return await _render_list(request)


@require_staff()
async def set_stock(request: Request) -> Response:
    merchant = staff_of(request).merchant
    form = await request.form()
    sku = str(form.get("sku", ""))
    text = str(form.get("stock", "")).strip()
    if not text.isdigit() or int(text) > 10_000_000:
        return await _render_list(
            request, status=422, stock_error=_("Not a whole number from 0."), stock_sku=sku
        )
    async with in_transaction() as conn:
        variant = await catalogue.set_stock(merchant.id, sku, int(text), conn=conn)
    if variant is None:
        return await _render_list(request, status=404, stock_error=_("No such SKU."), stock_sku=sku)
    return RedirectResponse(f"/admin/products?saved={variant.sku}", status_code=303)


@require_staff()
async def upload(request: Request) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > catalogue_csv.MAX_BYTES + 64 * 1024:
        return await _render_list(request, status=413, file_error=FILE_ERRORS["too_large"])
    async with request.form(max_files=1, max_fields=3) as form:
        file = form.get("file")
        if file is None or isinstance(file, str) or not file.filename:
            return await _render_list(request, status=400, file_error=FILE_ERRORS["no_file"])
        data = await file.read(catalogue_csv.MAX_BYTES + 1)
    if len(data) > catalogue_csv.MAX_BYTES:
        return await _render_list(request, status=413, file_error=FILE_ERRORS["too_large"])
    parsed = catalogue_csv.parse(data)
    if parsed.file_error:
        return await _render_list(request, status=422, file_error=FILE_ERRORS[parsed.file_error])
    if parsed.errors:
        errors = [
            {"line": e.line, "column": e.column, "message": ROW_ERRORS[e.code]}
            for e in parsed.errors[:200]
        ]
        return await _render_list(request, status=422, row_errors=errors)
    merchant = staff_of(request).merchant
    try:
        async with in_transaction() as conn:
            for product_sku, rows in parsed.products.items():
                await catalogue.upsert_product(
                    merchant.id, product_sku, rows.title, rows.variants, conn=conn
                )
    except CatalogueError as exc:
        return await _render_list(request, status=409, file_error=str(exc))
    return RedirectResponse(f"/admin/products?loaded={parsed.variant_count}", status_code=303)
