"""Pieces the benchmarks share: fresh databases, a server in a subprocess, timing, RSS."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/doorstep_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _remove_sqlite(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def fresh_database(url: str) -> None:
    """Drop and recreate the database ``url`` names (PostgreSQL) or delete its file
    (SQLite), then apply every migration."""
    from portal import db

    if url.startswith(("postgres://", "postgresql://")):
        import asyncpg

        base, _, name = url.rpartition("/")
        admin = await asyncpg.connect(base.replace("postgres://", "postgresql://") + "/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    elif url.startswith("sqlite://") and ":memory:" not in url:
        _remove_sqlite(url.removeprefix("sqlite://"))
    await db.migrate(url)


@contextmanager
def served(args: Sequence[str], health_url: str, timeout: float = 30.0) -> Iterator[int]:
    """Run ``python -m <args>`` until the block ends; wait for ``health_url`` to answer 200.

    The block gets the server's process id (to read its CPU time)."""
    process = subprocess.Popen(
        [sys.executable, "-m", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if httpx.get(health_url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"{' '.join(args)} did not start:\n{err}")
            time.sleep(0.1)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def cpu_of(stat_path: str) -> float:
    """utime + stime in seconds from a Linux ``/proc/…/stat`` file; 0 when it is gone."""
    try:
        fields = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(database: str) -> float:
    """CPU seconds so far of the PostgreSQL backends serving ``database`` (their process
    titles name it); 0 on SQLite or off Linux. A backend that exits takes its share."""
    if not database.startswith("postgres"):
        return 0.0
    name = database.rsplit("/", 1)[1].split("?")[0]
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            title = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and f" {name} ".encode() in title:
            total += cpu_of(f"/proc/{entry}/stat")
    return total


def machine_load() -> str:
    """The 1-minute load average against the cores: other processes skew absolute times."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def table(rows: Sequence[Sequence[object]]) -> str:
    """A plain text table; the first row is the header."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
