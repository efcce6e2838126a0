"""Reading a catalogue from a CSV file: one row per variant, every row checked first.

Columns (first row, any order): ``product_sku``, ``title``, ``sku``, ``price`` (required),
``stock``, ``image_url`` and any number of ``option_<name>`` columns (``option_size``,
``option_colour``) whose non-empty values become the variant's options. Prices take a
decimal comma or point. The file is all or nothing: :func:`parse` returns either products
to write or the errors, line by line, so a half-loaded catalogue never happens.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from portal.catalogue import VariantInput

REQUIRED = ("product_sku", "title", "sku", "price")
OPTIONAL = ("stock", "image_url")
OPTION_PREFIX = "option_"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
LIMITS = {"product_sku": 100, "sku": 100, "title": 300, "image_url": 500}


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one value: the file's line, the column and a code the page words."""

    line: int
    column: str
    code: str


@dataclass
class ProductRows:
    """One product's title and variants, as the file lists them."""

    title: str
    variants: list[VariantInput] = field(default_factory=list)


@dataclass
class Parsed:
    products: dict[str, ProductRows] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    #: A problem with the file as a whole (``encoding``, ``empty``, ``missing_columns``,
    #: ``too_many_rows``), or None.
    file_error: str | None = None

    @property
    def variant_count(self) -> int:
        return sum(len(p.variants) for p in self.products.values())


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _price(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        return None
    return value.quantize(Decimal("0.01"))


def _check(line: int, row: dict[str, str], errors: list[RowError]) -> VariantInput | None:
    found = len(errors)
    for column in REQUIRED:
        if not row.get(column):
            errors.append(RowError(line, column, "missing"))
    for column, limit in LIMITS.items():
        if len(row.get(column, "")) > limit:
            errors.append(RowError(line, column, "too_long"))
    if "/" in row.get("product_sku", "") or "/" in row.get("sku", ""):
        errors.append(RowError(line, "sku", "bad_sku"))
    price = _price(row.get("price", "")) if row.get("price") else None
    if row.get("price") and price is None:
        errors.append(RowError(line, "price", "bad_number"))
    stock: int | None = None
    if row.get("stock"):
        if not row["stock"].isdigit() or int(row["stock"]) > 10_000_000:
            errors.append(RowError(line, "stock", "bad_stock"))
        else:
            stock = int(row["stock"])
    image = row.get("image_url") or None
    if image and urlsplit(image).scheme not in ("http", "https"):
        errors.append(RowError(line, "image_url", "bad_url"))
    if len(errors) > found or price is None:
        return None
    options = {
        name[len(OPTION_PREFIX) :][:50]: value[:100]
        for name, value in row.items()
        if name.startswith(OPTION_PREFIX) and value
    }
    return VariantInput(sku=row["sku"], price=price, options=options, stock=stock, image_url=image)


def parse(data: bytes) -> Parsed:
    """Check every row of an uploaded catalogue file."""
    parsed = Parsed()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.file_error = "encoding"
        return parsed
    if not text.strip():
        parsed.file_error = "empty"
        return parsed
    seen: dict[str, int] = {}
    try:
        rows = list(_rows(text))
    except csv.Error:
        parsed.file_error = "csv"
        return parsed
    if not rows:
        parsed.file_error = "empty"
        return parsed
    if any(column not in rows[0][1] for column in REQUIRED):
        parsed.file_error = "missing_columns"
        return parsed
    if len(rows) > MAX_ROWS:
        parsed.file_error = "too_many_rows"
        return parsed
    for line, row in rows:
        variant = _check(line, row, parsed.errors)
        if variant is None:
            continue
        if variant.sku in seen:
            parsed.errors.append(RowError(line, "sku", "duplicate_in_file"))
            continue
        seen[variant.sku] = line
        product = parsed.products.setdefault(row["product_sku"], ProductRows(row["title"]))
        product.variants.append(variant)
    return parsed
