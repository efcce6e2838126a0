"""Tracking page throughput: the portal's page vs a bare Starlette + Jinja2 page, same run.

Both servers are uvicorn subprocesses (uvloop + httptools, one worker, no access log) on
loopback, rendering a shipment with 30 events; the load generator is a separate process
holding 64 keep-alive connections (``wrk`` when installed, else aiohttp, or httpx with
``--client httpx``). Prints requests/s, p50/p99 and the ratio portal / bare.

The portal is the real app (``create_app`` with the route table a customer reaches), with
its sessions, CSRF, language and security middleware; only the per-client lookup limit is
raised, through its documented setting ``PORTAL_TRACKING_NUMBER_LIMIT`` (the load generator
is one client making ~10^5 lookups). The parcel's order has a customer, as a real shop's
orders do (the page reads their time zone); ``--no-customer`` seeds it without. Before
measuring, the portal's page is fetched once and checked to show all 30 events. The load
generator keeps no cookies for 127.0.0.1, so every request is a first visit (a new session
and CSRF token each time).

The portal's per-process page caches are on, as in production (``PORTAL_TRACKING_CACHE_
SECONDS``, default 5 s): one hot parcel costs a query and a fragment render per 5 s. Run
with ``PORTAL_TRACKING_CACHE_SECONDS=0`` in the environment to measure every request
reading the database and rendering the timeline (many parcels each viewed rarely).

    .venv/bin/python -m benchmarks.tracking_page [--duration 10] [--connections 16,64]
        [--rounds 3] [--cache-seconds 0]
        [--database postgres://postgres@127.0.0.1:5432/doorstep_bench]

Rounds alternate portal and bare (A, B, A, B …) at each connection count. Next to
requests/s each run prints the CPU seconds a page cost each process: the server's (from
``/proc/<pid>/stat``) and, on PostgreSQL, its backends' for the benchmark's database — the
stable figure when other work shares the machine's cores.

Without ``--database`` a throwaway SQLite file is used. A PostgreSQL database is DROPPED
and created afresh (its name must contain "bench", so a real one is never wiped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import machine_load

ROOT = Path(__file__).resolve().parents[1]
NUMBER = "SBX00000003030"
EVENTS = 30

BARE_TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Track your parcel</title></head><body><main><h1>Your parcel</h1>
<p>{{ status }}</p><ol>{% for e in events %}<li><time datetime="{{ e.when }}">{{ e.time }}</time>
{{ e.label }} {{ e.description }} {{ e.place }}</li>{% endfor %}</ol></main></body></html>"""


# --- the two apps (uvicorn --factory) ---------------------------------------------------


def portal_app() -> Any:
    """The portal exactly as ``portal serve`` builds it (settings from the environment),
    its start-up objects frozen out of the garbage collector as ``portal serve`` does
    (``runtime.tune_gc``; until 2026-12-06 night the benchmark's portal ran without)."""
    from portal.app import create_app
    from portal.runtime import tune_gc
    from portal.settings import Settings

    app = create_app(Settings.from_env())
    tune_gc()
    return app


def bare_app() -> Any:
    """Starlette + Jinja2 rendering 30 in-memory events: the floor for any page."""
    from jinja2 import DictLoader, Environment
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    template = Environment(loader=DictLoader({"t": BARE_TEMPLATE}), autoescape=True).get_template(
        "t"
    )
    now = datetime.now(UTC)
    events = [
        {
            "when": (now - timedelta(hours=i)).isoformat(),
            "time": (now - timedelta(hours=i)).strftime("%H:%M"),
            "label": "On its way",
            "description": f"Scan {i}",
            "place": "Kraków, PL",
        }
        for i in range(EVENTS)
    ]

    async def page(request: Any) -> HTMLResponse:
        return HTMLResponse(template.render(status="On its way", events=events))

    return Starlette(routes=[Route("/track/{number}", page)])


# --- setup ---------------------------------------------------------------------------------


async def _seed(url: str, customer: bool = True) -> None:
    """The parcel measured: 30 events, of an order placed by a customer as a real shop's
    orders are (their time zone is the page's); ``customer=False`` seeds the order
    without one, as the benchmark did before 2026-12-06 evening."""
    from carriers.base import Status
    from portal import db
    from portal.models import Customer, Merchant, Order, Shipment, TrackingEvent

    await db.connect(url)
    try:
        shop = await Merchant.create(slug="bench", name="Bench Shop", time_zone="Europe/Warsaw")
        now = datetime.now(UTC)
        buyer = None
        if customer:
            buyer = await Customer.create(
                merchant=shop,
                email="buyer@example.com",
                name="Bench Buyer",
                time_zone="Europe/Warsaw",
                country="PL",
            )
        order = await Order.create(
            merchant=shop, customer=buyer, number="#B1", placed_at=now, ship_country="PL"
        )
        shipment = await Shipment.create(
            merchant=shop,
            order=order,
            carrier_key="sandbox",
            tracking_number=NUMBER,
            status=Status.IN_TRANSIT,
            last_event_at=now,
            last_polled_at=now,  # fresh: page views do not call the carrier
        )
        await TrackingEvent.bulk_create(
            [
                TrackingEvent(
                    shipment=shipment,
                    occurred_at=now - timedelta(hours=i),
                    status=Status.IN_TRANSIT,
                    description=f"Scan {i}",
                    city="Kraków",
                    country="PL",
                    dedupe_key=f"bench-{i}",
                )
                for i in range(EVENTS)
            ]
        )
    finally:
        await db.disconnect()


