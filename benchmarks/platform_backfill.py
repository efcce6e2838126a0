"""Store backfill throughput: orders imported per second from a Shopify-shaped stub.

``python -m benchmarks.platform_backfill [--orders 10000] [--rounds 3] [--database URL]``

A ``python -m benchmarks.shopify_stub`` process on loopback serves that many orders in
pages of the Shopify client's own size (``ORDERS_PAGE``, kept under Shopify's 1,000-point
single-query cost; the GraphQL Admin API's shape, cursor pagination). Each round:

- A, the import: the database is recreated, one merchant and one Shopify connection are
  written, and the worker's own code path (:func:`portal.platforms.backfill.sync_connection`)
  reads every page and upserts orders, customers (with consent), items and records;
- B, the bare loop: the same pages asked for with the client's own query and variables,
  read with the same HTTP client and JSON-decoded with the standard library
  (``response.json()``), nothing else;
- B', the same bare loop decoding with orjson (``orjson.loads(response.content)``), as the
  import's Shopify client does since it took orjson: B is the yardstick the target was set
  against, B' the same loop with the import's own decoder, so neither side of the ratio
  gains from a library the other does not use.

The process is set up as ``portal worker`` sets itself up (:func:`portal.runtime.tune_gc`:
carrier adapters loaded, start-up objects frozen, the worker's collection thresholds),
and what setting up a round left for the cyclic collector (the migrations) is collected
before either pass starts its clock. B and B' run before the first A and after every A
(B, B', A, B, B', A, …); each round's ratios are A's rate against B's and against B''s
over the two passes of each around it, so drift on a shared machine during a round hits
both sides. Reported: each round, orders/s min/median/max for each, the ratios A/B and
A/B' (target ≥ 0.5), and CPU seconds per
1,000 orders for this process, the stub and the PostgreSQL backends serving the
benchmark's database (from /proc; PostgreSQL's shared writers, such as the WAL writer,
are not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import itertools
import os
import pstats
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from benchmarks.common import (
    DEFAULT_POSTGRES,
    free_port,
    fresh_database,
    machine_load,
    peak_rss_mb,
    postgres_cpu,
    served,
    table,
)
from portal.platforms.shopify_queries import ORDERS_PAGE, ORDERS_QUERY

#: How the bare loop decodes a page: B as the target was set (the standard library), B'
#: as the import's Shopify client decodes (orjson).
DECODERS: dict[str, Callable[[httpx.Response], object]] = {
    "B": lambda response: response.json(),
    "B'": lambda response: orjson.loads(response.content),
}

#: The client's own page (20: a page of 100 orders would cost over 1,000 points).
PAGE_SIZE = ORDERS_PAGE


@dataclass
class Run:
    seconds: float
    cpu: float
    stub_cpu: float
    orders: int
    #: The PostgreSQL backends serving the benchmark's database (0 on SQLite, and for B).
    db_cpu: float = 0.0
    #: The 1-minute load average when the pass ended.
    load: float = 0.0


def _process_cpu(pid: int) -> float:
    """utime + stime of ``pid`` in seconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stub_pid(port: int) -> int:
    """The stub's pid: the child of this process listening on ``port``."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_text()
            except OSError:
                continue
            if "benchmarks.shopify_stub" in cmdline and str(port) in cmdline:
                return int(entry)
    return 0


def _settings(database: str) -> object:
    from portal.settings import Settings

    return Settings.from_env(
        {
            "PORTAL_DATABASE_URL": database,
            "PORTAL_SECRET_KEY": "b" * 40,
            "PORTAL_VAR_DIR": "var/bench",
            "PORTAL_LOG_LEVEL": "WARNING",
        }
    )


async def import_round(
    database: str, stub: str, stub_pid: int, count: int, profile: cProfile.Profile | None = None
) -> Run:
    from portal import db
    from portal.crypto import encrypt_json
    from portal.models import Merchant, Order, Platform, PlatformConnection
    from portal.platforms.backfill import sync_connection
    from portal.settings import Settings

    settings = _settings(database)
    assert isinstance(settings, Settings)
    await fresh_database(database)
    await db.connect(database)
    try:
        merchant = await Merchant.create(slug="bench", name="Bench")
        connection = await PlatformConnection.create(
            merchant=merchant,
            platform=Platform.SHOPIFY,
            shop_url=stub,
            credentials_encrypted=encrypt_json(
                settings, {"access_token": "shpat_bench", "app_secret": "shpss_bench"}
            ),
        )
        async with httpx.AsyncClient() as http:
            # The set-up's garbage (migrations, the pool) is not the import's to collect.
            gc.collect()
            stub_before, cpu_before = _process_cpu(stub_pid), time.process_time()
            db_before = postgres_cpu(database)
            started = time.perf_counter()
            if profile is not None:
                profile.enable()
            report = await sync_connection(connection, settings, http, page_size=PAGE_SIZE)
            if profile is not None:
                profile.disable()
            seconds = time.perf_counter() - started
            cpu, stub_cpu = time.process_time() - cpu_before, _process_cpu(stub_pid) - stub_before
            db_cpu = postgres_cpu(database) - db_before
        imported = await Order.all().count()
        if imported != count or report.orders_created != count:
            print(f"warning: imported {imported} of {count}: {report.summary()}", file=sys.stderr)
    finally:
        await db.disconnect()
    return Run(seconds, cpu, stub_cpu, imported, db_cpu, os.getloadavg()[0])


async def bare_round(
    stub: str, stub_pid: int, count: int, decode: Callable[[httpx.Response], object]
) -> Run:
    url = f"{stub}/admin/api/2025-01/graphql.json"
    seen = 0
    async with httpx.AsyncClient() as http:
        gc.collect()  # as before an import
        stub_before, cpu_before = _process_cpu(stub_pid), time.process_time()
        started = time.perf_counter()
        cursor = None
        while True:
            # The request the client sends (ShopifyClient.orders on a backfill).
            response = await http.post(
                url,
                json={"query": ORDERS_QUERY,
                      "variables": {"first": PAGE_SIZE, "after": cursor, "query": None}},
                headers={"X-Shopify-Access-Token": "shpat_bench"},
            )  # fmt: skip
            body = decode(response)
            assert isinstance(body, dict)
            orders = body["data"]["orders"]
            seen += len(orders["edges"])
            if not orders["pageInfo"]["hasNextPage"]:
                break
            cursor = orders["pageInfo"]["endCursor"]
        seconds = time.perf_counter() - started
        cpu, stub_cpu = time.process_time() - cpu_before, _process_cpu(stub_pid) - stub_before
    return Run(seconds, cpu, stub_cpu, seen, load=os.getloadavg()[0])


def _spread(values: list[float]) -> str:
    return f"{min(values):,.0f} / {statistics.median(values):,.0f} / {max(values):,.0f}"


def _cpu(runs: list[Run], per_k: float) -> str:
    return " / ".join(
        f"{statistics.median(values) * per_k:.3f}"
        for values in (
            [r.cpu for r in runs],
            [r.stub_cpu for r in runs],
            [r.db_cpu for r in runs],
        )
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.platform_backfill", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database", default=DEFAULT_POSTGRES, help="dropped and recreated! (default %(default)s)"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="after the rounds, one more import under cProfile (CPU time, not wall time: the "
        "machine is shared); print its N costliest functions by own time",
    )
    return parser


def _around(bares: list[Run]) -> list[float]:
    """A bare loop's rate around each A: its orders over the time of the passes before
    and after."""
    return [
        (before.orders + after.orders) / (before.seconds + after.seconds)
        for before, after in itertools.pairwise(bares)
    ]


def _cpu_around(bares: list[Run], i: int) -> float:
    """CPU seconds per order of the bare passes before and after the ``i``-th A."""
    return (bares[i].cpu + bares[i + 1].cpu) / (bares[i].orders + bares[i + 1].orders)


def _ratio_line(name: str, ratios: list[float], decoder: str) -> str:
    return (
        f"ratio A/{name} per round ({name} decodes with {decoder}): "
        f"{', '.join(f'{r:.3f}' for r in ratios)} (min {min(ratios):.3f}, median "
        f"{statistics.median(ratios):.3f}, max {max(ratios):.3f}; target >= 0.5)"
    )


async def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    load_at_start = machine_load()
    port = free_port()
    stub = f"http://127.0.0.1:{port}"
    imports: list[Run] = []
    bares: dict[str, list[Run]] = {name: [] for name in DECODERS}
    command = ["benchmarks.shopify_stub", "--port", str(port), "--orders", str(args.orders)]
    import portal.platforms.backfill  # noqa: F401  (start-up imports, as a worker has them)
    from portal.runtime import tune_gc

    tune_gc()  # what `portal worker` does at start-up
    with served(command, f"{stub}/health", timeout=120):
        pid = _stub_pid(port)
        for name, decode in DECODERS.items():
            bares[name].append(await bare_round(stub, pid, args.orders, decode))
        for _ in range(args.rounds):
            imports.append(await import_round(args.database, stub, pid, args.orders))
            for name, decode in DECODERS.items():
                bares[name].append(await bare_round(stub, pid, args.orders, decode))
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            await import_round(args.database, stub, pid, args.orders, profile)
            print(f"\nprofile of one import (CPU seconds, {args.orders:,} orders):")
            stats = pstats.Stats(profile, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(args.profile)
    engine = "PostgreSQL" if args.database.startswith("postgres") else "SQLite"
    a = [r.orders / r.seconds for r in imports]
    around = {name: _around(runs) for name, runs in bares.items()}
    ratios = {
        name: [x / y for x, y in zip(a, rates, strict=True)] for name, rates in around.items()
    }
    per_k = 1000 / args.orders
    rounds: list[list[object]] = [
        [
            "round",
            "A orders/s",
            "B / B' orders/s (around A)",
            "ratio A/B, A/B'",
            "CPU s per 1k A: portal / PostgreSQL",
            "B / B': portal",
            "load after A",
        ]
    ]
    for i, (run, rate) in enumerate(zip(imports, a, strict=True)):
        rounds.append(
            [
                i + 1,
                f"{rate:,.0f}",
                " / ".join(f"{around[name][i]:,.0f}" for name in DECODERS),
                ", ".join(f"{ratios[name][i]:.3f}" for name in DECODERS),
                f"{run.cpu / run.orders * 1000:.3f} / {run.db_cpu / run.orders * 1000:.3f}",
                " / ".join(f"{_cpu_around(bares[name], i) * 1000:.3f}" for name in DECODERS),
                f"{run.load:.1f}",
            ]
        )
    labels = {"B": "B: bare loop (same pages)", "B'": "B': bare loop, orjson"}
    rows: list[list[object]] = [
        [
            "pass",
            "orders",
            "orders/s min / median / max",
            "CPU s per 1k, median (portal / stub / PostgreSQL)",
        ],
        ["A: import (sync_connection)", f"{args.orders:,}", _spread(a), _cpu(imports, per_k)],
    ]
    for name, runs in bares.items():
        rates = [r.orders / r.seconds for r in runs]
        rows.append([labels[name], f"{args.orders:,}", _spread(rates), _cpu(runs, per_k)])
    print()
    print(
        f"store backfill on {engine}: Shopify-shaped GraphQL stub (loopback), pages of "
        f"{PAGE_SIZE}, {args.rounds} rounds, B and B' before and after each A"
    )
    print(table(rounds))
    print()
    print(table(rows))
    print(_ratio_line("B", ratios["B"], "json, the standard library: the target's yardstick"))
    print(_ratio_line("B'", ratios["B'"], "orjson, as the import does"))
    print()
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {load_at_start} at the start, "
        f"{machine_load()} at the end"
    )
    print(
        "reproduce: python -m benchmarks.platform_backfill "
        + shlex.join(argv if argv is not None else sys.argv[1:])
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
