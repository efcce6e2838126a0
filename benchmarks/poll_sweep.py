"""Poll-sweep throughput: shipments persisted per second against the sandbox carrier on loopback.

``python -m benchmarks.poll_sweep [--shipments 10000] [--full] [--database URL]``

For each size (``--shipments``, plus 100,000 with ``--full``) the benchmark recreates the
database, seeds that many due shipments of one merchant on one sandbox carrier account
whose base URL is a ``python -m carriers.sandbox`` process on loopback, and runs the
worker's own code path (``sweep_until_idle`` with the worker's HTTP client settings) twice:

- first sync: every shipment is new, so each gets its events, a status change and a
  domain event;
- steady state: ``next_poll_at`` set back to now, nothing new to write.

The baseline, measured in the same run against the same server with the same client and
concurrency, is a bare loop POSTing the same 100-number batches (no database), run right
before each sweep pass, after one untimed pass over every number so that the sandbox has
computed every journey before either side is timed. Each pass prints CPU seconds per
1,000 shipments of this process and of the database's PostgreSQL backends. Absolute
times are noisy on shared machines; the ratio and the per-shipment cost from 10k to 100k
are what to compare. Peak RSS is the whole process's (seeding and baseline included; the
migrations run in a child process, as `portal migrate` does before workers start).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import shlex
import sys
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from benchmarks.common import (
    DEFAULT_POSTGRES,
    free_port,
    machine_load,
    peak_rss_mb,
    postgres_cpu,
    served,
    table,
)

#: Calls in flight at once in the sweep: parallel lanes x calls per account.
LANES = 2
BATCH = 500
TARGET_PER_SECOND = 2000.0
RSS_LIMIT_MB = 200.0

_SHIPMENT_COLUMNS = (
    ("merchant_id", "int"),
    ("carrier_account_id", "int"),
    ("carrier_key", "varchar"),
    ("carrier_pinned", "bool"),
    ("tracking_number", "varchar"),
    ("direction", "varchar"),
    ("status", "varchar"),
    ("poll_failures", "int"),
    ("next_poll_at", "timestamptz"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)


@dataclass
class Pass:
    """One timed run: how many shipments it persisted, in how long."""

    name: str
    shipments: int
    seconds: float
    new_events: int = 0
    status_changes: int = 0
    cpu: float = 0.0  # this process: the sweep, or the bare loop
    postgres_cpu: float = 0.0  # the benchmark database's PostgreSQL backends

    def cpu_per_thousand(self, seconds: float) -> float:
        return 1000 * seconds / self.shipments if self.shipments else 0.0

    @property
    def per_second(self) -> float:
        return self.shipments / self.seconds if self.seconds else 0.0

    @property
    def micros_each(self) -> float:
        return self.seconds / self.shipments * 1e6 if self.shipments else 0.0


def make_client(transport: str) -> httpx.AsyncClient:
    """The worker's client (``portal.http.build_client`` settings), optionally on aiohttp."""
    from portal.http import USER_AGENT, build_client
    from portal.settings import Settings

    if transport == "default":
        return build_client(Settings(sandbox_carrier=False))
    from httpx_aiohttp import AiohttpTransport  # not a dependency: measurement only

    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(15.0, connect=5.0),
        limits=limits,
        follow_redirects=False,
        transport=AiohttpTransport(limits=limits),
    )


async def seed(count: int, server: str, now: datetime, settings: Any) -> list[str]:
    """One merchant, one sandbox account on ``server``, ``count`` shipments due now."""
    from tortoise import connections

    from carriers.sandbox import make_numbers
    from portal.crypto import encrypt_json
    from portal.models import CarrierAccount, Merchant
    from portal.tracking import store

    shop = await Merchant.create(slug="bench", name="Benchmark shop")
    account = await CarrierAccount.create(
        merchant=shop,
        carrier_key="sandbox",
        name="Sandbox (benchmark)",
        credentials_encrypted=encrypt_json(settings, {"api_key": "bench"}),
        base_url_override=server,
    )
    numbers = make_numbers(count, seed=count, now=now)
    conn = connections.get("default")
    for start in range(0, count, 10_000):
        rows = [
            (shop.id, account.id, "sandbox", False, n, "outbound", "pending", 0, now, now, now)
            for n in numbers[start : start + 10_000]
        ]
        await store.bulk_insert_ignore(conn, "shipment", _SHIPMENT_COLUMNS, rows, plain=True)
    return numbers


