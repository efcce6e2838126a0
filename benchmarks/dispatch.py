"""Dispatch throughput: outbox emails and SMS sent per second through the real dispatcher.

``python -m benchmarks.dispatch [--messages 10000] [--rounds 3] [--pass-limit N] [--database URL]``

The database is recreated; each round then runs A (bare loop) and B (the dispatcher) for
e-mail, then for SMS. For B, ``--messages`` due messages are seeded (one customer each,
text + HTML bodies of a real notification's size), then ``dispatch_once`` passes (the
worker's job, ``PASS_LIMIT`` messages a pass unless ``--pass-limit``) run until nothing
is claimed (the sent rows are marked delivered afterwards, outside the measured time).
Each pass's CPU seconds per message are printed for this process (the SMTP sink
thread's CPU taken out), the server (sink thread or stub process) and the database's
PostgreSQL backends (/proc), with msg/s min / median / max over the rounds and the B/A
ratio of each round; the sink counts Message-IDs, so a message sent twice shows as a
duplicate.
Emails go over SMTP to an aiosmtpd sink on loopback (a thread of this process that only
counts); SMS go through the twilio library to a Twilio-shaped stub in a subprocess
(``python -m benchmarks.twilio_stub``), on the worker's HTTP client.

Baselines, in the same run against the same sinks: a bare aiosmtplib loop sending one
prebuilt message of the same size over one connection, and a bare httpx loop POSTing the
same form to the stub on the same client, both one at a time like the dispatcher.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx

from benchmarks.common import (
    DEFAULT_POSTGRES,
    cpu_of,
    free_port,
    fresh_database,
    machine_load,
    peak_rss_mb,
    postgres_cpu,
    served,
    table,
)

SID = "AC" + "b" * 32
TOKEN = "c" * 32

TEXT = (
    "Hello Ada,\n\nGood news: your parcel from Benchmark shop was delivered today at 14:32 "
    "and signed for by A. Lovelace.\n\nOrder #100123 - 2 items\nCarrier: Sandbox Carrier, "
    "tracking number SBX10527040017\n\nTrack it: https://portal.example/t/abcdef0123456789\n\n"
    "Something not right? Reply to this email or write to help@benchmark.example and we will "
    "sort it out.\n\nBenchmark shop\n\nYou get this email because you ordered from Benchmark "
    "shop. Choose which messages you get: https://portal.example/preferences/abcdef\n"
)
HTML = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Delivered</title>"
    "</head><body style='margin:0;background:#f6f6f6;font-family:sans-serif'>"
    + "<table role='presentation' width='100%'><tr><td style='padding:24px'>" * 3
    + "".join(f"<p style='margin:0 0 12px;color:#222'>{line}</p>" for line in TEXT.splitlines())
    + "</td></tr></table>" * 3
    + "</body></html>"
)
SMS_BODY = "Benchmark shop: your parcel SBX10527040017 was delivered. https://portal.example/t/abc"


@dataclass
class Pass:
    """One timed pass: messages sent, wall seconds, and CPU seconds of each process."""

    name: str
    messages: int
    seconds: float
    cpu: float = 0.0  # this process (the dispatcher or the bare loop), sink thread excluded
    server_cpu: float = 0.0  # the SMTP sink thread or the Twilio stub process
    postgres_cpu: float = 0.0  # the benchmark database's PostgreSQL backends

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def per_message_ms(self, seconds: float) -> float:
        return 1000 * seconds / self.messages if self.messages else 0.0


class CountingSink:
    """aiosmtpd handler that accepts and counts each Message-ID, nothing more."""

    def __init__(self) -> None:
        self.count = 0
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or b""
        head = content.split(b"\r\n\r\n", 1)[0]
        found = re.search(rb"(?im)^message-id:\s*(\S+)", head)
        with self.lock:
            self.count += 1
            if found:
                self.ids[found.group(1).decode()] += 1
        return "250 OK"

    @property
    def duplicates(self) -> int:
        with self.lock:
            return sum(n - 1 for n in self.ids.values() if n > 1)


class Meter:
    """CPU of this process (minus the sink thread), of the server and of PostgreSQL."""

    def __init__(self, database: str, sink_thread: int | None, stub_pid: int) -> None:
        self.database, self.sink_thread, self.stub_pid = database, sink_thread, stub_pid

    def _sink(self) -> float:
        if self.sink_thread is None:
            return 0.0
        return cpu_of(f"/proc/self/task/{self.sink_thread}/stat")

    def read(self) -> tuple[float, float, float, float]:
        return (
            time.process_time(),
            self._sink(),
            cpu_of(f"/proc/{self.stub_pid}/stat"),
            postgres_cpu(self.database),
        )

    def measure(self, result: Pass, before: tuple[float, float, float, float], sms: bool) -> Pass:
        own, sink, stub, pg = (b - a for a, b in zip(before, self.read(), strict=True))
        result.cpu = max(own - sink, 0.0)
        result.server_cpu = stub if sms else sink
        result.postgres_cpu = pg
        return result


def make_settings(database: str, smtp_port: int, twilio: str) -> Any:
    from portal.settings import Settings

    return Settings(
        secret_key="benchmark-" + "k" * 40,
        database_url=database,
        public_base_url="https://portal.example",
        mail_from="Benchmark shop <no-reply@portal.example>",
        smtp_url=f"smtp://127.0.0.1:{smtp_port}?starttls=0",
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from="+15017122661",
        twilio_base_url=twilio,
        sandbox_carrier=False,
    )


async def seed(count: int, channel: str) -> None:
    """``count`` due messages on ``channel``, one customer each (both channels opted in)."""
    from portal.models import Channel, Customer, Merchant, OutboxMessage

    shop = await Merchant.get_or_none(slug="bench") or await Merchant.create(
        slug="bench", name="Benchmark shop"
    )
    start = await Customer.filter(merchant=shop).count()
    await Customer.bulk_create(
        [
            Customer(
                merchant=shop,
                name=f"Customer {start + i}",
                email=f"customer{start + i}@example.com",
                phone=f"+1202555{(start + i) % 10_000:04d}",
                sms_opt_in=True,
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    customers = await Customer.filter(merchant=shop).order_by("id").offset(start).limit(count)
    now = datetime.now(UTC)
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                merchant=shop,
                customer=c,
                channel=Channel(channel),
                recipient=c.email if channel == "email" else c.phone,
                trigger="delivered",
                unique_key=f"bench:{c.id}:delivered:{channel}",
                subject="Your parcel was delivered" if channel == "email" else "",
                body_text=TEXT if channel == "email" else SMS_BODY,
                body_html=HTML if channel == "email" else None,
                scheduled_for=now,
            )
            for c in customers
        ],
        batch_size=2000,
    )


async def dispatch_all(
    settings: Any, client: httpx.AsyncClient, name: str, limit: int | None = None
) -> Pass:
    """``dispatch_once`` passes (as the worker's job runs them, ``limit`` messages a pass,
    the dispatcher's own by default) until nothing is claimed; the messages sent are
    counted from the passes' reports. :func:`settle_round` then marks them delivered,
    outside the measured time (until 2026-12-06 night it was inside: about 0.03 ms of
    PostgreSQL's CPU a message that the bare loops never pay)."""
    from portal.notifications.dispatcher import PASS_LIMIT, dispatch_once

    began, sent = time.perf_counter(), 0
    while True:
        report = await dispatch_once(settings, http_client=client, limit=limit or PASS_LIMIT)
        if not report.claimed:
            break
        sent += report.sent
    return Pass(name, sent, time.perf_counter() - began)


async def settle_round() -> int:
    """The benchmark's own bookkeeping: sent messages marked delivered, so that the next
    round counts its own."""
    from portal.models import MessageState, OutboxMessage

    return await OutboxMessage.filter(state=MessageState.SENT).update(state=MessageState.DELIVERED)


def bare_email() -> bytes:
    """The same size and shape as the dispatcher's messages (text + HTML), built once."""
    email = EmailMessage()
    email["From"] = "Benchmark shop <no-reply@portal.example>"
    email["To"] = "customer@example.com"
    email["Subject"] = "Your parcel was delivered"
    email.set_content(TEXT)
    email.add_alternative(HTML, subtype="html")
    return email.as_bytes()


async def bare_smtp(port: int, count: int, raw: bytes) -> Pass:
    """One connection, one prebuilt message of the same size, sent ``count`` times."""
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await smtp.connect()
    began = time.perf_counter()
    for _ in range(count):
        await smtp.sendmail("no-reply@portal.example", ["customer@example.com"], raw)
    seconds = time.perf_counter() - began
    await smtp.quit()
    return Pass("bare aiosmtplib loop", count, seconds)


async def bare_http(client: httpx.AsyncClient, base: str, count: int) -> Pass:
    """The same form POSTed ``count`` times, one at a time, on the same client."""
    url = f"{base}/2010-04-01/Accounts/{SID}/Messages.json"
    form = {"To": "+12025550100", "From": "+15017122661", "Body": SMS_BODY}
    began = time.perf_counter()
    for _ in range(count):
        response = await client.post(url, data=form, auth=(SID, TOKEN))
        response.raise_for_status()
        response.json()
    return Pass("bare httpx loop", count, time.perf_counter() - began)


@dataclass
class Results:
    email: list[tuple[Pass, Pass]] = field(default_factory=list)
    sms: list[tuple[Pass, Pass]] = field(default_factory=list)
    duplicates: int = 0
    expected: int = 0
    received: int = 0


async def run(count: int, database: str, rounds: int, limit: int | None = None) -> Results:
    """Per round: bare SMTP loop, dispatcher e-mail, bare httpx loop, dispatcher SMS."""
    from aiosmtpd.controller import Controller

    from portal import db
    from portal.http import build_client

    sink = CountingSink()
    smtp_port, stub_port = free_port(), free_port()
    stub = f"http://127.0.0.1:{stub_port}"
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    sink_thread = getattr(getattr(controller, "_thread", None), "native_id", None)
    settings = make_settings(database, smtp_port, stub)
    results = Results()
    raw = bare_email()
    try:
        with served(["benchmarks.twilio_stub", "--port", str(stub_port)], f"{stub}/health"):
            meter = Meter(database, sink_thread, _stub_pid(stub_port))
            await fresh_database(database)
            await db.connect(database)
            try:
                async with build_client(settings) as client:
                    for _ in range(rounds):
                        before = meter.read()
                        email_base = meter.measure(
                            await bare_smtp(smtp_port, count, raw), before, sms=False
                        )
                        await seed(count, "email")
                        before = meter.read()
                        emails = meter.measure(
                            await dispatch_all(settings, client, "dispatcher, email", limit),
                            before,
                            sms=False,
                        )
                        await settle_round()
                        results.email.append((email_base, emails))
                        before = meter.read()
                        sms_base = meter.measure(
                            await bare_http(client, stub, count), before, sms=True
                        )
                        await seed(count, "sms")
                        before = meter.read()
                        texts = meter.measure(
                            await dispatch_all(settings, client, "dispatcher, SMS (twilio)", limit),
                            before,
                            sms=True,
                        )
                        await settle_round()
                        results.sms.append((sms_base, texts))
            finally:
                await db.disconnect()
    finally:
        controller.stop()
    results.expected = 2 * count * rounds
    results.received = sink.count
    results.duplicates = sink.duplicates
    if sink.count != results.expected:
        print(
            f"warning: the SMTP sink got {sink.count}, expected {results.expected}", file=sys.stderr
        )
    return results


def _stub_pid(port: int) -> int:
    """The Twilio stub's pid: the child of this process started with ``--port port``."""
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            parent = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if parent == me and b"benchmarks.twilio_stub" in cmdline and str(port).encode() in cmdline:
            return int(entry)
    return 0


def _spread(values: list[float], fmt: str = ",.0f") -> str:
    return " / ".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dispatch", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--messages", type=int, default=10_000, help="per channel")
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds (default 3)")
    parser.add_argument(
        "--pass-limit", type=int, help="messages a pass claims (default: the dispatcher's)"
    )
    parser.add_argument(
        "--database", default=DEFAULT_POSTGRES, help="dropped and recreated! (default %(default)s)"
    )
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    results = await run(args.messages, args.database, args.rounds, args.pass_limit)
    engine = "PostgreSQL" if args.database.startswith("postgres") else "SQLite"
    rows: list[list[object]] = [
        [
            "channel",
            "pass",
            "messages",
            "msg/s min / median / max",
            "CPU ms/msg (this / server / PostgreSQL)",
        ]
    ]
    ratios: list[str] = []
    for channel, pairs in (("email", results.email), ("sms", results.sms)):
        for index in (0, 1):
            passes = [pair[index] for pair in pairs]
            rows.append(
                [
                    channel,
                    passes[0].name,
                    f"{passes[0].messages:,}",
                    _spread([p.per_second for p in passes]),
                    " / ".join(
                        f"{statistics.median(p.per_message_ms(getattr(p, k)) for p in passes):.2f}"
                        for k in ("cpu", "server_cpu", "postgres_cpu")
                    ),
                ]
            )
        per_round = [real.per_second / base.per_second for base, real in pairs if base.per_second]
        if per_round:
            ratios.append(
                f"{channel} ratio per round: {', '.join(f'{r:.2f}' for r in per_round)} "
                f"(min / median / max {_spread(per_round, '.2f')})"
            )
    print()
    print(
        f"dispatch on {engine}, A/B interleaved over {args.rounds} rounds: aiosmtpd sink "
        "(a thread, its CPU counted apart), Twilio-shaped stub (a process), both loopback"
    )
    print(table(rows))
    print("\n".join(ratios))
    print(
        f"e-mails received {results.received:,} of {results.expected:,}, "
        f"duplicated Message-IDs {results.duplicates}"
    )
    print()
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()} at the end")
    print(
        "reproduce: python -m benchmarks.dispatch "
        + shlex.join(sys.argv[1:] if argv is None else argv)
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
