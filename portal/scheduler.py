"""Background jobs on APScheduler, in ``portal run`` (embedded) or ``portal worker`` processes.

Each job calls a function that does one bounded unit of work and says whether more is
waiting; :func:`drain` repeats it while there is more, within a time budget, so a backlog
clears quickly without one job run hogging the process. Claims inside the units are
atomic in the database, so any number of workers can run the same jobs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from portal.settings import Settings

log = logging.getLogger(__name__)

#: One unit of work: returns True when more is waiting right now.
Unit = Callable[[Settings], Awaitable[bool]]


@dataclass(frozen=True)
class Job:
    name: str
    unit: Unit
    every_seconds: float
    #: Longest a single run keeps draining before it yields to the next tick.
    budget_seconds: float = 20.0


def jobs() -> list[Job]:
    """The background jobs every worker runs."""
    return []


async def drain(job: Job, settings: Settings) -> int:
    """Run ``job.unit`` while it reports more work, within the job's budget; count the units."""
    deadline = time.monotonic() + job.budget_seconds
    units = 0
    while True:
        try:
            more = await job.unit(settings)
        except Exception:  # one failing unit must not kill the job for good
            log.exception("job %s failed", job.name)
            return units
        units += 1
        if not more or time.monotonic() >= deadline:
            return units


def start_scheduler(settings: Settings, selected: list[Job] | None = None) -> AsyncIOScheduler:
    """Start the scheduler on the running event loop with every job (or ``selected``)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in jobs() if selected is None else selected:
        scheduler.add_job(
            drain,
            "interval",
            seconds=job.every_seconds,
            args=[job, settings],
            id=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(job.every_seconds) or 1,
        )
    scheduler.start()
    log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
    return scheduler
