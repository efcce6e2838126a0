"""The database half of a CSV import: check staged rows against the portal's data, then
write every importable row in one transaction, in chunks, holding one chunk in memory.

An order with any invalid row is skipped whole (a half-imported order is worse than none).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import catalogue, consent
from portal.admin.csv_import import open_staging
from portal.models import (
    CarrierAccount,
    Channel,
    ConsentSource,
    Customer,
    Order,
    OrderItem,
    Shipment,
)
from portal.tracking.accounts import account_named

CHUNK = 500


def _chunks(db: Any, sql: str) -> Iterator[list[Any]]:
    cursor = db.execute(sql)
    while batch := cursor.fetchmany(CHUNK):
        yield batch


async def mark_existing(folder: Path, merchant_id: int) -> None:
    """Flag rows whose order number or tracking number the merchant already has, and
    those whose ``carrier_account`` names no account of the shop for the row's carrier."""
    shop_accounts = await _shop_accounts(merchant_id)
    with closing(open_staging(folder)) as db:
        for carrier, account in db.execute(
            "SELECT DISTINCT carrier, account FROM rows WHERE account <> '' AND carrier IS NOT NULL"
        ).fetchall():
            if account_named(account, carrier, shop_accounts) is None:
                _flag(
                    db,
                    "carrier = ? AND account = ?",
                    (carrier, account),
                    "carrier_account",
                    "unknown_carrier_account",
                    account,
                )
        for batch in _chunks(db, "SELECT DISTINCT order_number FROM rows WHERE order_number <> ''"):
            numbers = [n for (n,) in batch]
            found: list[Any] = await Order.filter(
                merchant_id=merchant_id, number__in=numbers
            ).values_list("number", flat=True)
            for number in found:
                _flag(db, "order_number = ?", (number,), "order_number", "order_exists", number)
        for batch in _chunks(
            db,
            "SELECT DISTINCT tracking, carrier FROM rows "
            "WHERE tracking <> '' AND carrier IS NOT NULL",
        ):
            found_pairs = await Shipment.filter(
                merchant_id=merchant_id, tracking_number__in=[t for t, _c in batch]
            ).values_list("tracking_number", "carrier_key")
            wanted = set(map(tuple, batch))
            for pair in found_pairs:
                if tuple(pair) in wanted:
                    _flag(
                        db,
                        "tracking = ? AND carrier = ?",
                        pair,
                        "tracking_number",
                        "tracking_exists",
                        pair[0],
                    )
        db.commit()


async def _shop_accounts(merchant_id: int, conn: Any = None) -> list[tuple[int, str, str]]:
    """(id, carrier key, name) of the shop's carrier accounts, for :func:`account_named`."""
    query = CarrierAccount.filter(merchant_id=merchant_id)
    if conn is not None:
        query = query.using_db(conn)
    return list(await query.values_list("id", "carrier_key", "name"))


def _flag(db: Any, where: str, params: Any, column: str, code: str, value: str) -> None:
    lines = [line for (line,) in db.execute(f"SELECT line FROM rows WHERE {where}", params)]
    db.execute(f"UPDATE rows SET bad = 1 WHERE {where}", params)
    db.executemany(
        "INSERT INTO errors (line, col, code, value) VALUES (?,?,?,?)",
        [(line, column, code, value) for line in lines],
    )


IMPORTABLE = (
    "SELECT data FROM rows WHERE bad = 0 AND order_number NOT IN "
    "(SELECT order_number FROM rows WHERE bad = 1) ORDER BY line"
)


async def commit(folder: Path, merchant_id: int, now: datetime | None = None) -> int:
    """Write every importable staged row, or nothing (IntegrityError rolls all back).

    An order number that appeared in the database since the preview, and was not created
    by this import's earlier chunks, is a conflict: the whole import rolls back.
    """
    now = now or datetime.now(UTC)
    written = 0
    with closing(open_staging(folder)) as db:
        db.execute("CREATE TEMP TABLE created (number TEXT PRIMARY KEY)")
        async with in_transaction() as conn:
            for batch in _chunks(db, IMPORTABLE):
                rows = [json.loads(data) for (data,) in batch]
                await _write_chunk(conn, db, merchant_id, rows, now)
                written += len(rows)
    return written


