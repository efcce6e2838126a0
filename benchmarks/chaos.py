"""Chaos: two ``portal worker`` processes sending mail and polling a faulty carrier while they
are killed, stopped and cut off from their database; counts what was lost or sent twice.

``python -m benchmarks.chaos [--messages 3000] [--shipments 2000] [--kills 3]
[--outage 30] [--fault-rate 0.4] [--database postgres://…]``

Everything runs on loopback, started by this script: PostgreSQL is reached by the workers
through a TCP proxy this process runs (:mod:`benchmarks.tcp_proxy`), so the outage is real
(black-holed: packets dropped, no reset); mail goes to an aiosmtpd sink in this process
that takes ``--smtp-delay`` per message and counts each Message-ID; shipments belong to a
sandbox carrier (``python -m carriers.sandbox``) failing ``--fault-rate`` of its calls.
Two workers run; ``--kills`` times at random moments one of them is killed with SIGKILL,
once one gets SIGTERM, and each is replaced at once; the proxy black-holes the database for
``--outage`` seconds. The run ends when every message is sent and every shipment polled
(or at ``--limit`` seconds).

Printed: lost (messages never sent and shipments never polled), duplicated (e-mails received
more than once), the longest stall (the longest time no e-mail arrived while some were
still due), convergence time (all messages sent; 99 % and 100 % of shipments polled), and
CPU seconds of the worker processes per unit of work next to the throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.common import DEFAULT_POSTGRES, free_port, fresh_database, machine_load, table
from benchmarks.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Sink:
    """aiosmtpd handler: when each Message-ID arrived, after ``delay`` seconds per message."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.arrivals: list[float] = []
        self.ids: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        content = envelope.original_content or envelope.content
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        message_id = next(
            (
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.lower().startswith("message-id:")
            ),
            "?",
        )
        with self.lock:
            self.ids[message_id] += 1
            self.arrivals.append(time.monotonic())
        return "250 OK"


