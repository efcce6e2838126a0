"""BaseLinker's request limit is the token's: 100 requests a minute
(https://api.baselinker.com/, "Request limit"; tests/fixtures/baselinker/SOURCE.md), so a
connection's sync and its write-back pass share one pace (portal/pacing.py, through the
transport), on each engine and — on PostgreSQL — from two worker processes, and a
blocked token met by one stops the other too.

Faked at HTTP only: the fake notes when each request arrives. The minute is shortened
(``WINDOW``), and the limit with it, so a test takes seconds: 20 requests in 2 s, one
slot every 2/19 s, long enough for a late request to take a new slot as at full scale.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from portal.models import PlatformConnection, PlatformPush, PushState
from portal.platforms import baselinker
from portal.platforms.backfill import sync_connection
from portal.platforms.writeback import push_once
from portal.settings import Settings
from tests.platforms.fake_baselinker import (
    BASE,
    BASELINKER_TOKEN,
    CONNECTED_SAYS,
    FakeBaseLinker,
    fixtures,
)
from tests.platforms.fakes import connect_args, connect_by_cli, fixture

ROOT = Path(__file__).resolve().parents[2]

#: The shortened minute and its limit.
MINUTE, LIMIT = 2.0, 20
DELIVERED_STATUS = 1054
SAID = [
    *CONNECTED_SAYS,
    'A delivered parcel moves its order to the BaseLinker status "Delivered" (1054).',
]

settings, store, http = fixtures(orders=250)


async def connected_with_pushes(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient, pushes: int
) -> PlatformConnection:
    """The account connected and backfilled, ten more orders shipped since, and
    ``pushes`` delivered parcels waiting in the write-back queue (two requests each:
    the order read, its status set)."""
    args = connect_args(
        "baselinker", token=BASELINKER_TOKEN, token_file=None, delivered_status="Delivered"
    )
    connection = await connect_by_cli(settings, http, args, SAID)
    await sync_connection(connection, settings, http, now=BASE + timedelta(hours=5))
    ship_ten(store)
    await PlatformPush.bulk_create(
        [
            PlatformPush(
                connection_id=connection.id,
                kind="tracking",
                dedupe_key=f"{n}:delivered",
                next_attempt_at=BASE,
                payload={
                    "status": "delivered",
                    "order_id": str(7_000_000 + n),
                    "order_status_id": DELIVERED_STATUS,
                },
            )
            for n in range(pushes)
        ]
    )
    store.calls.clear()
    store.arrivals.clear()
    return await PlatformConnection.get()


def ship_ten(store: FakeBaseLinker) -> None:
    """Ten orders shipped after the backfill: the next sync asks for their packages."""
    for n in range(10):
        store.ship(7_000_100 + n, f"JJD0000{n:09d}", "dhl", BASE + timedelta(hours=6))


def keep_a_short_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baselinker, "WINDOW", MINUTE)
    monkeypatch.setattr(baselinker, "LIMIT", LIMIT)


async def test_a_sync_and_a_write_back_pass_keep_to_the_tokens_limit_together(
    settings: Settings,
    store: FakeBaseLinker,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = await connected_with_pushes(settings, store, http, pushes=8)
    keep_a_short_minute(monkeypatch)

    report, _full = await asyncio.gather(
        sync_connection(connection, settings, http, now=BASE + timedelta(hours=7)),
        push_once(settings, client=http),
    )

    # Both did their work: ten packages tracked, eight orders moved to "Delivered".
    assert (report.shipments_created, report.problems) == (10, [])
    assert await PlatformPush.filter(state=PushState.DONE).count() == 8
    writes = 2 * store.count("setOrderStatus")
    requests = len(store.arrivals)
    # Each alone stays under the limit (paced apart, neither would have waited at all);
    # together they pass it.
    assert (requests - writes, writes) == (15, 16) and requests > LIMIT
    # Never more than the limit in any minute, together: one slot every MINUTE/(LIMIT-1).
    assert store.busiest(MINUTE) <= LIMIT
    spread = max(store.arrivals) - min(store.arrivals)
    assert spread >= (requests - 1) * MINUTE / (LIMIT - 1) * 0.95


async def test_a_blocked_token_met_by_the_write_back_stops_the_sync_too(
    settings: Settings,
    store: FakeBaseLinker,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = await connected_with_pushes(settings, store, http, pushes=2)
    keep_a_short_minute(monkeypatch)
    blocked = fixture("baselinker", "error_blocked_token.json")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    blocked["error_message"] = (
        "Query limit exceeded, token blocked until "
        f"{until.astimezone(ZoneInfo('Europe/Warsaw')):%Y-%m-%d %H:%M:%S}"
    )
    store.faults = [httpx.Response(200, json=blocked)]

    store.arrived.clear()
    writing = asyncio.create_task(push_once(settings, client=http))
    await store.arrived.wait()  # the write-back's first request: refused, the token blocked
    refused_at = store.arrivals[0]
    await asyncio.sleep(0.2)  # the pause is noted
    report = await sync_connection(connection, settings, http, now=BASE + timedelta(hours=7))
    await writing

    # Nobody called BaseLinker until the moment it named (2–3 s away), then both went on.
    assert min(store.arrivals[1:]) - refused_at >= 1.9
    assert (report.shipments_created, report.problems) == (10, [])
    assert await PlatformPush.filter(state=PushState.DONE).count() == 2


_WORKER = """
import asyncio, json, sys, time
from datetime import timedelta
from pathlib import Path
from portal import db
from portal.models import PlatformConnection
from portal.platforms import baselinker
from portal.platforms.backfill import sync_connection
from portal.platforms.writeback import push_once
from tests.platforms.fake_baselinker import BASE, BASELINKER_HOST, FakeBaseLinker
from tests.platforms.fakes import outside, store_settings
from tests.platforms.test_baselinker_pacing import LIMIT, MINUTE, ship_ten

