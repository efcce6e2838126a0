"""Carrier pacing: an account's documented rate holds across worker processes, and a 429
met by one worker stops them all (portal/pacing.py).

The multi-process tests run three real worker processes (``sweep_until_idle`` on their
own connections) against one counting stub: the sandbox carrier app served by uvicorn on
loopback in a thread of the test, which notes the moment each call arrives.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from tortoise import connections

from carriers.sandbox import make_numbers
from carriers.sandbox.server import FAULT_HEADER, RETRY_AFTER_HEADER, create_app
from portal import pacing
from portal.models import CarrierPace, Shipment
from portal.settings import Settings
from tests import factories
from tests.tracking.helpers import NOW, make_shipments

ROOT = Path(__file__).resolve().parents[2]
#: The test carrier's documented rate (calls a second) and numbers a call.
RATE = 8.0


class CountingCarrier:
    """The sandbox app, noting when each tracking call arrives; the ``answer_429``-th call
    gets a 429 with ``Retry-After: retry_after``."""

    def __init__(self, answer_429: int | None = None, retry_after: int = 2) -> None:
        self.app = create_app(clock=lambda: NOW)
        self.arrivals: list[float] = []
        self.refused_at: float | None = None
        self.answer_429, self.retry_after = answer_429, retry_after
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/track":
            with self.lock:
                self.arrivals.append(time.monotonic())
                refuse = len(self.arrivals) == self.answer_429
            if refuse:
                self.refused_at = time.monotonic()
                headers = [h for h in scope["headers"] if h[0] != FAULT_HEADER.lower().encode()]
                headers += [
                    (FAULT_HEADER.lower().encode(), b"429"),
                    (RETRY_AFTER_HEADER.lower().encode(), str(self.retry_after).encode()),
                ]
                scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)

    def busiest_second(self) -> int:
        """The most calls that arrived within any one second."""
        times = sorted(self.arrivals)
        return max(
            (sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)),
            default=0,
        )


@contextmanager
def served(app: CountingCarrier) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


_WORKER = """
import asyncio, json, sys, time
import httpx
from carriers.sandbox import SandboxAdapter
from portal import db
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests.tracking.helpers import NOW

# The test carrier documents {rate} calls a second, one number a call.
SandboxAdapter.rate_limit = {rate}
SandboxAdapter.batch_size = 1

async def main(url, start_at, secret, base):
    await db.connect(url)
    settings = Settings(secret_key=secret, carrier_base_urls={{"sandbox": base}})
    while time.time() < start_at:
        await asyncio.sleep(0.01)
    async with httpx.AsyncClient() as client:
        report = await sweep_until_idle(settings, client=client, now=NOW, batch_size=10)
    await db.disconnect()
    print(json.dumps({{"calls": report.calls, "claimed": report.claimed}}))

asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]))
"""


async def _three_workers(db: str, settings: Settings, base: str) -> list[dict[str, int]]:
    start_at = str(time.time() + 4.0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = _WORKER.format(rate=RATE)
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            db,
            start_at,
            settings.secret_key,
            base,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        for _ in range(3)
    ]
    outputs = [await asyncio.wait_for(w.communicate(), timeout=180) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err.decode()[-3000:] for _, err in outputs]
    return [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]


def _postgres_only(db: str) -> None:
    if not db.startswith("postgres"):
        pytest.skip("several worker processes share an account's pace on PostgreSQL")


async def test_three_workers_together_keep_to_the_carriers_rate(
    db: str, settings: Settings
) -> None:
    _postgres_only(db)
    shop = await factories.merchant()
    account = await factories.carrier_account(shop, settings=settings)
    numbers = make_numbers(48, seed=31, now=NOW)
    await make_shipments(shop, account, numbers)
    carrier = CountingCarrier()

    with served(carrier) as base:
        answers = await _three_workers(db, settings, base)

    assert len(carrier.arrivals) == 48  # one call a number, none twice
    assert all(a["calls"] > 0 for a in answers), answers  # all three took part
    # 8 a second for the account, not 8 per worker (24): slots are 1/8 s apart in any
    # process; a call its process sent late (a starved core) may land next to the next one.
    assert carrier.busiest_second() <= RATE * 1.5
    spread = max(carrier.arrivals) - min(carrier.arrivals)
    assert spread >= (48 - 1) / RATE * 0.95
    assert await Shipment.filter(merchant=shop, last_polled_at=NOW).count() == 48


async def test_a_429_met_by_one_worker_stops_every_worker(db: str, settings: Settings) -> None:
    _postgres_only(db)
    shop = await factories.merchant()
    account = await factories.carrier_account(shop, settings=settings)
    await make_shipments(shop, account, make_numbers(48, seed=32, now=NOW))
    carrier = CountingCarrier(answer_429=12, retry_after=120)

    with served(carrier) as base:
        await _three_workers(db, settings, base)

    assert carrier.refused_at is not None
    # Calls already on the wire when the 429 came back may land just after it; then none.
    assert [t for t in carrier.arrivals if t > carrier.refused_at + 0.3] == []
    # Every call but the refused one was answered and stored; the rest wait for the pause.
    polled = await Shipment.filter(merchant=shop, last_polled_at=NOW).count()
    assert polled == len(carrier.arrivals) - 1 < 47
    waiting = await Shipment.filter(merchant=shop, last_polled_at__isnull=True)
    assert len(waiting) == 48 - polled
    assert all((s.next_poll_at or NOW) >= NOW + timedelta(seconds=120) for s in waiting)


async def test_a_pacer_spaces_one_accounts_calls(db: str, settings: Settings) -> None:
    account = await factories.carrier_account(settings=settings)
    key = pacing.carrier_account(account.id)
    pacer = pacing.pacer_for(key, 20.0, NOW, calls=6)

    began = time.monotonic()
    for _ in range(6):
        assert await pacer.wait() is None
    assert time.monotonic() - began >= 5 / 20.0 * 0.95


async def test_two_pacers_of_one_account_share_its_slots(db: str, settings: Settings) -> None:
    _postgres_only(db)
    account = await factories.carrier_account(settings=settings)
    key = pacing.carrier_account(account.id)
    one, two = (pacing.pacer_for(key, 20.0, NOW, calls=3) for _ in range(2))

    began = time.monotonic()
    await asyncio.gather(*(p.wait() for _ in range(3) for p in (one, two)))
    # Six slots 1/20 s apart between them: the last starts 0.25 s after the first.
    assert time.monotonic() - began >= 5 / 20.0 * 0.95
    assert Counter(type(p).__name__ for p in (one, two)) == Counter({"SharedPacer": 2})


async def test_a_pause_reaches_the_accounts_other_pacers(db: str, settings: Settings) -> None:
    _postgres_only(db)
    account = await factories.carrier_account(settings=settings)
    other = await factories.carrier_account(settings=settings)
    key = pacing.carrier_account(account.id)
    mine, theirs = pacing.pacer_for(key, 5.0, NOW), pacing.pacer_for(key, 5.0, NOW)
    elsewhere = pacing.pacer_for(pacing.carrier_account(other.id), 5.0, NOW)

    await mine.pause(NOW + timedelta(seconds=30))

    assert await theirs.wait() == NOW + timedelta(seconds=30)
    assert await elsewhere.wait() is None  # another account goes on
    await mine.pause(NOW + timedelta(seconds=5))  # a shorter Retry-After never shortens it
    assert await pacing.pacer_for(key, 5.0, NOW).wait() == NOW + timedelta(seconds=30)
    later = pacing.pacer_for(key, 5.0, NOW + timedelta(seconds=31))
    assert await later.wait() is None  # over once the sweep's clock passes it
    assert await CarrierPace.filter(account_id=account.id).count() == 1


async def test_in_one_process_a_pause_holds_for_the_sweep(db: str, settings: Settings) -> None:
    pacer = pacing.LocalPacer(5.0, NOW)
    await pacer.pause(NOW + timedelta(seconds=10))
    assert await pacer.wait() == NOW + timedelta(seconds=10)


async def test_the_pace_and_lookup_counters_skip_the_write_ahead_log(db: str) -> None:
    _postgres_only(db)
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT relname, relpersistence::text AS relpersistence FROM pg_class "
        "WHERE relname IN ('carrier_pace', 'rate_limit_count', 'shipment')"
    )
    assert {r["relname"]: r["relpersistence"] for r in rows} == {
        "carrier_pace": "u",
        "rate_limit_count": "u",
        "shipment": "p",  # everything else stays durable
    }
