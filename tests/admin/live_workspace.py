"""The workspace served by uvicorn for the browser tests, on a database set up by commands
run first (``portal demo``, ``portal merchant create``, a test's seeding module): each
browser module needs a real server on its own data, and this is how every one of them
starts it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _free_port, copy_migrated, running_server

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class LiveWorkspace:
    base: str
    #: What each set-up command printed, in order (a seeding module names what it made).
    outputs: list[str]


@contextmanager
def live_workspace(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    *setup: list[str],
    database_url: str = "",
) -> Iterator[LiveWorkspace]:
    """Serve :func:`tests.admin.live_app.make_app` on a free port over a fresh migrated
    SQLite database, after running each ``setup`` entry as ``python -m <entry>`` on it.

    ``database_url`` serves another database instead (the test's PostgreSQL, migrated and
    emptied by the caller), for a page whose rendering depends on what the engine returns."""
    root = tmp_path_factory.mktemp("workspace-live")
    base = f"http://127.0.0.1:{_free_port()}"
    if not database_url:
        database_url = copy_migrated(sqlite_template, root / "live.sqlite3")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_VAR_DIR": str(root / "var"),
           "PORTAL_DATABASE_URL": database_url,
           "PORTAL_PUBLIC_BASE_URL": base, "PORTAL_LOG_LEVEL": "WARNING"}  # fmt: skip
    outputs = []
    for args in setup:
        done = subprocess.run(
            [sys.executable, "-m", *args], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr}"
        outputs.append(done.stdout)
    port = base.rsplit(":", 1)[1]
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.admin.live_app:make_app",
               "--host", "127.0.0.1", "--port", port, "--log-level", "warning"]  # fmt: skip
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield LiveWorkspace(base, outputs)


@contextmanager
def signed_in_phone(browser: Any, base: str, email: str, password: str) -> Iterator[Any]:
    """A page 390 px wide with ``email`` signed in to the workspace at ``base``; its browser
    context is closed afterwards."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base}/admin/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    try:
        yield page
    finally:
        context.close()
