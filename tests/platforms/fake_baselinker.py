"""BaseLinker's API faked at HTTP in its documented shapes (a respx side effect): one
endpoint, the method and its JSON parameters as form fields, every answer HTTP 200 with
``status`` SUCCESS or ERROR. Payloads come from tests/fixtures/baselinker/ (see SOURCE.md);
the fake only multiplies the documented order and records what Doorstep asked."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.platforms.fakes import fixture

BASELINKER_HOST = "api.baselinker.com"
BASELINKER_TOKEN = (
    "3001234-3005678-AB12CD34EF56GH78IJ90KL12MN34OP56QR78ST90UV12WX34YZ56AB78CD90EF12"
)
SHIPPED_STATUS = 1053


def stamp(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class FakeBaseLinker:
    token: str = BASELINKER_TOKEN
    #: order_id -> the order as getOrders lists it.
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: order_id -> its packages as getOrderPackages lists them.
    packages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: Answers to give before the real one, in order (a blocked token …).
    faults: list[httpx.Response] = field(default_factory=list)
    #: (method, parameters) of every call answered.
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def with_orders(cls, count: int, base: datetime) -> FakeBaseLinker:
        store = cls()
        order = fixture("baselinker", "get_orders.json")["orders"][0]
        for n in range(count):
            made = copy.deepcopy(order)
            confirmed = stamp(base + timedelta(minutes=n))
            made.update(
                order_id=7_000_000 + n,
                shop_order_id=3_000 + n,
                email=f"klient{n % 50}@example.pl",
                phone=f"693{n % 50:06d}",
                date_add=confirmed - 60,
                date_confirmed=confirmed,
                date_in_status=confirmed,
            )
            made["products"][0]["order_product_id"] = 150_000_000 + n
            store.orders[made["order_id"]] = made
        return store

    def ship(self, order_id: int, number: str, courier: str, moved: datetime) -> None:
        """The merchant creates a package for the order: its number on the order, the
        package in getOrderPackages, the order moved to "Shipped"."""
        package = copy.deepcopy(fixture("baselinker", "get_order_packages.json")["packages"][0])
        package.update(
            package_id=8_000_000 + order_id % 1_000_000,
            courier_package_nr=number,
            courier_code=courier,
            tracking_status_date=stamp(moved),
        )
        self.packages[order_id] = [package]
        order = self.orders[order_id]
        order.update(
            delivery_package_module=courier,
            delivery_package_nr=number,
            order_status_id=SHIPPED_STATUS,
            date_in_status=stamp(moved),
        )

    def reads(self) -> list[int | None]:
        """``date_confirmed_from`` of every getOrders call."""
        return [p.get("date_confirmed_from") for m, p in self.calls if m == "getOrders"]

    def count(self, method: str) -> int:
        return sum(1 for m, _p in self.calls if m == method)

    def answer(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == "/connector.php"
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if request.headers.get("X-BLToken") != self.token:
            return httpx.Response(200, json=fixture("baselinker", "error_bad_token.json"))
        if self.faults:
            return self.faults.pop(0)
        method, parameters = form["method"], json.loads(form.get("parameters") or "{}")
        self.calls.append((method, parameters))
        if method == "getOrderStatusList":
            return httpx.Response(200, json=fixture("baselinker", "get_order_status_list.json"))
        if method == "getOrders":
            return httpx.Response(200, json=self._orders(parameters))
        if method == "getOrderPackages":
            packages = self.packages.get(int(parameters["order_id"]), [])
            return httpx.Response(200, json={"status": "SUCCESS", "packages": packages})
        if method == "getInventories":
            return httpx.Response(200, json=fixture("baselinker", "get_inventories.json"))
        if method == "getInventoryProductsList":
            assert parameters["inventory_id"] == 306 and parameters["page"] == 1
            answer = fixture("baselinker", "get_inventory_products_list.json")
            return httpx.Response(200, json=answer)
        if method == "getInventoryProductsData":
            assert parameters["inventory_id"] == 306
            known = fixture("baselinker", "get_inventory_products_data.json")["products"]
            chosen = {str(i): known[str(i)] for i in parameters["products"] if str(i) in known}
            return httpx.Response(200, json={"status": "SUCCESS", "products": chosen})
        raise AssertionError(f"unexpected method {method}")

    def _orders(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """Confirmed orders from ``date_confirmed_from`` on, oldest confirmation first,
        100 at most (the documented page)."""
        assert parameters.get("get_unconfirmed_orders") is False
        start = int(parameters.get("date_confirmed_from") or 0)
        found = sorted(
            (o for o in self.orders.values() if o["date_confirmed"] >= start),
            key=lambda o: (o["date_confirmed"], o["order_id"]),
        )
        return {"status": "SUCCESS", "orders": copy.deepcopy(found[:100])}
