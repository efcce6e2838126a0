"""CSV parsing and staging: delimiters, BOM, quoted newlines, row errors, duplicates,
carrier detection — and flat memory for a 100k-row file."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from portal.admin import csv_import, import_commit
from portal.models import Order, OrderItem, Shipment
from tests import factories

HEADER = "order_number,order_date,email,sku,title,quantity,unit_price,tracking_number,carrier\n"
UPS = "1Z999AA10123456784"


def _stage(tmp_path: Path, text: str | bytes) -> tuple[Path, dict]:
    folder = tmp_path / "stage"
    folder.mkdir(exist_ok=True)
    upload = folder / "upload.csv"
    upload.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    state = csv_import.parse(folder, upload, available={"sandbox", "ups", "fedex", "usps", "dhl"})
    return folder, state


def _codes(folder: Path) -> list[tuple[int, str, str]]:
    return [(e["line"], e["column"], e["code"]) for e in csv_import.summary(folder)["errors"]]


def test_a_clean_file_is_staged(tmp_path: Path) -> None:
    folder, state = _stage(
        tmp_path, HEADER + "#1,2026-11-02,a@example.test,TEE,T-shirt,2,12.50,SBX1234567,sandbox\n"
    )
    assert state["status"] == "checking"
    report = csv_import.summary(folder)
    assert (report["total"], report["importable"], report["invalid"]) == (1, 1, 0)
    assert report["preview"][0]["unit_price"] == "12.50"


def test_a_bom_and_semicolons_are_understood(tmp_path: Path) -> None:
    text = HEADER.replace(",", ";") + "#1;2026-11-02;a@example.test;TEE;T-shirt;1;12,50;;\n"
    folder, _state = _stage(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    report = csv_import.summary(folder)
    assert report["importable"] == 1
    assert report["preview"][0]["order_number"] == "#1"
    assert report["preview"][0]["unit_price"] == "12.50"


def test_quoted_newlines_stay_in_their_cell(tmp_path: Path) -> None:
    text = (
        HEADER
        + '#1,2026-11-02,,TEE,"T-shirt\nwith a long name",1,5,,\n#2,2026-11-02,,CAP,Cap,1,x,,\n'
    )
    folder, _state = _stage(tmp_path, text)
    report = csv_import.summary(folder)
    assert report["preview"][0]["title"] == "T-shirt\nwith a long name"
    assert _codes(folder) == [(4, "unit_price", "bad_number")]  # line numbers count the newline


def test_bad_dates_numbers_and_missing_values_are_reported_per_row(tmp_path: Path) -> None:
    text = HEADER + (
        "#1,02/11/2026,,TEE,T,1,5,,\n"
        "#2,2026-11-02,not-an-email,TEE,T,zero,5,,\n"
        "#3,2026-11-02,,,T,1,-3,,\n"
    )
    folder, _state = _stage(tmp_path, text)
    assert set(_codes(folder)) == {
        (2, "order_date", "bad_date"),
        (3, "email", "bad_email"),
        (3, "quantity", "bad_quantity"),
        (4, "sku", "missing"),
        (4, "unit_price", "bad_number"),
    }


def test_duplicates_within_the_file_are_caught(tmp_path: Path) -> None:
    text = HEADER + (
        "#1,2026-11-02,,TEE,T,1,5,SBX1111111,sandbox\n"
        "#1,2026-11-02,,TEE,T,1,5,SBX1111111,sandbox\n"
        "#2,2026-11-02,,CAP,C,1,5,SBX1111111,sandbox\n"
    )
    folder, _state = _stage(tmp_path, text)
    assert _codes(folder) == [
        (3, "sku", "duplicate_in_file"),
        (4, "tracking_number", "tracking_in_two_orders"),
    ]
    report = csv_import.summary(folder)
    assert report["importable"] == 0  # order #1 has a bad row, so it is skipped whole
    assert report["skipped"] == 1


def test_an_unknown_carrier_is_detected_from_the_number(tmp_path: Path) -> None:
    text = HEADER + (
        f"#1,2026-11-02,,TEE,T,1,5,{UPS},pigeon-post\n#2,2026-11-02,,CAP,C,1,5,ZZ12345678,\n"
    )
    folder, _state = _stage(tmp_path, text)
    report = csv_import.summary(folder)
    assert report["preview"][0]["carrier"] == "ups"
    assert _codes(folder) == [(3, "carrier", "unknown_carrier")]


def test_a_file_without_the_required_columns_fails(tmp_path: Path) -> None:
    _folder, state = _stage(tmp_path, "a,b\n1,2\n")
    assert (state["status"], state["error"]) == ("failed", "missing_columns")


def test_a_file_that_is_not_utf8_fails(tmp_path: Path) -> None:
    _folder, state = _stage(
        tmp_path, HEADER.encode() + "#1,2026-11-02,,Ż,T,1,5,,\n".encode("cp1250")
    )
    assert (state["status"], state["error"]) == ("failed", "encoding")


async def test_rows_already_in_the_database_are_flagged(tmp_path: Path, db: str) -> None:
    shop = await factories.merchant()
    await factories.order(shop, number="#1")
    await factories.shipment(shop, carrier_key="ups", tracking_number=UPS)
    text = HEADER + f"#1,2026-11-02,,TEE,T,1,5,,\n#2,2026-11-02,,CAP,C,1,5,{UPS},ups\n"
    folder, _state = _stage(tmp_path, text)
    await import_commit.mark_existing(folder, shop.id)
    assert _codes(folder) == [
        (2, "order_number", "order_exists"),
        (3, "tracking_number", "tracking_exists"),
    ]


async def test_commit_writes_orders_items_and_shipments(tmp_path: Path, db: str) -> None:
    shop = await factories.merchant()
    text = HEADER + (
        f"#1,2026-11-02,a@example.test,TEE,T,2,5,{UPS},\n"
        f"#1,2026-11-02,a@example.test,CAP,C,1,7.5,{UPS},\n"
        "#2,2026-11-03T10:00:00+01:00,b@example.test,TEE,T,1,5,,\n"
    )
    folder, _state = _stage(tmp_path, text)
    await import_commit.mark_existing(folder, shop.id)
    assert await import_commit.commit(folder, shop.id) == 3
    orders = await Order.filter(merchant_id=shop.id).order_by("number")
    assert [o.number for o in orders] == ["#1", "#2"]
    assert orders[1].placed_at.hour == 9
    assert await OrderItem.filter(order_id=orders[0].id).count() == 2
    (shipment,) = await Shipment.filter(merchant_id=shop.id)
    assert (shipment.carrier_key, shipment.order_id) == ("ups", orders[0].id)  # type: ignore[attr-defined]


async def test_orders_spanning_chunks_are_written_once(tmp_path: Path, db: str) -> None:
    shop = await factories.merchant()
    rows = [
        f"#{n // 3},2026-11-02,c{n // 3}@example.test,SKU{n % 3},Item,1,1,SBX{n // 3:09d},sandbox\n"
        for n in range(import_commit.CHUNK * 2 + 201)
    ]
    folder, _state = _stage(tmp_path, HEADER + "".join(rows))
    await import_commit.mark_existing(folder, shop.id)
    assert await import_commit.commit(folder, shop.id) == len(rows)
    orders = (len(rows) + 2) // 3
    assert await Order.filter(merchant_id=shop.id).count() == orders
    assert await OrderItem.filter(order__merchant_id=shop.id).count() == len(rows)
    assert await Shipment.filter(merchant_id=shop.id).count() == orders


async def test_a_100k_row_file_imports_with_flat_memory(tmp_path: Path, db: str) -> None:
    if not db.startswith("sqlite"):
        pytest.skip("memory use does not depend on the engine; this takes minutes on PostgreSQL")
    shop = await factories.merchant()
    folder = tmp_path / "big"
    folder.mkdir()
    upload = folder / "upload.csv"
    with upload.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(100_000):
            order = n // 2
            out.write(
                f"#{order},2026-11-02,c{order}@example.test,SKU{n % 2},Item,1,9.99,"
                f"SBX{order:09d},sandbox\n"
            )
    tracemalloc.start()
    try:
        state = csv_import.parse(folder, upload, available={"sandbox"})
        await import_commit.mark_existing(folder, shop.id)
        written = await import_commit.commit(folder, shop.id)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state["rows"] == 100_000
    assert written == 100_000
    assert await Order.filter(merchant_id=shop.id).count() == 50_000
    assert await Shipment.filter(merchant_id=shop.id).count() == 50_000
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_stale_staging_folders_are_purged(tmp_path: Path) -> None:
    fresh = tmp_path / "imports" / "1" / ("a" * 32)
    old = tmp_path / "imports" / "2" / ("b" * 32)
    for folder in (fresh, old):
        folder.mkdir(parents=True)
        csv_import.write_state(folder, {"status": "ready"})
    os.utime(old / "state.json", (time.time() - 3 * 86400,) * 2)
    assert csv_import.purge_stale(tmp_path) == 1
    assert fresh.exists() and not old.exists()


def test_an_order_number_with_a_slash_is_refused(tmp_path: Path) -> None:
    # The API addresses orders as /orders/{number}: "A/17" could never be read or changed.
    folder, _state = _stage(tmp_path, HEADER + "A/17,2026-11-02,,TEE,T,1,5,,\n")
    assert _codes(folder) == [(2, "order_number", "slash_in_number")]


def test_delivery_preferences_columns_are_checked_and_kept(tmp_path: Path) -> None:
    header = "order_number,order_date,sku,title,quantity,unit_price,delivery_method,"
    header += "pickup_point_id,preferred_days\n"
    text = header + (
        '#1,2026-11-02,TEE,T,1,5,locker,KRA01M,"fri,mon"\n'
        "#2,2026-11-02,TEE,T,1,5,locker,,\n"
        "#3,2026-11-02,TEE,T,1,5,,,someday\n"
    )
    folder, _state = _stage(tmp_path, text)
    assert set(_codes(folder)) == {
        (3, "pickup_point_id", "bad_preferences"),
        (4, "preferred_days", "bad_preferences"),
    }
    clean, errors = csv_import.check_row(
        {"delivery_method": "locker", "pickup_point_id": "KRA01M", "preferred_days": "fri,mon"},
        set(),
    )
    assert ("delivery_method", "bad_preferences") not in errors
    assert clean["delivery_preferences"] == {
        "method": "locker",
        "point_id": "KRA01M",
        "safe_place": None,
        "instructions": None,
        "preferred_days": ["mon", "fri"],
    }


ACCOUNT_HEADER = HEADER.replace("carrier\n", "carrier,carrier_account\n")


async def test_a_carrier_account_cell_names_the_shops_account_of_that_name(
    tmp_path: Path, db: str
) -> None:
    shop = await factories.merchant()
    express = await factories.carrier_account(shop, carrier_key="dhl", name="DHL Express")
    await factories.carrier_account(shop, carrier_key="dhl", name="DHL Parcel")
    text = ACCOUNT_HEADER + (
        "#1,2026-11-02,a@example.test,TEE,T,1,5,1234567891,dhl,dhl express\n"
        "#2,2026-11-02,b@example.test,TEE,T,1,5,1234567892,dhl,\n"
    )
    folder, _state = _stage(tmp_path, text)
    await import_commit.mark_existing(folder, shop.id)
    assert _codes(folder) == []
    assert await import_commit.commit(folder, shop.id) == 2
    named = dict(
        await Shipment.filter(merchant_id=shop.id).values_list(
            "tracking_number", "carrier_account_id"
        )
    )
    assert named == {"1234567891": express.id, "1234567892": None}


async def test_a_carrier_account_no_account_of_the_rows_carrier_has_is_refused(
    tmp_path: Path, db: str
) -> None:
    shop = await factories.merchant()
    await factories.carrier_account(shop, carrier_key="ups", name="DHL Express")
    text = ACCOUNT_HEADER + "#1,2026-11-02,a@example.test,TEE,T,1,5,1234567891,dhl,DHL Express\n"
    folder, _state = _stage(tmp_path, text)
    await import_commit.mark_existing(folder, shop.id)
    assert _codes(folder) == [(2, "carrier_account", "unknown_carrier_account")]
    assert await import_commit.commit(folder, shop.id) == 0


DPDS = {"dpd_pl", "dpd_ro", "speedy", "sandbox"}
DPD_PARCEL = "09240012345678"  # 14 digits: DPD Polska's and DPD Romania's format


@pytest.mark.parametrize(
    ("cell", "country", "accounts", "key"),
    [
        ("DPD", "RO", (), "dpd_ro"),
        ("DPD Romania", None, (), "dpd_ro"),
        ("DPD", "BG", (), "speedy"),
        ("DPD", "PL", (), "dpd_pl"),
        ("dpd", "RO", ("dpd_pl",), "dpd_pl"),  # the shop's account wins
        ("", "RO", (), "dpd_ro"),  # detected alike: the shop's country's
        ("", None, ("dpd_ro",), "dpd_ro"),  # detected alike: the shop's account
    ],
)
def test_a_carrier_cell_is_read_for_the_shop_s_country_and_accounts(
    cell: str, country: str | None, accounts: tuple[str, ...], key: str
) -> None:
    clean, errors = csv_import.check_row(
        {"tracking_number": DPD_PARCEL, "carrier": cell},
        DPDS,
        shop_country=country,
        accounts=accounts,
    )
    assert clean["carrier"] == key
    assert ("carrier", "unknown_carrier") not in errors


async def test_the_upload_is_read_for_the_shop_s_country(tmp_path: Path, db: str) -> None:
    from portal.admin import imports

    shop = await factories.merchant(country="RO")
    await factories.carrier_account(shop, carrier_key="dpd_ro", name="DPD")
    folder = tmp_path / "staging"
    folder.mkdir()
    upload = tmp_path / "upload.csv"
    upload.write_text(HEADER + f"#1,2026-11-02,a@example.test,TEE,T,1,5,{DPD_PARCEL},DPD\n")

    await imports.run_parse(folder, upload, shop.id, DPDS)

    assert csv_import.summary(folder)["preview"][0]["carrier"] == "dpd_ro"


def test_a_row_without_currency_or_country_reads_as_the_shop_s() -> None:
    """A Greek shop's CSV without a currency column is in euros, and a mobile written as
    Greeks write it (no +30, no country column) is a Greek number."""
    row = {"order_number": "#1", "order_date": "2026-11-02", "sku": "SCARF", "title": "Scarf",
           "quantity": "1", "unit_price": "22.90", "phone": "697 123 4567"}  # fmt: skip
    clean, errors = csv_import.check_row(row, set(), shop_country="GR")
    assert errors == []
    assert (clean["currency"], clean["phone"]) == ("EUR", "+306971234567")
    clean, errors = csv_import.check_row({**row, "country": "RO", "currency": "ron"}, set())
    assert clean["currency"] == "RON"
    assert ("phone", "bad_phone") in errors  # a Greek mobile is no Romanian number
    clean, _errors = csv_import.check_row(row, set())
    assert clean["currency"] == "USD"


@pytest.mark.parametrize(("cell", "country", "currency"), [
    ("", "BG", "EUR"), ("", "RO", "RON"), ("", None, "USD"), ("bgn", "BG", "BGN"),
])  # fmt: skip
def test_a_row_without_a_currency_is_in_the_shop_s_country_s(
    cell: str, country: str | None, currency: str
) -> None:
    clean, errors = csv_import.check_row({"currency": cell}, set(), shop_country=country)
    assert clean["currency"] == currency
    assert ("currency", "bad_currency") not in errors
