"""Background jobs on APScheduler, in ``portal run`` (embedded) or ``portal worker`` processes.

Each job calls a function that does one bounded unit of work and says whether more is
waiting; :func:`drain` repeats it while there is more, within a time budget, so a backlog
clears quickly without one run hogging the process. Claims inside the units are atomic in
the database, so any number of workers can run the same jobs.

:meth:`Worker.stop` drains (SIGTERM): no new run starts, each running unit finishes (up to
``PORTAL_WORKER_GRACE_SECONDS``) and hands back what it claimed but had not started, and
only then is anything cancelled. APScheduler's own ``shutdown`` cancels running jobs at
once, so it comes last.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from portal import db
from portal.core import draining
from portal.http import build_client
from portal.settings import Settings

log = logging.getLogger(__name__)

#: How long units cancelled at the end of the grace period get to clean up.
LATE_CLEANUP_SECONDS = 35.0

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
    from portal.analytics.rollups import rollup_job
    from portal.history.retention import history_job
    from portal.notifications.dispatcher import dispatch_job
    from portal.notifications.pickup_reminders import pickup_reminder_job
    from portal.platforms.backfill import sync_job
    from portal.platforms.writeback import push_job
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
        # A store sync may read many pages; it runs beside polling, never in its way.
        Job("sync-stores", sync_job, every_seconds=60, budget_seconds=120),
        Job("push-to-stores", push_job, every_seconds=15),
        Job("schedule-surveys", schedule_due_surveys, every_seconds=300),
        Job("remind-pickups", pickup_reminder_job, every_seconds=600),
        Job("expire-return-labels", expire_unused_labels, every_seconds=900),
        # Skips unless the figures are older than a day: every worker may run it.
        Job("learn-transit-times", recompute_job, every_seconds=3600, budget_seconds=0),
        Job("watch-late-and-stuck", watch_job, every_seconds=600),
        Job("housekeeping", housekeeping, every_seconds=3600, budget_seconds=0),
        # Recounts the analytics days changed since its last run; holds a lock, so when
        # several workers run it, one counts and the others skip.
        Job("roll-up-analytics", rollup_job, every_seconds=300, budget_seconds=60),
        # Partitions ahead every hour; retention once a day after the nightly jobs
        # (portal/history/retention.py says which rows it never removes).
        Job("keep-history", history_job, every_seconds=3600, budget_seconds=0),
    ]


async def housekeeping(settings: Settings, client: httpx.AsyncClient) -> bool:
    """Forget what must not be kept: import staging files, rate-limit counts that no longer
    count, old idempotency records and webhook deliveries, and the poll leases left on
    shipments since deleted or settled."""
    from datetime import UTC, datetime

    from portal.admin.csv_import import purge_stale
    from portal.api.idempotency_db import purge_records
    from portal.core.rate_limit import purge as purge_counts
    from portal.tracking.claim import forget_orphans
    from portal.webhooks_out.purge import purge_deliveries

    now = datetime.now(UTC)
    purged = purge_stale(settings.var_dir)
    forgotten = await purge_counts(now.timestamp())
    keys = await purge_records(now)
    deliveries = await purge_deliveries(now)
    leases = await forget_orphans(now)
    log.info(
        "housekeeping: %d import folders, %d rate-limited units, %d idempotency records, "
        "%d webhook deliveries and %d orphaned poll leases removed",
        purged,
        forgotten,
        keys,
        deliveries,
        leases,
    )
    return False


async def drain(job: Job, settings: Settings, client: httpx.AsyncClient) -> int:
    """Run ``job.unit`` while it reports more work, within the job's budget; count the units."""
    deadline = time.monotonic() + job.budget_seconds
    units = 0
    while not draining.stop_requested():
        try:
            more = await job.unit(settings, client)
        except Exception as exc:  # one failing unit must not kill the job for good
            if db.unreachable(exc):
                log.warning(
                    "job %s: database unreachable (%r); retried at its next run", job.name, exc
                )
            else:
                log.exception("job %s failed", job.name)
            return units
        units += 1
        if not more or time.monotonic() >= deadline:
            return units
    return units


class Worker:
    """The scheduler, the HTTP client its jobs share, and the units in flight."""

    def __init__(self, settings: Settings, selected: list[Job] | None = None) -> None:
        self.settings = settings
        self.jobs = jobs() if selected is None else selected
        self.client = build_client(settings)
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[object]] = set()

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
        draining.reset()
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

    async def stop(self, within: float | None = None) -> bool:
        """Drain: start nothing new, let running units finish and hand back their unstarted
        claims (at most ``within`` s, default the grace setting), then close the client.

        Returns True when every unit finished within the grace period; those still running
        then are cancelled (their leases lapse within a minute).
        """
        from portal.tracking import refresh

        grace = self.settings.worker_grace_seconds if within is None else within
        draining.request_stop()
        if self.scheduler.running:
            self.scheduler.pause()
        running = set(self._running)
        finished = True
        if running:
            log.info("draining %d running jobs (up to %.0f s)", len(running), grace)
            _, late = await asyncio.wait(running, timeout=grace)
            finished = not late
            if late:
                log.warning("%d jobs still running after %.0f s: cancelling", len(late), grace)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)  # cancels the late ones
        if not finished:
            # Their clean-up hands claims back; a send whose outcome is not yet recorded
            # keeps trying for a while (the dispatcher's RECORD_AFTER_CANCEL).
            await asyncio.wait(running, timeout=LATE_CLEANUP_SECONDS)
        await refresh.drain(within=5)
        await self.client.aclose()
        return finished


def _now() -> object:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def start_scheduler(settings: Settings, selected: list[Job] | None = None) -> Worker:
    """Start the worker's jobs on the running event loop."""
    return Worker(settings, selected).start()