async def _write_chunk(
    conn: Any, staging: Any, merchant_id: int, rows: list[dict[str, Any]], now: datetime
) -> None:
    emails = {r["email"] for r in rows if r["email"]}
    known = set(
        await Customer.filter(merchant_id=merchant_id, email__in=emails)
        .using_db(conn)
        .values_list("email", flat=True)
    )
    new_customers: dict[str, Customer] = {}
    for r in rows:
        if r["email"] and r["email"] not in known and r["email"] not in new_customers:
            new_customers[r["email"]] = Customer(
                merchant_id=merchant_id,
                email=r["email"],
                phone=r["phone"],
                name=r["name"],
                country=r["country"] or None,
                sms_opt_in=False,
            )
    if new_customers:
        await Customer.bulk_create(list(new_customers.values()), using_db=conn)
    customers = {
        c.email: c
        for c in await Customer.filter(merchant_id=merchant_id, email__in=emails).using_db(conn)
        if c.email  # always: the filter matched on it
    }
    customer_ids = {email: c.id for email, c in customers.items()}
    await _record_consent(conn, customers, rows)
    numbers = {r["order_number"] for r in rows}
    existing = set(
        await Order.filter(merchant_id=merchant_id, number__in=numbers)
        .using_db(conn)
        .values_list("number", flat=True)
    )
    ours = {
        number
        for (number,) in staging.execute(
            f"SELECT number FROM created WHERE number IN ({','.join('?' * len(numbers))})",
            list(numbers),
        )
    }
    if existing - ours:
        raise IntegrityError(f"orders appeared meanwhile: {sorted(existing - ours)[:5]}")
    new_orders: dict[str, Order] = {}
    for r in rows:
        number = r["order_number"]
        if number not in existing and number not in new_orders:
            new_orders[number] = Order(
                merchant_id=merchant_id,
                customer_id=customer_ids.get(r["email"]),
                number=number,
                email=r["email"],
                currency=r["currency"],
                placed_at=datetime.fromisoformat(r["placed_at"]),
                ship_name=r["name"],
                ship_line1=r["address_line1"],
                ship_line2=r["address_line2"],
                ship_city=r["city"],
                ship_region=r["region"],
                ship_postal_code=r["postal_code"],
                ship_country=r["country"],
                delivery_preferences=r.get("delivery_preferences"),
            )
    if new_orders:
        await Order.bulk_create(list(new_orders.values()), using_db=conn)
        staging.executemany("INSERT INTO created (number) VALUES (?)", [(n,) for n in new_orders])
    order_ids = dict(
        await Order.filter(merchant_id=merchant_id, number__in=numbers)
        .using_db(conn)
        .values_list("number", "id")
    )
    variant_ids = await catalogue.variant_ids_for(merchant_id, (r["sku"] for r in rows), conn=conn)
    await OrderItem.bulk_create(
        [
            OrderItem(
                order_id=order_ids[r["order_number"]],
                variant_id=variant_ids.get(r["sku"]),
                sku=r["sku"],
                title=r["title"],
                quantity=r["quantity"],
                unit_price=Decimal(r["unit_price"]),
                final_sale=r["final_sale"],
                category=r["category"] or None,
            )
            for r in rows
        ],
        using_db=conn,
    )
    await _write_shipments(conn, merchant_id, rows, order_ids, now)


async def _write_shipments(
    conn: Any,
    merchant_id: int,
    rows: list[dict[str, Any]],
    order_ids: dict[str, int],
    now: datetime,
) -> None:
    pairs = {(r["tracking"], r["carrier"]): r["order_number"] for r in rows if r["tracking"]}
    if not pairs:
        return
    shop_accounts = await _shop_accounts(merchant_id, conn)
    named = {
        (r["tracking"], r["carrier"]): account_named(
            r.get("carrier_account"), r["carrier"], shop_accounts
        )
        for r in rows
        if r["tracking"]
    }
    have = set(
        map(
            tuple,
            await Shipment.filter(
                merchant_id=merchant_id, tracking_number__in=[t for t, _c in pairs]
            )
            .using_db(conn)
            .values_list("tracking_number", "carrier_key"),
        )
    )
    await Shipment.bulk_create(
        [
            Shipment(
                merchant_id=merchant_id,
                order_id=order_ids[number],
                carrier_key=carrier,
                tracking_number=tracking,
                next_poll_at=now,
                carrier_account_id=named[(tracking, carrier)],
            )
            for (tracking, carrier), number in pairs.items()
            if (tracking, carrier) not in have
        ],
        using_db=conn,
    )


async def _record_consent(
    conn: Any, customers: dict[str, Customer], rows: list[dict[str, Any]]
) -> None:
    """The consent columns, where a row fills them (the last row of a customer wins)."""
    wanted: dict[tuple[Channel, bool], dict[int, Customer]] = {}
    for r in rows:
        customer = customers.get(r["email"]) if r["email"] else None
        if customer is None:
            continue
        for column, channel in (("email_consent", Channel.EMAIL), ("sms_consent", Channel.SMS)):
            answer = r.get(column)
            if answer is None:
                continue
            wanted.setdefault((channel, not answer), {}).pop(customer.id, None)
            wanted.setdefault((channel, answer), {})[customer.id] = customer
    for (channel, granted), chosen in wanted.items():
        await consent.record(list(chosen.values()), channel, granted, ConsentSource.CSV, conn=conn)
