"""Demo data for ``make run``: one shop with orders and parcels moving on the sandbox carrier.

Idempotent: running it again finds what exists and adds only what is missing, so
``make run`` can call it every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from carriers.sandbox import make_numbers
from carriers.sandbox.journey import plan
from carriers.sandbox.waiting import make_waiting
from portal import crypto
from portal.demo_history import load_history
from portal.demo_predictions import seed_predictions, watched_parcels
from portal.http import sandbox_base_url
from portal.models import (
    CarrierAccount,
    Customer,
    Merchant,
    Order,
    OrderItem,
    ProductVariant,
    ReturnPolicy,
    ReturnReason,
    Role,
    Shipment,
    StaffUser,
)
from portal.security import hash_password
from portal.settings import Settings

DEMO_SLUG = "demo"
DEMO_EMAIL = "owner@demo.doorstep.test"
DEMO_PASSWORD = "doorstep-demo"
DEMO_ORDERS = 24
#: Of those, parcels that wait in a parcel locker when the demo loads, deadline ahead: the
#: tracking page shows a pickup point, its deadline and (order tier) its pickup code.
DEMO_IN_LOCKERS = 2
#: Of the rest, parcels labelled in the last day and a half: still on their way when the
#: demo loads, so scans keep arriving while a newcomer looks around. The others were
#: labelled over the last ten days and have mostly arrived.
DEMO_RECENT = 14

_FIRST = ["Anna", "Piotr", "Maria", "Ioana", "Dmitri", "Eleni", "James", "Sofia", "Lucas", "Olena"]
_LAST = ["Nowak", "Popescu", "Ivanova", "Papadopoulou", "Smith", "Garcia", "Müller", "Rossi"]
_SIZES = ["S", "M", "L", "XL"]
#: The language each demo customer reads, so the dev mailbox shows translated messages.
_LOCALE_OF = {"Anna": "pl", "Piotr": "pl", "Ioana": "ro", "Maria": "ro", "Dmitri": "ru",
              "Eleni": "el", "Sofia": "bg", "Olena": "uk"}  # fmt: skip
#: (code, labels en/pl/ro/ru/el/uk/bg, parent, requires a photo, waives fees)
_REASONS = [
    (
        "fit",
        (
            "Doesn’t fit",
            "Nie pasuje",
            "Nu se potrivește",
            "Не подходит",
            "Δεν ταιριάζει",
            "Не підходить",
            "Не става",
        ),
        None,
        False,
        False,
    ),
    (
        "too_small",
        (
            "Too small",
            "Za mały",
            "Prea mic",
            "Слишком маленький",
            "Πολύ μικρό",
            "Замалий",
            "Твърде малък",
        ),
        "fit",
        False,
        False,
    ),
    (
        "too_large",
        (
            "Too large",
            "Za duży",
            "Prea mare",
            "Слишком большой",
            "Πολύ μεγάλο",
            "Завеликий",
            "Твърде голям",
        ),
        "fit",
        False,
        False,
    ),
    (
        "damaged",
        (
            "Arrived damaged",
            "Dotarł uszkodzony",
            "A sosit deteriorat",
            "Пришёл повреждённым",
            "Έφτασε κατεστραμμένο",
            "Прийшов пошкодженим",
            "Пристигна повреден",
        ),
        None,
        True,
        True,
    ),
    (
        "not_as_described",
        (
            "Not as described",
            "Niezgodny z opisem",
            "Nu corespunde descrierii",
            "Не соответствует описанию",
            "Δεν είναι όπως περιγράφεται",
            "Не відповідає опису",
            "Не отговаря на описанието",
        ),
        None,
        False,
        True,
    ),
    (
        "changed_mind",
        (
            "Changed my mind",
            "Zmieniłem zdanie",
            "M-am răzgândit",
            "Передумал",
            "Άλλαξα γνώμη",
            "Передумав",
            "Размислих",
        ),
        None,
        False,
        False,
    ),
]
_LANGUAGES = ("en", "pl", "ro", "ru", "el", "uk", "bg")


@dataclass
class DemoReport:
    merchant: Merchant
    created_orders: int
    created_shipments: int


async def load_demo(settings: Settings, *, now: datetime | None = None) -> DemoReport:
    """Create (or complete) the demo shop; returns what was added."""
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        shop, _ = await Merchant.get_or_create(
            slug=DEMO_SLUG,
            defaults={
                "name": "Northwind Apparel",
                "time_zone": "Europe/Warsaw",
                "branding": {
                    "primary_color": "#1f5fbf",
                    "accent_color": "#f0b429",
                    "support_email": "help@northwind.example",
                },
                "notification_rules": {},
            },
            using_db=conn,
        )
        if not await StaffUser.filter(email=DEMO_EMAIL).using_db(conn).exists():
            await StaffUser.create(
                merchant=shop,
                email=DEMO_EMAIL,
                name="Demo Owner",
                password_hash=hash_password(DEMO_PASSWORD),
                role=Role.OWNER,
                using_db=conn,
            )
        account = (
            await CarrierAccount.filter(merchant=shop, carrier_key="sandbox").using_db(conn).first()
        )
        if account is None:
            account = await CarrierAccount.create(
                merchant=shop,
                carrier_key="sandbox",
                name="Sandbox Carrier",
                credentials_encrypted=crypto.encrypt_json(settings, {"api_key": "demo-key"}),
                base_url_override=sandbox_base_url(settings),
                using_db=conn,
            )
        await _catalogue(shop, conn)
        await _returns_policy(shop, conn)
        created_orders, created_shipments = await _orders(shop, account, conn, now)
        await load_history(shop, conn, now)
        await watched_parcels(shop, conn, now)
    await seed_predictions(shop, now)
    return DemoReport(shop, created_orders, created_shipments)


async def _catalogue(shop: Merchant, conn: BaseDBAsyncClient) -> None:
    for size in _SIZES:
        await ProductVariant.get_or_create(
            merchant=shop,
            sku=f"TEE-BLUE-{size}",
            defaults={
                "product_ref": "tee-blue",
                "title": "Organic cotton T-shirt, blue",
                "options": {"size": size},
                "price": Decimal("29.00"),
                "stock": 12,
            },
            using_db=conn,
        )


async def _returns_policy(shop: Merchant, conn: BaseDBAsyncClient) -> None:
    if not await ReturnPolicy.filter(merchant=shop).using_db(conn).exists():
        await ReturnPolicy.create(
            merchant=shop,
            window_days=30,
            store_credit_bonus_percent=Decimal("10.00"),
            keep_item_threshold=Decimal("8.00"),
            return_shipping_fee=Decimal("4.95"),
            fee_waivers={"exchange": True, "reasons": ["damaged", "not_as_described"]},
            auto_approve_rules={"max_value": "150.00"},
            return_address={
                "name": "Northwind Apparel Returns",
                "line1": "ul. Magazynowa 7",
                "postal_code": "30-798",
                "city": "Kraków",
                "country": "PL",
            },
            using_db=conn,
        )
    parents: dict[str, ReturnReason] = {}
    for position, (code, labels, parent, photo, waives) in enumerate(_REASONS):
        reason, _ = await ReturnReason.get_or_create(
            merchant=shop,
            code=code,
            defaults={
                "labels": dict(zip(_LANGUAGES, labels, strict=True)),
                "parent": parents.get(parent) if parent else None,
                "requires_photo": photo,
                "waives_fees": waives,
                "position": position,
            },
            using_db=conn,
        )
        parents[code] = reason


def _live_numbers(now: datetime) -> list[str]:
    """Lockers first, then recent parcels still moving, then older ones, all distinct."""
    waiting = make_waiting(DEMO_IN_LOCKERS, now, seed=7)
    recent = make_numbers(DEMO_RECENT, seed=7, now=now, days=1.5)
    older = make_numbers(DEMO_ORDERS, seed=8, now=now - timedelta(days=2), days=8)
    numbers = list(dict.fromkeys([*waiting, *recent, *older]))
    return numbers[:DEMO_ORDERS]


def labelled_at(number: str) -> datetime:
    """When the sandbox carrier's label for ``number`` was created."""
    planned = plan(number)
    if planned is None:  # the demo only makes numbers the sandbox knows
        raise ValueError(f"{number} is not a sandbox journey")
    return planned.label_time