async def sweep_all(settings: Any, client: httpx.AsyncClient, name: str) -> Pass:
    """Sweep until nothing is due, exactly as ``poll_job`` does (without its time budget)."""
    from portal.models import Shipment
    from portal.tracking.report import SweepReport
    from portal.tracking.sweep import sweep_until_idle

    started_at = datetime.now(UTC)
    total = SweepReport()
    began = time.perf_counter()
    while True:
        report = await sweep_until_idle(settings, client=client, batch_size=BATCH, parallel=LANES)
        total.merge(report)
        if not report.more_waiting:
            break
    seconds = time.perf_counter() - began
    persisted = await Shipment.filter(last_polled_at__gte=started_at).count()
    if total.failed:
        print(f"  warning: {total.failed} shipments failed: {total.summary()}", file=sys.stderr)
    return Pass(name, persisted, seconds, total.new_events, total.status_changes)


async def bare_loop(
    client: httpx.AsyncClient, server: str, numbers: Sequence[str], concurrency: int
) -> Pass:
    """The same 100-number POSTs with the same client and concurrency, and no database."""
    batches = [list(numbers[i : i + 100]) for i in range(0, len(numbers), 100)]
    pending = iter(batches)
    headers = {"Authorization": "Bearer bench", "Accept": "application/json"}

    async def worker() -> None:
        for batch in pending:
            response = await client.post(
                f"{server}/v1/track", json={"numbers": batch}, headers=headers
            )
            response.raise_for_status()
            response.json()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Pass("bare httpx loop (no DB)", len(numbers), time.perf_counter() - began)


async def tidy(database: str) -> None:
    """What autovacuum does between a bulk change and the next sweep (it is off on some
    machines, and a sweep over 100,000 dead row versions measures the bloat, not us)."""
    if database.startswith(("postgres://", "postgresql://")):
        from tortoise import connections

        await connections.get("default").execute_script(
            "VACUUM ANALYZE shipment, tracking_event, poll_lease"
        )


async def measured(database: str, work: Awaitable[Pass], profile: str | None = None) -> Pass:
    """``work``'s pass with the CPU this process and PostgreSQL spent on it; with
    ``profile``, under cProfile, its stats written to that file (CPU then includes the
    profiler's overhead)."""
    profiler = cProfile.Profile() if profile else None
    cpu, pg = time.process_time(), postgres_cpu(database)
    if profiler is not None:
        profiler.enable()
    try:
        result = await work
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(profile))
    result.cpu = time.process_time() - cpu
    result.postgres_cpu = postgres_cpu(database) - pg
    return result


async def _fresh_database_elsewhere(database: str) -> None:
    """:func:`fresh_database` in a child process, as ``portal migrate`` runs before the
    workers start: applying every migration leaves ~70 MB of freed memory that a worker
    never has, and the peak RSS measured here is the sweep's."""
    script = (
        "import asyncio, sys\n"
        "from benchmarks.common import fresh_database\n"
        "asyncio.run(fresh_database(sys.argv[1]))\n"
    )
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, database)
    if await process.wait() != 0:
        raise RuntimeError(f"could not recreate {database}")


