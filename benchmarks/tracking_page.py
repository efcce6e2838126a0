"""Tracking page throughput: the portal's page vs a bare Starlette + Jinja2 page, same run.

Both servers are uvicorn subprocesses (uvloop + httptools, one worker, no access log) on
loopback, rendering a shipment with 30 events; the load generator is a separate process
holding 64 keep-alive connections (``wrk`` when installed, else aiohttp, or httpx with
``--client httpx``). Prints requests/s, p50/p99 and the ratio portal / bare.

    .venv/bin/python -m benchmarks.tracking_page [--duration 10] [--connections 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NUMBER = "SBX00000003030"
EVENTS = 30

BARE_TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Track your parcel</title></head><body><main><h1>Your parcel</h1>
<p>{{ status }}</p><ol>{% for e in events %}<li><time datetime="{{ e.when }}">{{ e.time }}</time>
{{ e.label }} {{ e.description }} {{ e.place }}</li>{% endfor %}</ol></main></body></html>"""


# --- the two apps (uvicorn --factory) ---------------------------------------------------


def portal_app() -> Any:
    """The portal with the tracking pages and no lookup limit (we are the only client)."""
    from portal.app import create_app
    from portal.settings import Settings
    from portal.tracking_page import views
    from portal.tracking_page.config import PageConfig
    from portal.tracking_page.ratelimit import Limit

    app = create_app(Settings.from_env())
    app.router.routes.extend(views.routes)
    app.state.tracking_page = PageConfig(number_limit=Limit("numbers", 10**12, 60))
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


async def _seed(url: str) -> None:
    from carriers.base import Status
    from portal import db
    from portal.models import Merchant, Order, Shipment, TrackingEvent

    await db.connect(url)
    try:
        shop = await Merchant.create(slug="bench", name="Bench Shop", time_zone="Europe/Warsaw")
        now = datetime.now(UTC)
        order = await Order.create(merchant=shop, number="#B1", placed_at=now, ship_country="PL")
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
    deadline = time.monotonic() + 30
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", default="compare", choices=["compare", "load"])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--client", default="auto", choices=["auto", "aiohttp", "httpx"])
    args = parser.parse_args()
    if args.mode == "load":
        result = asyncio.run(_load(args.url, args.connections, args.duration, args.client))
        print(json.dumps(result))
        return

    from portal import db

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{tmp}/bench.sqlite3"
        env = {
            **os.environ,
            "PORTAL_VAR_DIR": f"{tmp}/var",
            "PORTAL_DATABASE_URL": url,
            "PORTAL_SECRET_KEY": "b" * 40,
            "PORTAL_LOG_LEVEL": "WARNING",
        }
        asyncio.run(db.migrate(url))
        asyncio.run(_seed(url))
        results = {}
        for name, factory in (
            ("portal", "benchmarks.tracking_page:portal_app"),
            ("bare", "benchmarks.tracking_page:bare_app"),
        ):
            process, base = _serve(factory, env)
            try:
                target = f"{base}/track/{NUMBER}"
                measure(target, args.connections, 2, args.client)  # warm-up
                results[name] = measure(target, args.connections, args.duration, args.client)
            finally:
                process.terminate()
                process.wait(timeout=30)
    for name, r in results.items():
        print(
            f"{name:7s} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms"
            f"  ({r['client']}, {args.connections} connections, errors: {r['errors']})"
        )
    print(f"ratio portal/bare: {results['portal']['rps'] / results['bare']['rps']:.2f}")


if __name__ == "__main__":
    main()