@dataclass
class Workers:
    """The worker processes, replaced as they die; CPU time of each, sampled."""

    env: dict[str, str]
    live: list[asyncio.subprocess.Process] = field(default_factory=list)
    cpu: dict[int, float] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    reaping: list[asyncio.Task[None]] = field(default_factory=list)

    async def spawn(self) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "portal.cli",
            "worker",
            env=self.env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        # Live once its signal handlers are in (a deploy stops running workers, not ones
        # still importing); it prints two short lines in all, so the pipe never fills.
        assert process.stdout is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):
                while line := await process.stdout.readline():
                    if b"worker running" in line:
                        break
        self.live.append(process)

    def sample(self) -> None:
        for process in self.live:
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.cpu[process.pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    async def replace(self, how: signal.Signals, started: float) -> None:
        """Signal the oldest worker and start another at once (a deploy, a crash)."""
        victim = self.live.pop(0)
        self.sample()
        sent = time.monotonic()
        victim.send_signal(how)
        what = "SIGTERM" if how == signal.SIGTERM else "kill -9"
        self.reaping.append(asyncio.create_task(self._reap(victim, what, sent, started)))
        await self.spawn()

    async def _reap(
        self, victim: asyncio.subprocess.Process, what: str, sent: float, started: float
    ) -> None:
        code = await victim.wait()
        took = time.monotonic() - sent
        self.events.append(f"{sent - started:5.1f} s {what} (exit {code} after {took:.1f} s)")

    async def stop(self) -> None:
        self.sample()
        for process in self.live:
            process.send_signal(signal.SIGTERM)
        for process in self.live:
            await process.wait()
        await asyncio.gather(*self.reaping)


async def seed(messages: int, shipments: int, carrier: str, settings: Any) -> None:
    from tortoise import connections

    from benchmarks.dispatch import HTML, TEXT
    from carriers.sandbox import make_numbers
    from portal.crypto import encrypt_json
    from portal.models import CarrierAccount, Channel, Customer, Merchant, OutboxMessage
    from portal.tracking import store

    now = datetime.now(UTC)
    shop = await Merchant.create(slug="chaos", name="Chaos shop")
    await Customer.bulk_create(
        [Customer(merchant=shop, name=f"C{i}", email=f"c{i}@example.com") for i in range(messages)],
        batch_size=2000,
    )
    customers = await Customer.filter(merchant=shop).order_by("id")
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                merchant=shop,
                customer=c,
                channel=Channel.EMAIL,
                recipient=c.email,
                trigger="delivered",
                unique_key=f"chaos:{c.id}",
                subject="Delivered",
                body_text=TEXT,
                body_html=HTML,
                scheduled_for=now,
            )
            for c in customers
        ],
        batch_size=2000,
    )
    account = await CarrierAccount.create(
        merchant=shop,
        carrier_key="sandbox",
        name="Sandbox (chaos)",
        credentials_encrypted=encrypt_json(settings, {"api_key": "chaos"}),
        base_url_override=carrier,
    )
    columns = (
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
    rows = [
        (shop.id, account.id, "sandbox", False, n, "outbound", "pending", 0, now, now, now)
        for n in make_numbers(shipments, seed=shipments, now=now)
    ]
    await store.bulk_insert_ignore(
        connections.get("default"), "shipment", columns, rows, plain=True
    )


async def progress() -> tuple[int, int]:
    from portal.models import MessageState, OutboxMessage, Shipment

    sent = await OutboxMessage.filter(state=MessageState.SENT).count()
    polled = await Shipment.filter(last_polled_at__isnull=False).count()
    return sent, polled


async def run(args: argparse.Namespace) -> list[list[object]]:
    from aiosmtpd.controller import Controller

    from portal import db
    from portal.settings import Settings

    rng = random.Random(args.seed)
    await fresh_database(args.database)
    settings = Settings(secret_key="chaos-" + "k" * 40, database_url=args.database)
    await db.connect(args.database)
    carrier_port = free_port()
    carrier = f"http://127.0.0.1:{carrier_port}"
    await seed(args.messages, args.shipments, carrier, settings)

    sink = Sink(args.smtp_delay)
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    parts = urlsplit(args.database)
    proxy = await TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    via_proxy = parts._replace(
        netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    ).geturl()
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "carriers.sandbox",
        "--port",
        str(carrier_port),
        "--fault-rate",
        str(args.fault_rate),
        "--seed",
        str(args.seed),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": via_proxy,
        "PORTAL_SECRET_KEY": settings.secret_key,
        "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?starttls=0",
        "PORTAL_VAR_DIR": str(ROOT / "var" / "chaos"),
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_DB_STATEMENT_TIMEOUT": "10",
        "PORTAL_DB_CONNECT_TIMEOUT": "5",
    }
    workers = Workers(env)
    for _ in range(2):
        await workers.spawn()
    started = time.monotonic()  # the clock starts once both workers run

    kills = sorted(rng.uniform(3, args.chaos_window) for _ in range(args.kills))
    plan: list[tuple[float, str]] = [(t, "kill") for t in kills]
    plan.append((rng.uniform(3, args.chaos_window), "term"))
    plan.sort()

    async def signals() -> None:
        for at, what in plan:
            await asyncio.sleep(max(0.0, started + at - time.monotonic()))
            await workers.replace(signal.SIGKILL if what == "kill" else signal.SIGTERM, started)

    async def outage() -> None:
        await asyncio.sleep(args.outage_at)
        workers.events.append(f"{time.monotonic() - started:5.1f} s database black-holed")
        proxy.blackhole()
        await asyncio.sleep(args.outage)
        proxy.restore()
        workers.events.append(f"{time.monotonic() - started:5.1f} s database back")

    chaos_task = asyncio.gather(signals(), outage())
    all_sent_at: float | None = None
    polled_99_at: float | None = None
    polled_all_at: float | None = None
    while time.monotonic() - started < args.limit:
        await asyncio.sleep(1.0)
        workers.sample()
        try:
            sent, polled = await progress()
        except Exception:
            continue
        elapsed = time.monotonic() - started
        if all_sent_at is None and sent >= args.messages:
            all_sent_at = elapsed
        if polled_99_at is None and polled >= 0.99 * args.shipments:
            polled_99_at = elapsed
        if polled_all_at is None and polled >= args.shipments:
            polled_all_at = elapsed
        if all_sent_at and polled_all_at and chaos_task.done():
            break
    elapsed = time.monotonic() - started
    await chaos_task
    await workers.stop()
    sandbox.terminate()
    await sandbox.wait()
    sent, polled = await progress()
    controller.stop()
    await proxy.close()
    await db.disconnect()

    with sink.lock:
        arrivals = sorted(sink.arrivals)
        received = sum(sink.ids.values())
        duplicated = sum(n - 1 for n in sink.ids.values() if n > 1)
    gaps = [b - a for a, b in zip([started, *arrivals], arrivals, strict=False)]
    stall = max(gaps, default=0.0)
    cpu = sum(workers.cpu.values())
    units = received + polled
    for line in sorted(workers.events):
        print("  " + line)

    def when(value: float | None) -> str:
        return f"{value:.0f} s" if value is not None else f"not within {args.limit:.0f} s"

    return [
        ["messages lost (never sent)", args.messages - sent],
        ["shipments lost (never polled)", args.shipments - polled],
        ["e-mails duplicated", duplicated],
        ["longest stall (no e-mail while some due)", f"{stall:.1f} s"],
        ["all messages sent", when(all_sent_at)],
        ["99 % of shipments polled", when(polled_99_at)],
        ["all shipments polled", when(polled_all_at)],
        ["worker CPU s (all processes)", f"{cpu:.1f}"],
        [
            f"worker CPU s per process ({len(workers.cpu)})",
            " ".join(f"{value:.1f}" for value in workers.cpu.values()),
        ],
        ["worker CPU ms per unit (e-mail or shipment)", f"{1000 * cpu / max(units, 1):.2f}"],
        ["throughput (units / s of run)", f"{units / elapsed:.0f}"],
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chaos", description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--shipments", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds black-holed")
    parser.add_argument("--outage-at", type=float, default=15.0)
    parser.add_argument("--chaos-window", type=float, default=60.0)
    parser.add_argument("--fault-rate", type=float, default=0.4)
    parser.add_argument("--smtp-delay", type=float, default=0.05)
    parser.add_argument("--limit", type=float, default=900.0, help="give up after (s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=DEFAULT_POSTGRES.rsplit("/", 1)[0] + "/chaos")
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.database.startswith(("postgres://", "postgresql://")):
        print("the chaos benchmark needs PostgreSQL (--database postgres://…)", file=sys.stderr)
        return 2
    print(
        f"chaos: {args.messages} e-mails, {args.shipments} shipments "
        f"(carrier failing {args.fault_rate:.0%} of calls), 2 workers, {args.kills} kill -9, "
        f"1 SIGTERM, {args.outage:.0f} s database black hole; {machine_load()}"
    )
    rows = await run(args)
    print(table([["measure", "value"], *rows]))
    print(machine_load())
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
