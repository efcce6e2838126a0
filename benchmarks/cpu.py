"""CPU seconds spent by other processes: the stable figure on a shared machine.

Wall-clock throughput on the project's 2-core machines moves with whatever else runs;
the CPU time a process spends on a unit of work hardly does. Linux keeps every process's
user + system time in ``/proc/<pid>/stat`` (clock ticks), readable by the same user or
root; PostgreSQL's backends are found through ``pg_stat_activity`` (the ones connected to
the benchmark's database), so the figure is the server's work for this benchmark only.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def process_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # Fields after the command name (which may hold spaces) start after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _TICK


class ProcessCpu:
    """CPU seconds of one process (e.g. a uvicorn server the benchmark started)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def seconds(self) -> float:
        return process_seconds(self.pid)


async def postgres_backends(url: str) -> list[int]:
    """Process ids of the PostgreSQL backends connected to ``url``'s database right now."""
    import asyncpg

    base, _, name = url.rpartition("/")
    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", name.split("?")[0]
        )
    finally:
        await conn.close()
    return [int(r["pid"]) for r in rows]


class PostgresCpu:
    """CPU seconds of the backends serving one database, between two snapshots.

    A backend that exits between two snapshots takes its time with it, so measure with
    the application's pool already open (it keeps its connections); one that starts in
    between counts whole."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def snapshot(self) -> dict[int, float]:
        return {pid: process_seconds(pid) for pid in await postgres_backends(self.url)}

    async def since(self, before: dict[int, float]) -> float:
        now = await self.snapshot()
        return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in now.items())
