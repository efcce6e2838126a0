"""BaseLinker's API faked at HTTP in its documented shapes (a respx side effect): one
endpoint, the method and its JSON parameters as form fields, every answer HTTP 200 with
``status`` SUCCESS or ERROR. Payloads come from tests/fixtures/baselinker/ (see SOURCE.md);
the fake only multiplies the documented order and records what Doorstep asked, and when
each call arrived (:meth:`FakeBaseLinker.busiest`).

:func:`fixtures` gives a test module its ``settings``, ``store`` and ``http`` fixtures."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from portal.platforms import baselinker
from portal.settings import Settings
from tests.platforms.fakes import fixture, outside, store_settings

BASELINKER_HOST = "api.baselinker.com"
#: What ``portal connect baselinker`` says when it connects.
CONNECTED_SAYS = [
    "Connected baselinker store https://api.baselinker.com (BaseLinker).",
    "No webhooks: BaseLinker sends none, so the worker reconciles its orders every 15 minutes.",
]
BASELINKER_TOKEN = (
    "3001234-3005678-AB12CD34EF56GH78IJ90KL12MN34OP56QR78ST90UV12WX34YZ56AB78CD90EF12"
)
SHIPPED_STATUS = 1053
#: When the first of the account's orders was confirmed.
BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
#: Journal event types (getJournalList's documented list).
PACKAGE_CREATED = 9
STATUS_CHANGED = 18


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
    #: When each request arrived (time.monotonic), answered or not.
    arrivals: list[float] = field(default_factory=list)
    #: Set when a request arrives.
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    #: The account's event journal, turned on by Base's support; off, it answers the
    #: documented default: nothing.
    journal_on: bool = False
    #: The journal's entries, oldest first (getJournalList's shape).
    journal: list[dict[str, Any]] = field(default_factory=list)
    #: Instead of the journal's answer (an account where it is refused).
    journal_error: dict[str, Any] | None = None

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
        self.log(order_id, PACKAGE_CREATED, package["package_id"], moved)
        self.log(order_id, STATUS_CHANGED, SHIPPED_STATUS, moved)

    def add_package(self, order_id: int, number: str, courier: str, moved: datetime) -> None:
        """A package created for the order without its status moving (no automation):
        only getOrderPackages and the journal show it."""
        package = copy.deepcopy(fixture("baselinker", "get_order_packages.json")["packages"][0])
        package.update(
            package_id=8_000_000 + order_id % 1_000_000,
            courier_package_nr=number,
            courier_code=courier,
            tracking_status_date=stamp(moved),
        )
        self.packages.setdefault(order_id, []).append(package)
        self.log(order_id, PACKAGE_CREATED, package["package_id"], moved)

    def log(self, order_id: int, log_type: int, object_id: int, moment: datetime) -> None:
        """An event in the journal (kept whether or not it is on, as BaseLinker would)."""
        entry = copy.deepcopy(fixture("baselinker", "get_journal_list.json")["logs"][0])
        last = self.journal[-1]["log_id"] if self.journal else entry["log_id"]
        entry.update(
            log_id=last + 1,
            log_type=log_type,
            order_id=order_id,
            object_id=object_id,
            date=stamp(moment),
        )
        self.journal.append(entry)

    def reads(self) -> list[int | None]:
        """``date_confirmed_from`` of every getOrders call."""
        return [p.get("date_confirmed_from") for m, p in self.calls if m == "getOrders"]

    def count(self, method: str) -> int:
        return sum(1 for m, _p in self.calls if m == method)

    def busiest(self, window: float) -> int:
        """The most requests that arrived within any ``window`` seconds."""
        times = sorted(self.arrivals)
        return max(
            (sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times)),
            default=0,
        )

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.arrivals.append(time.monotonic())
        self.arrived.set()
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
        if method == "setOrderStatus":
            order = self.orders[int(parameters["order_id"])]
            order.update(order_status_id=int(parameters["status_id"]))
            return httpx.Response(200, json={"status": "SUCCESS"})
        if method == "getJournalList":
            if self.journal_error is not None:
                return httpx.Response(200, json=self.journal_error)
            return httpx.Response(200, json=self._journal(parameters))
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
        if "order_id" in parameters:
            found_one = self.orders.get(int(parameters["order_id"]))
            return {"status": "SUCCESS", "orders": [copy.deepcopy(found_one)] if found_one else []}
        start = int(parameters.get("date_confirmed_from") or 0)
        found = sorted(
            (o for o in self.orders.values() if o["date_confirmed"] >= start),
            key=lambda o: (o["date_confirmed"], o["order_id"]),
        )
        return {"status": "SUCCESS", "orders": copy.deepcopy(found[:100])}

    def _journal(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """Entries after ``last_log_id`` of the types asked for; the documentation names no
        page size, so the fake answers at most 100 at a time to make Doorstep read on."""
        if not self.journal_on:
            return {"status": "SUCCESS", "logs": []}
        after = int(parameters.get("last_log_id") or 0)
        types = set(parameters.get("logs_types") or [])
        found = [
            e for e in self.journal if e["log_id"] > after and (not types or e["log_type"] in types)
        ]
        return {"status": "SUCCESS", "logs": copy.deepcopy(found[:100])}

    def journal_reads(self) -> list[int | None]:
        """``last_log_id`` of every getJournalList call."""
        return [p.get("last_log_id") for m, p in self.calls if m == "getJournalList"]


#: BaseLinker's minute in these tests, in seconds: a request every 0.6 ms rather than
#: every 0.6 s, so a sync is not slowed by the pace; test_baselinker_pacing.py times it.
FAST_MINUTE = 0.06


def fixtures(orders: int) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    """A BaseLinker test module's ``settings`` (the portal's, on each engine), ``store``
    (an account of ``orders`` confirmed orders, a minute apart from ``BASE``) and ``http``
    (the worker's HTTP client, with the store and DHL faked behind it)::

        settings, store, http = fixtures(orders=250)
    """

    @pytest.fixture
    def settings(tmp_path: Path, database_url: str, db: str) -> Settings:
        return store_settings(tmp_path, database_url)

    @pytest.fixture
    def store(monkeypatch: pytest.MonkeyPatch) -> FakeBaseLinker:
        monkeypatch.setattr(baselinker, "WINDOW", FAST_MINUTE)
        return FakeBaseLinker.with_orders(orders, BASE)

    @pytest.fixture
    async def http(store: FakeBaseLinker) -> AsyncIterator[httpx.AsyncClient]:
        async with outside(BASELINKER_HOST, store.answer) as client:
            yield client

    return settings, store, http
