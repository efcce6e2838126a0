"""Where a tracking page's CPU goes: N in-process requests under cProfile.

The same seeded parcel as ``benchmarks.tracking_page`` (30 events), the real app from
``create_app``, requests made through ``httpx.ASGITransport`` (no sockets, no server loop),
so the profile holds only the portal's own work. Prints the CPU milliseconds a page
without the profiler, then the functions with the most cumulative time under it. With
``--asgi`` each request is a call of the app's ASGI callable, as uvicorn makes it, without
the httpx client: the CPU printed is then the portal's alone.

    .venv/bin/python -m benchmarks.tracking_profile [--requests 500] [--cache-seconds 0]
        [--database postgres://postgres@127.0.0.1:5432/<name with "bench">] [--top 40]
        [--asgi] [--as-served] [--rounds 1] [--seeded]

Without ``--database`` a throwaway SQLite file is used; a PostgreSQL database is DROPPED
and created afresh (its name must contain "bench"), unless ``--seeded`` says it already
holds the benchmark's parcel. ``--as-served`` runs the app as ``portal serve`` does (uvloop,
start-up objects frozen out of the garbage collector); ``--rounds`` prints the CPU of each
round of ``--requests`` pages. Two checkouts run at the same time with ``--seeded`` on one
database see the same machine: the steadiest before/after on a busy one.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.tracking_page import NUMBER, _fresh_postgres, _freshen, _seed


def _direct(app: Any, path: str) -> Callable[[], Awaitable[int]]:
    """One GET of ``path`` straight into the app's ASGI callable, as uvicorn would call
    it (no client, no sockets but the database's), answering the status code."""
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def get() -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": list(headers),
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        status = 0

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return get


async def _run(
    url: str,
    requests: int,
    cache_seconds: str,
    top: int,
    sort: str,
    asgi: bool = False,
    as_served: bool = False,
    rounds: int = 1,
) -> None:
    import httpx

    from portal import db
    from portal.app import create_app
    from portal.settings import Settings

    os.environ.update(
        {
            "PORTAL_DATABASE_URL": url,
            "PORTAL_SECRET_KEY": "b" * 40,
            "PORTAL_LOG_LEVEL": "WARNING",
            "PORTAL_TRACKING_NUMBER_LIMIT": str(10**12),
            "PORTAL_TRACKING_CACHE_SECONDS": cache_seconds,
        }
    )
    app = create_app(Settings.from_env(), manage_db=False)
    await db.connect(url)
    if as_served:
        from portal.runtime import tune_gc

        tune_gc()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            direct = _direct(app, f"/track/{NUMBER}")

            async def pages(n: int) -> None:
                for _ in range(n):
                    if asgi:  # no cookie sent: a first visit each time
                        status = await direct()
                    else:
                        client.cookies.clear()  # a first visit each time, like the load generator
                        status = (await client.get(f"/track/{NUMBER}")).status_code
                    if status != 200:
                        raise SystemExit(f"status {status}")

            await pages(50)  # warm-up: templates compiled, catalogues read
            who = "portal alone, ASGI calls" if asgi else "portal + client"
            spent = []
            for _ in range(rounds):
                started = time.process_time()
                await pages(requests)
                spent.append((time.process_time() - started) * 1000 / requests)
            if rounds > 1:
                print("rounds: " + " ".join(f"{ms:.3f}" for ms in spent))
            print(f"{statistics.median(spent):.3f} ms CPU a page ({who}, no profiler)")
            if top <= 0:
                return
            profile = cProfile.Profile(time.process_time)  # CPU, not wall: the machine is shared
            profile.enable()
            await pages(requests)
            profile.disable()
    finally:
        flush = getattr(app.state.tracking_page.limiter, "flush", None)
        if flush is not None:  # lookups counted in memory, written as the app's shutdown does
            await flush()
        await db.disconnect()
    stats = pstats.Stats(profile)
    stats.sort_stats(sort).print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--cache-seconds", default="0")
    parser.add_argument("--database")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-customer", action="store_true", help="the order without a customer")
    parser.add_argument(
        "--asgi",
        action="store_true",
        help="call the app's ASGI callable directly (the portal's CPU alone, no httpx client)",
    )
    parser.add_argument(
        "--as-served", action="store_true", help="uvloop and tune_gc, as portal serve runs it"
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds of --requests pages")
    parser.add_argument(
        "--seeded", action="store_true", help="the database already holds the parcel"
    )
    args = parser.parse_args()

    from portal import db

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PORTAL_VAR_DIR"] = f"{tmp}/var"
        url = args.database or f"sqlite://{tmp}/profile.sqlite3"
        if not (args.seeded and args.database):
            if url.startswith(("postgres://", "postgresql://")):
                asyncio.run(_fresh_postgres(url))
            asyncio.run(db.migrate(url))
            asyncio.run(_seed(url, customer=not args.no_customer))
        else:  # seeded earlier: polled "just now" again, or every page asks the carrier
            asyncio.run(_freshen(url))
        run = _run(
            url,
            args.requests,
            args.cache_seconds,
            args.top,
            args.sort,
            args.asgi,
            args.as_served,
            args.rounds,
        )
        if args.as_served:
            import uvloop

            uvloop.run(run)
        else:
            asyncio.run(run)


if __name__ == "__main__":
    main()
