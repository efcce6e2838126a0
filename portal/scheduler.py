"""Background jobs on APScheduler, in ``portal run`` (embedded) or ``portal worker`` processes.

Each job calls a function that does one bounded unit of work and says whether more is
waiting; :func:`drain` repeats it while there is more, within a time budget, so a backlog
clears quickly without one run hogging the process. Claims inside the units are atomic in
the database, so any number of workers can run the same jobs. :meth:`Worker.stop` lets
running units finish before the process exits (SIGTERM drains).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from portal.http import build_client
from portal.settings import Settings

log = logging.getLogger(__name__)

#: One unit of work: returns True when more is waiting right now.
Unit = Callable[[Settings, httpx.AsyncClient], Awaitable[bool]]


@dataclass(frozen=True)
class Job:
    name: str
    unit: Unit
    every_seconds: float
    #: Longest a single run keeps draining before it yields to the next tick.
    budget_seconds: float = 20.0


def jobs() -> list[Job]:
    """The background jobs every worker runs."""
    from portal.notifications.dispatcher import dispatch_job
    from portal.notifications.pickup_reminders import pickup_reminder_job
    from portal.returns.service import expire_unused_labels
    from portal.surveys.scheduling import schedule_due_surveys
    from portal.tracking.alerts import watch_job
    from portal.tracking.sweep import poll_job
    from portal.tracking.transit_sql import recompute_job
    from portal.webhooks_out.sender import run_unit as webhook_unit

    return [
        # poll_job sweeps for up to ~50 s by itself, so one call per tick.
        Job("poll-carriers", poll_job, every_seconds=30, budget_seconds=0),
        Job("dispatch-notifications", dispatch_job, every_seconds=10),
        Job("deliver-webhooks", webhook_unit, every_seconds=10),
        Job("schedule-surveys", schedule_due_surveys, every_seconds=300),
        Job("remind-pickups", pickup_reminder_job, every_seconds=600),
        Job("expire-return-labels", expire_unused_labels, every_seconds=900),
        # Skips unless the figures are older than a day: every worker may run it.
        Job("learn-transit-times", recompute_job, every_seconds=3600, budget_seconds=0),
        Job("watch-late-and-stuck", watch_job, every_seconds=600),
        Job("housekeeping", housekeeping, every_seconds=3600, budget_seconds=0),
    ]


async def housekeeping(settings: Settings, client: httpx.AsyncClient) -> bool:
    """Forget what must not be kept: import staging files, rate-limit counts that no longer
    count, old idempotency records and webhook deliveries."""
    from datetime import UTC, datetime

    from portal.admin.csv_import import purge_stale
    from portal.api.idempotency_db import purge_records
    from portal.core.rate_limit import purge as purge_counts
    from portal.webhooks_out.purge import purge_deliveries

    now = datetime.now(UTC)
    purged = purge_stale(settings.var_dir)
    forgotten = await purge_counts(now.timestamp())
    keys = await purge_records(now)
    deliveries = await purge_deliveries(now)
    log.info(
        "housekeeping: %d import folders, %d rate-limited units, %d idempotency records and "
        "%d webhook deliveries removed",
        purged,
        forgotten,
        keys,
        deliveries,
    )
    return False


async def drain(job: Job, settings: Settings, client: httpx.AsyncClient) -> int:
    """Run ``job.unit`` while it reports more work, within the job's budget; count the units."""
    deadline = time.monotonic() + job.budget_seconds
    units = 0
    while True:
        try:
            more = await job.unit(settings, client)
        except Exception:  # one failing unit must not kill the job for good
            log.exception("job %s failed", job.name)
            return units
        units += 1
        if not more or time.monotonic() >= deadline:
            return units


class Worker:
    """The scheduler, the HTTP client its jobs share, and the units in flight."""

    def __init__(self, settings: Settings, selected: list[Job] | None = None) -> None:
        self.settings = settings
        self.jobs = jobs() if selected is None else selected
        self.client = build_client(settings)
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[int]] = set()

    async def _run(self, job: Job) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await drain(job, self.settings, self.client)
        finally:
            if task is not None:
                self._running.discard(task)

    def start(self) -> Worker:
        for job in self.jobs:
            self.scheduler.add_job(
                self._run,
                "interval",
                seconds=job.every_seconds,
                args=[job],
                id=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(job.every_seconds)),
                next_run_time=_now(),
            )
        self.scheduler.start()
        log.info("scheduler started with %d jobs", len(self.jobs))
        return self

    async def stop(self, within: float = 30.0) -> None:
        """Stop scheduling, let running units finish (at most ``within`` s), close the client."""
        from portal.tracking import refresh

        self.scheduler.shutdown(wait=False)
        if self._running:
            await asyncio.wait(set(self._running), timeout=within)
        await refresh.drain(within=5)
        await self.client.aclose()


def _now() -> object:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def start_scheduler(settings: Settings, selected: list[Job] | None = None) -> Worker:
    """Start the worker's jobs on the running event loop."""
    return Worker(settings, selected).start()
