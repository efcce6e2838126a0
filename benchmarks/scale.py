"""Scale-out: 1, 2 and 4 ``portal worker`` processes on one PostgreSQL over the same due work.

``python -m benchmarks.scale [--messages 2000] [--shipments 5000] [--workers 1 2 4]
[--limit 600] [--database postgres://…]``

For each worker count the database is recreated and the same work seeded (``--messages``
due e-mails with text + HTML bodies, ``--shipments`` due shipments on a sandbox carrier
account), then that many ``portal worker`` processes are started against it (the real
command, every job of the worker running) with an aiosmtpd sink in this process counting
each Message-ID, and a ``python -m carriers.sandbox`` on loopback with no faults. The clock
starts once every worker is up and stops when every message is sent and every shipment
polled. Printed per worker count: the time, e-mails/s, shipments/s, CPU seconds of the
workers (from /proc, sampled every 0.5 s) and of the database's PostgreSQL backends per
1,000 units (an e-mail or a poll), and duplicated e-mails (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from benchmarks.chaos import ROOT, Sink, Workers, progress, seed
from benchmarks.common import (
    DEFAULT_POSTGRES,
    free_port,
    fresh_database,
    machine_load,
    postgres_cpu,
    table,
)


async def run_once(args: argparse.Namespace, count: int) -> list[object]:
    """One worker count, from a fresh database to all work done."""
    from aiosmtpd.controller import Controller

    from portal import db
    from portal.settings import Settings

    await fresh_database(args.database)
    settings = Settings(secret_key="scale-" + "k" * 40, database_url=args.database)
    await db.connect(args.database)
    carrier_port, smtp_port = free_port(), free_port()
    carrier = f"http://127.0.0.1:{carrier_port}"
    await seed(args.messages, args.shipments, carrier, settings)
    sink = Sink(0.0)
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "carriers.sandbox",
        "--port",
        str(carrier_port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": args.database,
        "PORTAL_SECRET_KEY": settings.secret_key,
        "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?starttls=0",
        "PORTAL_VAR_DIR": str(ROOT / "var" / "scale"),
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    workers = Workers(env)
    try:
        await asyncio.gather(*(workers.spawn() for _ in range(count)))
        workers.sample()
        cpu_before = sum(workers.cpu.values())
        pg_before = postgres_cpu(args.database)
        started = time.monotonic()
        sent = polled = 0
        while time.monotonic() - started < args.limit:
            await asyncio.sleep(0.5)
            workers.sample()
            sent, polled = await progress()
            if sent >= args.messages and polled >= args.shipments:
                break
        elapsed = time.monotonic() - started
        workers.sample()
        cpu = sum(workers.cpu.values()) - cpu_before
        pg = postgres_cpu(args.database) - pg_before
    finally:
        await workers.stop()
        sandbox.terminate()
        await sandbox.wait()
        controller.stop()
        await db.disconnect()
    with sink.lock:
        duplicated = sum(n - 1 for n in sink.ids.values() if n > 1)
    units = max(sent + polled, 1)
    done = sent >= args.messages and polled >= args.shipments
    return [
        count,
        f"{elapsed:.1f}" + ("" if done else " (limit)"),
        f"{sent / elapsed:,.0f}",
        f"{polled / elapsed:,.0f}",
        f"{units / elapsed:,.0f}",
        f"{1000 * cpu / units:.2f}",
        f"{1000 * pg / units:.2f}",
        duplicated,
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--shipments", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--limit", type=float, default=600.0, help="seconds per worker count")
    parser.add_argument(
        "--database", default=DEFAULT_POSTGRES, help="dropped and recreated! (default %(default)s)"
    )
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.database.startswith("postgres"):
        print("the scale benchmark needs PostgreSQL (--database postgres://…)", file=sys.stderr)
        return 2
    rows: list[list[Any]] = [
        [
            "workers",
            "seconds",
            "e-mails/s",
            "polls/s",
            "units/s",
            "worker CPU ms/unit",
            "PostgreSQL CPU ms/unit",
            "duplicates",
        ]
    ]
    for count in args.workers:
        print(f"{count} worker(s) ...", flush=True)
        rows.append(await run_once(args, count))
    print()
    print(
        f"{args.messages:,} e-mails + {args.shipments:,} shipments due, `portal worker` "
        "processes on one PostgreSQL, sandbox carrier and SMTP sink on loopback"
    )
    print(table(rows))
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()} at the end")
    print("reproduce: python -m benchmarks.scale " + shlex.join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
