"""CSV import of orders, items and shipments: parse to a staging file, then write all or nothing.

One CSV row per order item. Columns (header row required, any order, ``,`` or ``;``):
``order_number, order_date, email, phone, name, address_line1, address_line2, city, region,
postal_code, country, currency, sku, title, quantity, unit_price, final_sale, category,
tracking_number, carrier, carrier_account``. Required: order_number, order_date, sku,
title, quantity, unit_price. Dates are ISO (``2026-11-02`` or
``2026-11-02T14:30:00+01:00``; no zone = UTC).
``carrier_account`` names the shop's account of the row's carrier to poll the parcel with
(its name, without regard to case); left empty, the carrier's default or only account
polls it.

Parsing streams the upload through :mod:`csv` and keeps every row in a SQLite staging file
under ``var_dir/imports`` (never in memory or the session), so 100k rows use flat memory
and any web process on the host can show the preview. Nothing touches the portal's
database until :func:`commit`, which writes every valid row in one transaction.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Collection, Iterator
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from carriers import detection, registry
from portal.core import delivery_preferences
from portal.core.currencies import local_currency
from portal.core.phones import to_e164
from portal.platforms.carrier_names import carrier_key, home_carriers

COLUMNS = (
    "order_number", "order_date", "email", "phone", "name", "address_line1", "address_line2",
    "city", "region", "postal_code", "country", "currency", "sku", "title", "quantity",
    "unit_price", "final_sale", "category", "tracking_number", "carrier", "carrier_account",
    "email_consent",
    "sms_consent", "delivery_method", "pickup_point_id", "safe_place", "delivery_instructions",
    "preferred_days",
)  # fmt: skip
#: CSV column -> delivery preference (:mod:`portal.core.delivery_preferences`).
PREFERENCE_COLUMNS = {"delivery_method": "method", "pickup_point_id": "point_id",
                      "safe_place": "safe_place", "delivery_instructions": "instructions",
                      "preferred_days": "preferred_days"}  # fmt: skip
REQUIRED = ("order_number", "order_date", "sku", "title", "quantity", "unit_price")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 20
SHOWN_ERRORS = 200
PROGRESS_EVERY = 2000
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TRUE = {"1", "true", "yes", "y", "x"}
_FALSE = {"", "0", "false", "no", "n"}
LIMITS = {"order_number": 64, "sku": 100, "title": 300, "name": 200, "category": 100,
          "address_line1": 200, "address_line2": 200, "city": 100, "region": 100,
          "postal_code": 20, "carrier_account": 200}  # fmt: skip

SCHEMA = """
CREATE TABLE rows (line INTEGER PRIMARY KEY, order_number TEXT, sku TEXT, tracking TEXT,
                   carrier TEXT, account TEXT, data TEXT, bad INTEGER DEFAULT 0);
CREATE INDEX rows_order ON rows(order_number, sku);
CREATE INDEX rows_tracking ON rows(tracking, carrier);
CREATE TABLE errors (line INTEGER, col TEXT, code TEXT, value TEXT);
"""


def staging_dir(var_dir: Path, merchant_id: int, token: str) -> Path:
    """Per-merchant folders: another merchant's token never resolves."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
        raise FileNotFoundError(token)
    return Path(var_dir) / "imports" / str(merchant_id) / token


def read_state(folder: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    return state


def write_state(folder: Path, state: dict[str, Any]) -> None:
    """Atomic replace: a reader in another process never sees half a file."""
    tmp = folder / "state.json.tmp"
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, folder / "state.json")


def sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return ";" if first.count(";") > first.count(",") else ","


def parse_date(text: str) -> datetime | None:
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_decimal(text: str) -> Decimal | None:
    """``12.50`` or ``12,50`` (decimal comma); no thousands separators; not negative."""
    text = text.strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        return None
    return value.quantize(Decimal("0.01"))


def carrier_for(
    number: str,
    given: str,
    available: set[str],
    *,
    country: str | None = None,
    accounts: Collection[str] = (),
) -> str | None:
    """The named carrier when installed (a key, or a store's name for it as
    :func:`~portal.platforms.carrier_names.carrier_key` reads it for the shop's country
    and accounts), else the best detected one, else None. Of carriers detected alike, the
    only one the shop has an account for, else the only one of its country, is taken."""
    named = carrier_key(given, available, country=country, accounts=accounts)
    if named is not None:
        return named
    candidates = [key for key, _confidence in detection.detect(number) if key in available]
    for preferred in (accounts, home_carriers(country)):
        chosen = [key for key in candidates if key in preferred]
        if len(chosen) == 1:
            return chosen[0]
    return candidates[0] if candidates else None


