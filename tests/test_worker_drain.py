"""A stopping worker drains: running units finish (up to the grace period), none starts, what
was claimed but not started goes back at once, and the process exits 0.

APScheduler's own shutdown cancels running jobs, which is what these tests guard against.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from portal.core import draining
from portal.models import MessageState, OutboxMessage
from portal.scheduler import Job, Worker
from portal.settings import Settings
from tests.notifications.helpers import SmtpSink, free_port, listening, outbox_message, parcel

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_stop_left_over() -> Iterator[None]:
    yield
    draining.reset()


def worker_settings(**values: Any) -> Settings:
    return Settings(secret_key="s" * 40, **values)


async def test_a_running_unit_finishes_and_no_new_one_starts() -> None:
    runs: list[str] = []

    async def unit(settings: Settings, client: httpx.AsyncClient) -> bool:
        runs.append("start")
        await asyncio.sleep(0.3)
        runs.append("end")
        return True  # more is waiting: without a stop, drain would go on

    worker = Worker(worker_settings(), [Job("slow", unit, every_seconds=60)]).start()
    await asyncio.sleep(0.1)
    finished = await worker.stop(within=5)

    assert finished
    assert runs == ["start", "end"]


async def test_a_unit_outlasting_the_grace_period_is_cancelled() -> None:
    cancelled = asyncio.Event()

    async def unit(settings: Settings, client: httpx.AsyncClient) -> bool:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return False

    worker = Worker(worker_settings(), [Job("stuck", unit, every_seconds=60)]).start()
    await asyncio.sleep(0.1)
    started = time.monotonic()
    finished = await worker.stop(within=0.3)

    assert not finished and cancelled.is_set()
    assert time.monotonic() - started < 3


def test_the_grace_period_is_a_setting() -> None:
    settings = Settings.from_env({"PORTAL_WORKER_GRACE_SECONDS": "5", "PORTAL_SECRET_KEY": "x"})
    assert settings.worker_grace_seconds == 5
    assert Settings().worker_grace_seconds == 30


class SlowSink(SmtpSink):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.4)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_sink() -> Iterator[SlowSink]:
    with listening(SlowSink(port=free_port())) as sink:
        yield sink


async def test_sigterm_mid_batch_drains_a_real_worker_process(
    db: str, slow_sink: SlowSink, tmp_path: Path
) -> None:
    p = await parcel()
    due = datetime.now(UTC) - timedelta(seconds=1)
    for n in range(40):
        await outbox_message(p, trigger=f"t{n}", scheduled_for=due)
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": db,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PORTAL_SECRET_KEY": "w" * 40,
        "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{slow_sink.port}",
        "PORTAL_LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "portal.cli",
        "worker",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        # The sink runs in its own thread: look at what it received every 50 ms.
        while not slow_sink.messages and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        assert slow_sink.messages, "the worker sent nothing"
        process.send_signal(signal.SIGTERM)
        raw, _ = await asyncio.wait_for(process.communicate(), timeout=45)
    finally:
        if process.returncode is None:
            process.kill()
    output = raw.decode()

    assert process.returncode == 0, output
    assert "worker stopped" in output
    sent = await OutboxMessage.filter(state=MessageState.SENT).count()
    assert sent == len(slow_sink.messages) < 40  # it stopped mid-batch, sending what it began
    # Nothing is left claimed or in flight: the rest is due again for the next worker.
    assert await OutboxMessage.filter(lease_until__isnull=False).count() == 0
    assert await OutboxMessage.filter(attempt_id__isnull=False).count() == 0
    assert all(m.attempts == 0 for m in await OutboxMessage.filter(state=MessageState.PENDING))
    ids = [m["Message-ID"] for m in slow_sink.messages]
    assert len(ids) == len(set(ids))