async def run_size(
    count: int, database: str, server: str, transport: str, profile: str | None = None
) -> list[Pass]:
    from portal import db
    from portal.models import Shipment
    from portal.settings import Settings
    from portal.tracking.sweep import PER_ACCOUNT

    settings = Settings(
        secret_key="benchmark-" + "k" * 40, database_url=database, sandbox_carrier=False
    )
    await _fresh_database_elsewhere(database)
    await db.connect(database)
    try:
        numbers = await seed(count, server, datetime.now(UTC), settings)
        await tidy(database)
        async with make_client(transport) as client:
            # Warm-up over every number: the sandbox computes and caches each journey on
            # first sight, which the sweep never pays for when the bare loop went first.
            await bare_loop(client, server, numbers, LANES * PER_ACCOUNT)
            lanes = LANES * PER_ACCOUNT
            before_first = await measured(database, bare_loop(client, server, numbers, lanes))
            first = await measured(
                database,
                sweep_all(settings, client, "first sync (all new)"),
                f"{profile}-{count}-first.prof" if profile else None,
            )
            await Shipment.all().update(next_poll_at=datetime.now(UTC))
            await tidy(database)
            before_steady = await measured(database, bare_loop(client, server, numbers, lanes))
            steady = await measured(
                database,
                sweep_all(settings, client, "steady state (nothing new)"),
                f"{profile}-{count}-steady.prof" if profile else None,
            )
    finally:
        await db.disconnect()
    return [before_first, first, before_steady, steady]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.poll_sweep", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--shipments", type=int, default=10_000)
    parser.add_argument("--full", action="store_true", help="also run 100,000 shipments")
    parser.add_argument(
        "--database", default=DEFAULT_POSTGRES, help="dropped and recreated! (default %(default)s)"
    )
    parser.add_argument(
        "--transport",
        choices=("default", "aiohttp"),
        default="default",
        help="httpx transport under the worker's client (aiohttp needs httpx-aiohttp)",
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="run the sweep passes under cProfile, stats to PREFIX-<size>-first/steady.prof",
    )
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = [args.shipments] + ([100_000] if args.full and args.shipments != 100_000 else [])
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    results: dict[int, list[Pass]] = {}
    import portal.tracking.sweep  # noqa: F401  (start-up imports, as a worker has them)
    from portal.runtime import tune_gc

    tune_gc()  # what `portal worker` and `portal poll --once` do at start-up
    with served(["carriers.sandbox", "--port", str(port)], f"{server}/health"):
        for count in sizes:
            print(f"{count:,} shipments ...", flush=True)
            results[count] = await run_size(
                count, args.database, server, args.transport, args.profile
            )
    rss = peak_rss_mb()

    engine = "PostgreSQL" if args.database.startswith("postgres") else "SQLite"
    rows: list[list[object]] = [
        [
            "shipments",
            "pass",
            "persisted",
            "shipments/s",
            "µs/shipment",
            "vs bare loop",
            "CPU s/1k this",
            "CPU s/1k PG",
            "new events",
            "status changes",
        ]
    ]
    for count, (base_first, first, base_steady, steady) in results.items():
        for p, baseline in (
            (base_first, base_first),
            (first, base_first),
            (base_steady, base_steady),
            (steady, base_steady),
        ):
            ratio = f"{p.per_second / baseline.per_second:.2f}" if p is not baseline else "1.00"
            rows.append(
                [
                    f"{count:,}",
                    p.name,
                    f"{p.shipments:,}",
                    f"{p.per_second:,.0f}",
                    f"{p.micros_each:,.0f}",
                    ratio,
                    f"{p.cpu_per_thousand(p.cpu):.3f}",
                    f"{p.cpu_per_thousand(p.postgres_cpu):.3f}",
                    f"{p.new_events:,}",
                    f"{p.status_changes:,}",
                ]
            )
    print()
    print(
        f"poll sweep on {engine}, sandbox carrier over loopback, httpx transport: {args.transport}"
    )
    print(table(rows))
    print()
    if len(results) > 1:
        small, large = results[sizes[0]], results[sizes[-1]]
        for index, label in ((1, "first sync"), (3, "steady state")):
            flat = large[index].micros_each / small[index].micros_each
            print(
                f"per-shipment cost, {label}: {large[index].micros_each:,.0f} µs at "
                f"{sizes[-1]:,} vs {small[index].micros_each:,.0f} µs at {sizes[0]:,}: x{flat:.2f}"
            )
    for count, (_, first, _, steady) in results.items():
        for p, limit in ((first, 0.40), (steady, 0.25)):
            total = p.cpu_per_thousand(p.cpu + p.postgres_cpu)
            print(
                f"{count:,} {p.name}: {total:.3f} CPU s per 1,000 shipments, portal + "
                f"PostgreSQL (target <= {limit:.2f}): {'met' if total <= limit else 'NOT met'}"
            )
    slowest = min(min(r[1].per_second, r[3].per_second) for r in results.values())
    print(
        f"slowest pass: {slowest:,.0f} shipments/s "
        f"(target >= {TARGET_PER_SECOND:,.0f}/s on PostgreSQL): "
        f"{'met' if slowest >= TARGET_PER_SECOND else 'NOT met'}"
    )
    print(
        f"peak RSS of this process: {rss:.0f} MB (limit {RSS_LIMIT_MB:.0f} MB): "
        f"{'ok' if rss < RSS_LIMIT_MB else 'OVER'}"
    )
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()} at the end")
    print(
        "reproduce: python -m benchmarks.poll_sweep "
        + shlex.join(argv if argv is not None else sys.argv[1:])
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