async def _freshen(url: str) -> None:
    """Mark the parcel polled just now, as the sweep keeps a parcel on its way: five
    minutes after it was polled a page view asks the carrier first (``refresh_max_age``),
    and with the caches off every view would (until 2026-12-07 the rounds that ran more
    than five minutes after the seed measured that heavier page)."""
    from portal import db
    from portal.models import Shipment

    await db.connect(url)
    try:
        await Shipment.filter(tracking_number=NUMBER).update(last_polled_at=datetime.now(UTC))
    finally:
        await db.disconnect()


async def _fresh_postgres(url: str) -> None:
    """Drop and create the benchmark's own PostgreSQL database."""
    import asyncpg

    server, _, name = url.rpartition("/")
    name = name.split("?")[0]
    if "bench" not in name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _check_page(url: str) -> None:
    """The page measured is the customer's page with every event on it."""
    import httpx

    response = httpx.get(url, timeout=30)
    response.raise_for_status()
    missing = [i for i in range(EVENTS) if f"Scan {i}<" not in response.text]
    if missing:
        raise SystemExit(f"{url} does not show events {missing}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(factory: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
         "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
         "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    # Generous: the portal imports every carrier adapter before serving (tune_gc), which
    # took over 30 s on a machine shared with other work.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{factory} did not start")


# --- load ----------------------------------------------------------------------------------


async def _load(url: str, connections: int, duration: float, client: str) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + duration

    if client == "httpx":
        import httpx

        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        session: Any = httpx.AsyncClient(limits=limits, timeout=30)

        async def fetch() -> int:
            response = await session.get(url)
            return response.status_code
    else:
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))

        async def fetch() -> int:
            async with session.get(url) as response:
                await response.read()
                return response.status

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status = await fetch()
            except Exception:
                errors += 1
                continue
            if status != 200:
                errors += 1
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    await session.aclose() if client == "httpx" else await session.close()
    latencies.sort()

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0
        )

    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }


def _wrk(url: str, connections: int, duration: float) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{int(duration)}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(next(line.split()[1] for line in out.splitlines() if "Requests/sec" in line))

    def ms(token: str) -> float:
        value = next(line.split()[1] for line in out.splitlines() if line.strip().startswith(token))
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
        for unit in ("us", "ms", "s"):
            if value.endswith(unit):
                return float(value[: -len(unit)]) * scale[unit]
        return float(value)

    return {"requests": None, "errors": None, "rps": rps, "p50_ms": ms("50%"), "p99_ms": ms("99%")}


def measure(url: str, connections: int, duration: float, client: str) -> dict[str, Any]:
    """Load ``url`` from a separate process; wrk when installed and not told otherwise."""
    if client == "auto" and shutil.which("wrk"):
        return {**_wrk(url, connections, duration), "client": "wrk"}
    chosen = "aiohttp" if client == "auto" else client
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.tracking_page", "load", url,
         "--connections", str(connections), "--duration", str(duration), "--client", chosen],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    return {**json.loads(out), "client": chosen}


def _measured(
    url: str, pid: int, connections: int, duration: float, client: str, database: str | None
) -> dict[str, Any]:
    """One load run, with the CPU seconds the server (and PostgreSQL's backends) spent."""
    from benchmarks.cpu import PostgresCpu, process_seconds

    pg = PostgresCpu(database) if database else None
    pg_before = asyncio.run(pg.snapshot()) if pg else {}
    cpu_before = process_seconds(pid)
    result = measure(url, connections, duration, client)
    result["server_cpu"] = process_seconds(pid) - cpu_before
    result["pg_cpu"] = asyncio.run(pg.since(pg_before)) if pg else 0.0
    served = result["requests"] or result["rps"] * duration
    result["server_ms"] = result["server_cpu"] * 1000 / served if served else 0.0
    result["pg_ms"] = result["pg_cpu"] * 1000 / served if served else 0.0
    return result


def _summary(name: str, runs: list[dict[str, Any]]) -> dict[str, float]:
    rates = sorted(r["rps"] for r in runs)
    return {
        "min": rates[0],
        "median": statistics.median(rates),
        "max": rates[-1],
        "p99": statistics.median(r["p99_ms"] for r in runs),
        "server_ms": statistics.median(r["server_ms"] for r in runs),
        "pg_ms": statistics.median(r["pg_ms"] for r in runs),
    }