async def _orders(
    shop: Merchant, account: CarrierAccount, conn: BaseDBAsyncClient, now: datetime
) -> tuple[int, int]:
    rng = random.Random(7)
    numbers = _live_numbers(now)
    created_orders = created_shipments = 0
    for index, number in enumerate(numbers):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{index}@example.com"
        customer, _ = await Customer.get_or_create(
            merchant=shop,
            email=email,
            defaults={
                "name": f"{first} {last}",
                "country": "PL",
                "locale": _LOCALE_OF.get(first, "en"),
            },
            using_db=conn,
        )
        order, made = await Order.get_or_create(
            merchant=shop,
            number=f"NW-{1001 + index}",
            defaults={
                "customer": customer,
                "email": email,
                "currency": "EUR",
                # Placed a few hours to a day before the parcel's label, so no order is
                # shipped (let alone delivered) before it was placed.
                "placed_at": labelled_at(number) - timedelta(hours=3 + index % 20),
                "ship_name": f"{first} {last}",
                "ship_line1": f"ul. Długa {index + 1}",
                "ship_city": "Kraków",
                "ship_postal_code": f"31-{100 + index:03d}",
                "ship_country": "PL",
            },
            using_db=conn,
        )
        if made:
            created_orders += 1
            size = _SIZES[index % len(_SIZES)]
            await OrderItem.create(
                order=order,
                variant=await ProductVariant.get(
                    merchant=shop, sku=f"TEE-BLUE-{size}", using_db=conn
                ),
                sku=f"TEE-BLUE-{size}",
                title="Organic cotton T-shirt, blue",
                variant_options={"size": size},
                quantity=1 + index % 2,
                unit_price=Decimal("29.00"),
                category="apparel",
                using_db=conn,
            )
        if not await Shipment.filter(merchant=shop, order=order).using_db(conn).exists():
            # Shipped when the carrier's label was made: the sandbox's scans start there.
            shipped_at = labelled_at(number)
            parcel = await Shipment.create(
                merchant=shop,
                order=order,
                carrier_account=account,
                carrier_key="sandbox",
                tracking_number=number,
                shipped_at=shipped_at,
                next_poll_at=now,
                using_db=conn,
            )
            # As if imported when it shipped: its scans since then notify the customer, so
            # the dev mailbox shows the whole flow on the first poll.
            await Shipment.filter(id=parcel.id).using_db(conn).update(created_at=shipped_at)
            created_shipments += 1
    return created_orders, created_shipments
