"""*Magazin Ana*, the Romanian WooCommerce shop of test_romanian_shop.py and
test_romanian_dpd.py: how its owner signs it up, its tee and Ioana's order as the store
answers them (WooCommerce REST API v3, https://woocommerce.github.io/woocommerce-rest-api-docs/;
the Shipment Tracking extension's ``_wc_shipment_tracking_items``,
https://woocommerce.com/document/shipment-tracking/). The order starts from
tests/fixtures/woocommerce/order.json."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from tests.platforms.fakes import fixture, woo_time
from tests.real_shop.helpers import SignedUp, portal_command

STORE = "https://magazin-ana.test"
AWB = "4EMGLN111222333"
EMAIL = "ioana.popescu@example.test"


def tee_product() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A variable product (Retrieve a product) and its variations (List all product
    variations), sizes M and L, in RON."""
    product = {
        "id": 794, "name": "Tricou din bumbac", "slug": "tricou-din-bumbac", "type": "variable",
        "status": "publish", "sku": "TRICOU", "price": "79.00", "regular_price": "",
        "date_modified_gmt": woo_time(datetime.now(UTC) - timedelta(days=30)),
        "manage_stock": False, "stock_quantity": None,
        "attributes": [{"id": 0, "name": "Mărime", "position": 0, "visible": True,
                        "variation": True, "options": ["M", "L"]}],
        "variations": [795, 796], "meta_data": [],
    }  # fmt: skip
    variations = [
        {"id": 795, "sku": "TRICOU-M", "price": "79.00", "regular_price": "79.00",
         "manage_stock": True, "stock_quantity": 6, "stock_status": "instock",
         "attributes": [{"id": 0, "name": "Mărime", "option": "M"}]},
        {"id": 796, "sku": "TRICOU-L", "price": "79.00", "regular_price": "79.00",
         "manage_stock": True, "stock_quantity": 4, "stock_status": "instock",
         "attributes": [{"id": 0, "name": "Mărime", "option": "L"}]},
    ]  # fmt: skip
    return product, variations


def ioana_order(placed: datetime) -> dict[str, Any]:
    """Retrieve an order: two tees (M) and socks to Bucharest in RON, a Romanian phone as
    customers type it, the Sameday easybox AWB from the Shipment Tracking extension."""
    order = copy.deepcopy(fixture("woocommerce", "order.json"))
    order.update(id=1201, number="1201", currency="RON", shipping_total="15.99", total="212.99")
    order["date_created_gmt"] = order["date_modified_gmt"] = woo_time(placed)
    person = {"first_name": "Ioana", "last_name": "Popescu", "company": "",
              "address_1": "Bd. Unirii 15", "address_2": "Bl. 4, ap. 12",
              "city": "București", "state": "B", "postcode": "030119", "country": "RO"}  # fmt: skip
    order["billing"] = {**person, "email": EMAIL, "phone": "0722 123 456"}
    order["shipping"] = dict(person)
    order["meta_data"] = [
        {"id": 21001, "key": "_wc_shipment_tracking_items",
         "value": [{"tracking_provider": "Sameday", "custom_tracking_provider": "",
                    "custom_tracking_link": "", "tracking_number": AWB,
                    "date_shipped": str(int(placed.timestamp())),
                    "tracking_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90"}]},
    ]  # fmt: skip
    order["line_items"] = [
        {"id": 901, "name": "Tricou din bumbac - M", "product_id": 794, "variation_id": 795,
         "quantity": 2, "tax_class": "", "subtotal": "158.00", "subtotal_tax": "0.00",
         "total": "158.00", "total_tax": "0.00", "taxes": [],
         "meta_data": [{"id": 3001, "key": "pa_marime", "value": "m",
                        "display_key": "Mărime", "display_value": "M"}],
         "sku": "TRICOU-M", "price": 79},
        {"id": 902, "name": "Șosete", "product_id": 797, "variation_id": 0, "quantity": 1,
         "tax_class": "", "subtotal": "39.00", "subtotal_tax": "0.00", "total": "39.00",
         "total_tax": "0.00", "taxes": [], "meta_data": [], "sku": "SOSETE", "price": 39},
    ]  # fmt: skip
    return order


async def sign_up_romanian(app: Starlette) -> SignedUp:
    """README, "The `portal` command": the shop, its owner and the checkout's API key."""
    settings = app.state.settings
    url, var_dir = settings.database_url, Path(settings.var_dir)
    await portal_command(url, var_dir, "merchant", "create", "--slug", "magazin-ana",
                         "--name", "Magazin Ana", "--time-zone", "Europe/Bucharest",
                         "--locale", "ro", "--country", "RO")  # fmt: skip
    email, password = "ana@magazin-ana.test", "o parolă destul de lungă"
    await portal_command(url, var_dir, "user", "create", "--merchant", "magazin-ana",
                         "--email", email, "--password", password, "--role", "owner")  # fmt: skip
    printed = await portal_command(url, var_dir, "apikey", "create", "--merchant",
                                   "magazin-ana", "--name", "magazin")  # fmt: skip
    return SignedUp("magazin-ana", email, password, printed.strip().splitlines()[-1])
