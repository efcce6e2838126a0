"""The portal starts in each mode as a real process, serves /healthz and stops cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_LOG_LEVEL": "INFO",
    }


def engines(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite://{tmp_path}/startup.sqlite3"
    if POSTGRES_URL:
        yield POSTGRES_URL


def migrated(env: dict[str, str], template: Path) -> None:
    """A migrated database for ``env``: SQLite gets a copy of the session's template (the
    same migrations, run once), PostgreSQL runs ``portal migrate``."""
    url = env["PORTAL_DATABASE_URL"]
    if url.startswith("sqlite://"):
        shutil.copyfile(template, url.removeprefix("sqlite://"))
        return
    subprocess.run([sys.executable, "-m", "portal.cli", "migrate"], env=env, check=True)


def wait_for_health(
    url: str, process: subprocess.Popen[str], timeout: float = 30
) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"portal exited early: {process.communicate()[0]}")
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("portal did not answer in time")


@pytest.mark.parametrize("mode", ["run", "serve"])
def test_it_starts_serves_healthz_and_stops(
    tmp_path: Path, sqlite_template: Path, mode: str
) -> None:
    for database_url in engines(tmp_path):
        env = environment(tmp_path, database_url)
        migrated(env, sqlite_template)
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", mode, "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            response = wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
            assert response.status_code == 200
            assert response.json()["database"] is True
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
        assert f"Customer parcel lookup:  http://127.0.0.1:{port}/" in output
        assert ("Scheduler started" in output) is (mode == "run")


def test_a_worker_runs_the_scheduler_and_drains_on_sigterm(
    tmp_path: Path, sqlite_template: Path
) -> None:
    env = environment(tmp_path, f"sqlite://{tmp_path}/worker.sqlite3")
    migrated(env, sqlite_template)
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    deadline = time.monotonic() + 30
    while "worker running" not in line and time.monotonic() < deadline:
        line = process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "worker stopped" in output


def test_production_mode_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {**environment(tmp_path, f"sqlite://{tmp_path}/p.sqlite3"), "PORTAL_MODE": "production"}
    env.pop("PORTAL_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "PORTAL_SECRET_KEY is required" in result.stderr
