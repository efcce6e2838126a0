"""Dispatch throughput: outbox emails and SMS sent per second through the real dispatcher.

``python -m benchmarks.dispatch [--messages 10000] [--database URL]``

The database is recreated and ``--messages`` due emails are seeded (one customer each,
text + HTML bodies of a real notification's size), then ``dispatch_once`` passes (the
worker's job, 100 messages a pass) run until nothing is claimed; then the same for SMS.
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
import shlex
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx

from benchmarks.common import (
    DEFAULT_POSTGRES,
    free_port,
    fresh_database,
    machine_load,
    peak_rss_mb,
    served,
    table,
)

SID = "AC" + "b" * 32
TOKEN = "c" * 32
PASS_LIMIT = 100

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
    name: str
    messages: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


class CountingSink:
    """aiosmtpd handler that accepts and counts, nothing more."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


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


async def dispatch_all(settings: Any, client: httpx.AsyncClient, name: str) -> Pass:
    """``dispatch_once`` passes (as the worker's job runs them) until nothing is claimed."""
    from portal.models import MessageState, OutboxMessage
    from portal.notifications.dispatcher import dispatch_once

    began = time.perf_counter()
    while (await dispatch_once(settings, http_client=client, limit=PASS_LIMIT)).claimed:
        pass
    seconds = time.perf_counter() - began
    sent = await OutboxMessage.filter(state=MessageState.SENT).count()
    return Pass(name, sent, seconds)


async def bare_smtp(port: int, count: int) -> Pass:
    """One connection, one prebuilt message of the same size, sent ``count`` times."""
    email = EmailMessage()
    email["From"] = "Benchmark shop <no-reply@portal.example>"
    email["To"] = "customer@example.com"
    email["Subject"] = "Your parcel was delivered"
    email.set_content(TEXT)
    email.add_alternative(HTML, subtype="html")
    raw = email.as_bytes()
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


async def run(count: int, database: str) -> list[tuple[Pass, Pass]]:
    from aiosmtpd.controller import Controller

    from portal import db
    from portal.http import build_client
    from portal.models import MessageState, OutboxMessage

    sink = CountingSink()
    smtp_port, stub_port = free_port(), free_port()
    stub = f"http://127.0.0.1:{stub_port}"
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    settings = make_settings(database, smtp_port, stub)
    try:
        with served(["benchmarks.twilio_stub", "--port", str(stub_port)], f"{stub}/health"):
            await fresh_database(database)
            await db.connect(database)
            try:
                async with build_client(settings) as client:
                    await seed(count, "email")
                    email_base = await bare_smtp(smtp_port, count)
                    emails = await dispatch_all(settings, client, "dispatcher, email")
                    await OutboxMessage.filter(state=MessageState.SENT).update(
                        state=MessageState.DELIVERED
                    )
                    await seed(count, "sms")
                    sms_base = await bare_http(client, stub, count)
                    texts = await dispatch_all(settings, client, "dispatcher, SMS (twilio)")
            finally:
                await db.disconnect()
    finally:
        controller.stop()
    if sink.count != 2 * count:
        print(f"warning: the SMTP sink got {sink.count}, expected {2 * count}", file=sys.stderr)
    return [(email_base, emails), (sms_base, texts)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dispatch", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--messages", type=int, default=10_000, help="per channel")
    parser.add_argument(
        "--database", default=DEFAULT_POSTGRES, help="dropped and recreated! (default %(default)s)"
    )
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    results = await run(args.messages, args.database)
    engine = "PostgreSQL" if args.database.startswith("postgres") else "SQLite"
    rows: list[list[object]] = [["channel", "pass", "messages", "messages/s", "vs bare loop"]]
    for channel, (base, real) in zip(("email", "sms"), results, strict=True):
        rows.append([channel, base.name, f"{base.messages:,}", f"{base.per_second:,.0f}", "1.00"])
        ratio = real.per_second / base.per_second if base.per_second else 0.0
        rows.append(
            [channel, real.name, f"{real.messages:,}", f"{real.per_second:,.0f}", f"{ratio:.2f}"]
        )
    print()
    print(f"dispatch on {engine}: aiosmtpd sink (loopback), Twilio-shaped stub (loopback)")
    print(table(rows))
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