def report(
    rounds: dict[int, list[dict[str, dict[str, Any]]]], engine: str, cache: str
) -> list[str]:
    """The final table: per connection count, min/median/max req/s, p99 and CPU a page."""
    lines = [
        f"tracking page on {engine}, portal cache {cache}: "
        "req/s min/median/max of the rounds, medians of p99 and CPU ms a page per process",
        f"{'conn':>4}  {'server':8}  {'req/s min/med/max':>22}  {'p99 ms':>7}  "
        f"{'server CPU ms':>13}  {'PostgreSQL CPU ms':>17}",
    ]
    for connections, runs in rounds.items():
        summary = {name: _summary(name, [r[name] for r in runs]) for name in ("portal", "bare")}
        for name, s in summary.items():
            rates = f"{s['min']:,.0f} / {s['median']:,.0f} / {s['max']:,.0f}"
            pg = f"{s['pg_ms']:.3f}" if name == "portal" and engine == "postgresql" else "-"
            lines.append(
                f"{connections:>4}  {name:8}  {rates:>22}  {s['p99']:7.1f}  "
                f"{s['server_ms']:13.3f}  {pg:>17}"
            )
        portal, bare = summary["portal"], summary["bare"]
        lines.append(
            f"{connections:>4}  ratio     req/s {portal['median'] / bare['median']:.2f}"
            f" (median of medians), p99 {portal['p99'] / bare['p99']:.2f}x,"
            f" CPU a page {(portal['server_ms'] + portal['pg_ms']) / bare['server_ms']:.1f}x"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", default="compare", choices=["compare", "load"])
    parser.add_argument("url", nargs="?")
    parser.add_argument(
        "--connections", default="64", help="comma-separated counts, e.g. 16,64 (load: one)"
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--client", default="auto", choices=["auto", "aiohttp", "httpx"])
    parser.add_argument("--rounds", type=int, default=3, help="alternating portal/bare runs")
    parser.add_argument("--database", help="postgres://…/<name with 'bench'> (default: SQLite)")
    parser.add_argument(
        "--cache-seconds",
        help="the portal's PORTAL_TRACKING_CACHE_SECONDS (0: every page reads the database)",
    )
    parser.add_argument(
        "--no-customer",
        action="store_true",
        help="seed the parcel's order without a customer (the benchmark before 2026-12-06 evening)",
    )
    args = parser.parse_args()
    if args.mode == "load":
        result = asyncio.run(_load(args.url, int(args.connections), args.duration, args.client))
        print(json.dumps(result))
        return

    from portal import db

    counts = [int(c) for c in args.connections.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite://{tmp}/bench.sqlite3"
        env = {
            **os.environ,
            "PORTAL_VAR_DIR": f"{tmp}/var",
            "PORTAL_DATABASE_URL": url,
            "PORTAL_SECRET_KEY": "b" * 40,
            "PORTAL_LOG_LEVEL": "WARNING",
            "PORTAL_TRACKING_NUMBER_LIMIT": str(10**12),
        }
        if args.cache_seconds is not None:
            env["PORTAL_TRACKING_CACHE_SECONDS"] = args.cache_seconds
        cache = env.get("PORTAL_TRACKING_CACHE_SECONDS", "5 (default)")
        cache = "off" if cache in {"0", "0.0"} else f"{cache} s"
        if url.startswith(("postgres://", "postgresql://")):
            asyncio.run(_fresh_postgres(url))
        asyncio.run(db.migrate(url))
        asyncio.run(_seed(url, customer=not args.no_customer))
        servers = {
            name: _serve(factory, env)
            for name, factory in (
                ("portal", "benchmarks.tracking_page:portal_app"),
                ("bare", "benchmarks.tracking_page:bare_app"),
            )
        }
        rounds: dict[int, list[dict[str, dict[str, Any]]]] = {c: [] for c in counts}
        try:
            targets = {name: f"{base}/track/{NUMBER}" for name, (_, base) in servers.items()}
            _check_page(targets["portal"])
            for target in targets.values():
                measure(target, max(counts), 2, args.client)  # warm-up
            # Alternate the two, so a busy moment on the machine hits both alike.
            for connections in counts:
                for _ in range(args.rounds):
                    asyncio.run(_freshen(url))
                    rounds[connections].append(
                        {
                            name: _measured(
                                target,
                                servers[name][0].pid,
                                connections,
                                args.duration,
                                args.client,
                                args.database if name == "portal" else None,
                            )
                            for name, target in targets.items()
                        }
                    )
        finally:
            for process, _base in servers.values():
                process.terminate()
                process.wait(timeout=30)
    engine = "postgresql" if (args.database or "").startswith("postgres") else "sqlite"
    for connections, runs in rounds.items():
        for n, results in enumerate(runs, start=1):
            for name, r in results.items():
                print(
                    f"{connections} conn. round {n} {name:7s} {r['rps']:8.0f} req/s"
                    f"  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms"
                    f"  CPU {r['server_ms']:.3f} + {r['pg_ms']:.3f} ms a page"
                    f"  ({r['client']}, errors: {r['errors']})"
                )
    print()
    print("\n".join(report(rounds, engine, cache)))
    print(f"order's customer: {'none' if args.no_customer else 'yes (its time zone is read)'}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()} at the end")
    print("reproduce: python -m benchmarks.tracking_page " + shlex.join(sys.argv[1:]))


if __name__ == "__main__":
    main()