baselinker.WINDOW, baselinker.LIMIT = MINUTE, LIMIT

async def main(url, start_at, var, role):
    await db.connect(url)
    settings = store_settings(Path(var), url)
    store = FakeBaseLinker.with_orders(250, BASE)  # this process's view of the account
    ship_ten(store)
    async with outside(BASELINKER_HOST, store.answer) as http:
        while time.time() < start_at:
            await asyncio.sleep(0.01)
        if role == "sync":
            connection = await PlatformConnection.get()
            await sync_connection(connection, settings, http, now=BASE + timedelta(hours=7))
        else:
            await push_once(settings, client=http)
    await db.disconnect()
    print(json.dumps(store.arrivals))

asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]))
"""


async def test_a_sync_and_a_write_back_in_two_worker_processes_share_the_pace(
    db: str,
    settings: Settings,
    store: FakeBaseLinker,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    if not db.startswith("postgres"):
        pytest.skip("worker processes share a token's pace on PostgreSQL")
    await connected_with_pushes(settings, store, http, pushes=8)
    start_at = str(time.time() + 4.0)  # both processes imported and connected by then
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORKER,
            db,
            start_at,
            str(tmp_path),
            role,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        for role in ("sync", "write-back")
    ]
    outputs = [await asyncio.wait_for(w.communicate(), timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), [e.decode()[-3000:] for _, e in outputs]
    # time.monotonic is the machine's clock: both processes' arrivals on one line.
    store.arrivals = [t for out, _ in outputs for t in json.loads(out.decode().splitlines()[-1])]

    assert await PlatformPush.filter(state=PushState.DONE).count() == 8
    assert len(store.arrivals) == 15 + 16  # as in one process: each alone under the limit
    assert store.busiest(MINUTE) <= LIMIT
    spread = max(store.arrivals) - min(store.arrivals)
    assert spread >= (len(store.arrivals) - 1) * MINUTE / (LIMIT - 1) * 0.95