def check_row(
    row: dict[str, str],
    available: set[str],
    *,
    shop_country: str | None = None,
    accounts: Collection[str] = (),
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Clean values and (column, error code) pairs for one CSV row; ``shop_country`` and
    ``accounts`` (carrier keys) are the shop's, for :func:`carrier_for` (the row's own
    ``country`` is the customer's). The shop's country also reads a phone number written
    without its country code when the row has no ``country``, and names the currency of
    a row without one."""
    errors: list[tuple[str, str]] = []
    v = {k: (row.get(k) or "").strip() for k in COLUMNS}
    for column in REQUIRED:
        if not v[column]:
            errors.append((column, "missing"))
    for column, limit in LIMITS.items():
        if len(v[column]) > limit:
            errors.append((column, "too_long"))
    if "/" in v["order_number"]:  # the API's /orders/{number} could never address it
        errors.append(("order_number", "slash_in_number"))
    placed = parse_date(v["order_date"]) if v["order_date"] else None
    if v["order_date"] and placed is None:
        errors.append(("order_date", "bad_date"))
    try:
        quantity = int(v["quantity"]) if v["quantity"] else 0
        if v["quantity"] and not 1 <= quantity <= 100000:
            raise ValueError
    except ValueError:
        errors.append(("quantity", "bad_quantity"))
        quantity = 0
    price = parse_decimal(v["unit_price"]) if v["unit_price"] else None
    if v["unit_price"] and price is None:
        errors.append(("unit_price", "bad_number"))
    final = v["final_sale"].lower()
    if final not in _TRUE | _FALSE:
        errors.append(("final_sale", "bad_bool"))
    consent: dict[str, bool | None] = {}
    for column in ("email_consent", "sms_consent"):
        answer = v[column].lower()
        if answer not in _TRUE | _FALSE:
            errors.append((column, "bad_bool"))
        consent[column] = (answer in _TRUE) if answer else None
    if v["email"] and (len(v["email"]) > 254 or not _EMAIL.fullmatch(v["email"])):
        errors.append(("email", "bad_email"))
    country = v["country"].upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        errors.append(("country", "bad_country"))
    currency = (v["currency"] or local_currency(shop_country)).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors.append(("currency", "bad_currency"))
    phone = None
    if v["phone"]:
        # without its country code: the customer's country's number, else the shop's
        phone = to_e164(v["phone"], country or shop_country)
        if phone is None:
            errors.append(("phone", "bad_phone"))
    tracking = detection.normalise(v["tracking_number"]) if v["tracking_number"] else ""
    carrier = None
    if tracking:
        if not detection.is_plausible(tracking):
            errors.append(("tracking_number", "bad_tracking"))
        else:
            carrier = carrier_for(
                tracking, v["carrier"], available, country=shop_country, accounts=accounts
            )
            if carrier is None:
                errors.append(("carrier", "unknown_carrier"))
    preferences = None
    if any(v[column] for column in PREFERENCE_COLUMNS):
        try:
            preferences = delivery_preferences.clean(
                {key: v[column] or None for column, key in PREFERENCE_COLUMNS.items()}
            )
        except delivery_preferences.PreferencesError as exc:
            column = next((c for c, k in PREFERENCE_COLUMNS.items() if k == exc.field), "")
            errors.append((column or "delivery_method", "bad_preferences"))
    clean = {
        **{k: v[k] for k in ("order_number", "name", "sku", "title", "category")},
        **{k: v[k] for k in ("address_line1", "address_line2", "city", "region", "postal_code")},
        "email": v["email"].lower(), "phone": phone, "country": country, "currency": currency,
        "placed_at": placed.isoformat() if placed else None, "quantity": quantity,
        "unit_price": str(price) if price is not None else None, "final_sale": final in _TRUE,
        "tracking": tracking, "carrier": carrier, **consent,
        "carrier_account": v["carrier_account"] if tracking else "",
        "delivery_preferences": preferences,
    }  # fmt: skip
    return clean, errors


def _rows(text: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number of the row's start, row) pairs; raises ValueError on a bad header."""
    sample = text.read(64 * 1024)
    text.seek(0)
    reader = csv.reader(text, delimiter=sniff_delimiter(sample))
    header = next(reader, None)
    if header is None:
        raise ValueError("empty")
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    if any(column not in names for column in REQUIRED):
        raise ValueError("missing_columns")
    line = reader.line_num + 1
    for values in reader:
        if any(cell.strip() for cell in values):
            yield line, dict(zip(names, values, strict=False))
        line = reader.line_num + 1


def parse(
    folder: Path,
    upload: Path,
    available: set[str] | None = None,
    *,
    country: str | None = None,
    accounts: Collection[str] = (),
) -> dict[str, Any]:
    """Stage ``upload`` into ``folder/staging.sqlite3``, updating ``state.json`` as it goes.
    ``country`` and ``accounts`` (carrier keys) are the shop's: they read a ``carrier``
    cell such as "DPD" (:func:`carrier_for`).

    File-level problems (not UTF-8, no header) end with status ``failed``; row problems
    are recorded per row. Duplicates within the file are caught here; against the
    portal's database by :func:`mark_existing` afterwards.
    """
    available = available if available is not None else set(registry.available())
    total = upload.stat().st_size
    state: dict[str, Any] = {"status": "parsing", "bytes_total": total, "bytes_read": 0, "rows": 0}
    write_state(folder, state)
    db_path = folder / "staging.sqlite3"
    db_path.unlink(missing_ok=True)
    with closing(sqlite3.connect(db_path)) as db, upload.open("rb") as raw:
        db.executescript(SCHEMA)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            for line, row in _rows(text):
                checked = check_row(row, available, shop_country=country, accounts=accounts)
                _stage(db, line, row, checked)
                state["rows"] += 1
                if state["rows"] % PROGRESS_EVERY == 0:
                    db.commit()
                    state["bytes_read"] = raw.tell()
                    write_state(folder, state)
        except UnicodeDecodeError:
            state.update(status="failed", error="encoding")
        except (ValueError, csv.Error) as exc:
            state.update(
                status="failed",
                error=str(exc) if str(exc) in ("empty", "missing_columns") else "csv",
            )
        db.commit()
    if state["status"] == "parsing":
        state.update(status="checking", bytes_read=total)
    write_state(folder, state)
    return state


def _stage(
    db: sqlite3.Connection,
    line: int,
    row: dict[str, str],
    checked: tuple[dict[str, Any], list[tuple[str, str]]],
) -> None:
    clean, errors = checked
    number, sku, tracking = clean["order_number"], clean["sku"], clean["tracking"]
    if (
        number
        and sku
        and db.execute(
            "SELECT 1 FROM rows WHERE order_number = ? AND sku = ? LIMIT 1", (number, sku)
        ).fetchone()
    ):
        errors.append(("sku", "duplicate_in_file"))
    if (
        tracking
        and clean["carrier"]
        and db.execute(
            "SELECT 1 FROM rows WHERE tracking = ? AND carrier = ? AND order_number <> ? LIMIT 1",
            (tracking, clean["carrier"], number),
        ).fetchone()
    ):
        errors.append(("tracking_number", "tracking_in_two_orders"))
    db.execute(
        "INSERT INTO rows (line, order_number, sku, tracking, carrier, account, data, bad) "
        "VALUES (?,?,?,?,?,?,?,?)",
        (
            line,
            number,
            sku,
            tracking,
            clean["carrier"],
            clean["carrier_account"],
            json.dumps(clean),
            int(bool(errors)),
        ),
    )
    for column, code in errors:
        db.execute(
            "INSERT INTO errors (line, col, code, value) VALUES (?,?,?,?)",
            (line, column, code, (row.get(column) or "")[:80]),
        )


def open_staging(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(folder / "staging.sqlite3")


def summary(folder: Path) -> dict[str, Any]:
    """Counts, the first errors and the first valid rows, for the preview page."""
    with closing(open_staging(folder)) as db:
        total = db.execute("SELECT count(*) FROM rows").fetchone()[0]
        bad = db.execute("SELECT count(*) FROM rows WHERE bad = 1").fetchone()[0]
        skipped = db.execute(
            "SELECT count(*) FROM rows WHERE bad = 0 AND order_number IN "
            "(SELECT order_number FROM rows WHERE bad = 1)"
        ).fetchone()[0]
        errors = db.execute(
            "SELECT line, col, code, value FROM errors ORDER BY line LIMIT ?", (SHOWN_ERRORS,)
        ).fetchall()
        preview = [
            json.loads(data)
            for (data,) in db.execute(
                "SELECT data FROM rows WHERE bad = 0 ORDER BY line LIMIT ?", (PREVIEW_ROWS,)
            )
        ]
        orders = db.execute(
            "SELECT count(DISTINCT order_number) FROM rows WHERE order_number NOT IN "
            "(SELECT order_number FROM rows WHERE bad = 1)"
        ).fetchone()[0]
    return {
        "total": total,
        "invalid": bad,
        "skipped": skipped,
        "importable": total - bad - skipped,
        "orders": orders,
        "errors": [dict(zip(("line", "column", "code", "value"), e, strict=True)) for e in errors],
        "preview": preview,
    }


def purge_stale(var_dir: Path, older_than: float = 24 * 3600, now: float | None = None) -> int:
    """Delete staging folders untouched for ``older_than`` seconds; returns how many.

    Scheduler job (hourly): staged files hold customer data and should not linger.
    """
    now = time.time() if now is None else now
    removed = 0
    for folder in (Path(var_dir) / "imports").glob("*/*"):
        state = folder / "state.json"
        stamp = state.stat().st_mtime if state.exists() else folder.stat().st_mtime
        if now - stamp > older_than:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
