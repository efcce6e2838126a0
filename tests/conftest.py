"""Real databases for tests: SQLite always, PostgreSQL too when PORTAL_TEST_POSTGRES is set.

A test that takes the ``db`` fixture runs once per engine against a schema built by the
committed migrations. SQLite gets a fresh copy of a migrated template file per test;
PostgreSQL is migrated once per session and emptied after each test, through a connection
kept for the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import hypothesis
import pytest
import time_machine
from starlette.applications import Starlette
from tortoise import Tortoise, connections

from portal import db as portal_db
from portal.app import create_app
from portal.settings import Settings

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES", "")

# Property tests check what a parser does, not how fast: on a shared two-core machine
# wall-clock time swings several-fold, so hypothesis' per-example deadline only adds flakes.
hypothesis.settings.register_profile("doorstep", deadline=None)
hypothesis.settings.load_profile("doorstep")
ENGINES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


#: ``PORTAL_TEST_CLOCK=2026-12-08T03:15:00Z`` runs the suite as if it started at that
#: instant, so a test that hangs on the hour it runs at (quiet hours, "day 14" on a Warsaw
#: clock) fails on a developer's machine at noon rather than in CI at night.
TEST_CLOCK = os.environ.get("PORTAL_TEST_CLOCK", "")
_clock: list[time_machine.travel] = []


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PORTAL_VAR_DIR", str(Path(config.rootpath) / "var" / "test"))
    _keep_bytecode(Path(config.rootpath) / "var" / "pycache")
    if TEST_CLOCK:
        _clock.append(_travel_to(TEST_CLOCK))


def _travel_to(instant: str) -> time_machine.travel:
    """Move this process's clock to ``instant`` (ISO 8601 with an offset) and let it run on.

    Only Python's clock moves: the databases' own (PostgreSQL ``now()``, SQLite
    ``CURRENT_TIMESTAMP``) and the ``portal`` processes the suite starts keep the real time,
    so an instant on today's date, a few hours from now, raises the fewest false alarms.
    A test's own ``time_machine.travel`` still takes precedence while it lasts.
    """
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise pytest.UsageError(f"PORTAL_TEST_CLOCK needs an offset (Z or +01:00): {instant}")
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    return traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    while _clock:
        _clock.pop().stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    return f"PORTAL_TEST_CLOCK: the suite runs as if from {TEST_CLOCK}" if TEST_CLOCK else None


def _keep_bytecode(prefix: Path) -> None:
    """Let this run's Python processes keep the modules they compile, under ``prefix``.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (the Dockerfile sets it, and so do some CI
    machines) nothing is ever cached, and each of the suite's few hundred ``portal``
    processes (CLI tests, live servers, ``portal demo``) compiled every module it
    imports, Starlette, Tortoise and the portal's own: about 1.2 s of CPU each, more than
    the command itself. Kept under ``var/`` (ignored by git, removed by ``make clean``),
    never beside the sources.
    """
    if not sys.dont_write_bytecode:
        return  # compiled modules are already kept, in __pycache__ beside the sources
    kept = sys.pycache_prefix or str(prefix)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = kept
    sys.dont_write_bytecode = False
    sys.pycache_prefix = kept


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the
    main thread for as long as the browser lives, which async tests cannot share."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _run_async(coro: Any) -> Any:
    """Run ``coro`` to completion on a private loop, even when a test loop is running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _run_async(portal_db.migrate(f"sqlite://{path}"))
    return path


def copy_migrated(template: Path, database: Path) -> str:
    """A migrated SQLite database at ``database``, copied from the session's template; its
    URL. The committed migrations take 10-20 s to run: once a session is enough where the
    test is not about migrating (``portal migrate`` itself is tested in test_cli.py)."""
    shutil.copyfile(template, database)
    return f"sqlite://{database}"


def _postgres_reset_schema(url: str) -> None:
    async def reset() -> None:
        await Tortoise.init(config=portal_db.tortoise_config(url))
        conn = connections.get("default")
        await conn.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await connections.close_all()
        await portal_db.migrate(url)

    _run_async(reset())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PORTAL_TEST_POSTGRES is not set")
    _postgres_reset_schema(POSTGRES_URL)
    yield POSTGRES_URL


#: Empties every table of the test database and restarts the sequences their columns own,
#: as ``TRUNCATE … RESTART IDENTITY CASCADE`` would. TRUNCATE gives each table, index and
#: partition a new file and syncs them all at commit: about a second a test on a shared
#: machine, most of a PostgreSQL test's cost. DELETE on the few rows a test leaves costs
#: milliseconds; as a replica session it skips foreign-key checks and triggers, so the
#: order of the tables does not matter (every table is emptied, the triggers' too).
_EMPTY_ALL = """
DO $$
DECLARE
    item record;
BEGIN
    PERFORM set_config('session_replication_role', 'replica', true);
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname <> 'tortoise_migrations'
    LOOP
        EXECUTE format('DELETE FROM %s', item.name);
    END LOOP;
    FOR item IN
        SELECT s.oid::regclass AS name, q.seqstart AS start FROM pg_class s
        JOIN pg_sequence q ON q.seqrelid = s.oid
        JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
            AND d.deptype IN ('a', 'i')
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE s.relkind = 'S' AND n.nspname = 'public' AND t.relname <> 'tortoise_migrations'
    LOOP
        -- Only a sequence drawn from since its last reset (setval costs a WAL record). In
        -- the loop, not the WHERE: the planner may call it there on rows that are not
        -- sequences.
        IF pg_sequence_last_value(item.name) IS NOT NULL THEN
            PERFORM setval(item.name, item.start, false);
        END IF;
    END LOOP;
END $$;
"""


_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
    "AND tablename <> 'tortoise_migrations'"
)


def _truncate(tables: list[str]) -> str:
    names = ", ".join(f'"{table}"' for table in tables)
    return f"TRUNCATE {names} RESTART IDENTITY CASCADE" if names else "SELECT 1"


async def _truncate_all() -> None:
    """Empty the test database through Tortoise's connection (for a test that connected
    on its own; the ``db`` fixture uses the session's :class:`_Emptier`)."""
    conn = connections.get("default")
    try:
        await conn.execute_script(_EMPTY_ALL)
        return
    except Exception:  # a role that may not act as a replica: TRUNCATE, slower but allowed
        pass
    rows = await conn.execute_query_dict(_TABLES)
    await conn.execute_script(_truncate([row["tablename"] for row in rows]))


class _Emptier:
    """One connection, open for the whole session, that empties the test database after
    each test.

    Emptying through the test's own connection cost 50-80 ms of server time a test, almost
    all of it a new backend reading the catalogue of every table, partition, index and
    sequence before its first DELETE; on a connection that has done it once the same
    work takes a few milliseconds (docs/architecture.md). asyncpg ties a connection to
    its event loop and each test has its own, so this one lives on a loop of its own in a
    thread.
    """

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._conn: asyncpg.Connection = self._wait(asyncpg.connect(url, command_timeout=60))

    def _wait(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _empty(self) -> None:
        try:
            await self._conn.execute(_EMPTY_ALL)
            return
        except asyncpg.InsufficientPrivilegeError:  # may not act as a replica: TRUNCATE
            pass
        rows = await self._conn.fetch(_TABLES)
        await self._conn.execute(_truncate([row["tablename"] for row in rows]))

    async def empty(self) -> None:
        """Empty every table; call it once the test's own connections are closed."""
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._empty(), self._loop))

    def close(self) -> None:
        self._wait(self._conn.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


@pytest.fixture(scope="session")
def postgres_emptier(postgres_url: str) -> Iterator[_Emptier]:
    emptier = _Emptier(postgres_url)
    try:
        yield emptier
    finally:
        emptier.close()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a freshly migrated, empty database for this test."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    template: Path = request.getfixturevalue("sqlite_template")
    path = tmp_path / "portal.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite://{path}"


@pytest.fixture
async def db(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Tortoise connected to a fresh database; yields its URL."""
    emptier: _Emptier | None = None
    if database_url.startswith("postgres"):
        emptier = request.getfixturevalue("postgres_emptier")
    await portal_db.connect(database_url)
    try:
        yield database_url
    finally:
        try:
            await portal_db.disconnect()
        finally:
            if emptier is not None:
                await emptier.empty()


def make_settings(tmp_path: Path, **env: str) -> Settings:
    """Settings as the environment would give them, with a private var dir."""
    base = {"PORTAL_VAR_DIR": str(tmp_path / "var"), "PORTAL_SECRET_KEY": "t" * 40}
    base.update({f"PORTAL_{k.upper()}": v for k, v in env.items()})
    return Settings.from_env(base)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url=database_url)


@pytest.fixture
def app(settings: Settings, db: str) -> Starlette:
    """The portal on the test database (the fixture owns the connection)."""
    return create_app(settings, manage_db=False)


class TemplateRecorder:
    """Wraps an ASGI app to capture which template rendered a response, and its context.

    Starlette reports both through the ``http.response.debug`` extension, which its
    TestClient uses; this does the same for an async httpx client.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last: dict[str, Any] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.last = {}
        scope = {**scope, "extensions": {**scope.get("extensions", {}), "http.response.debug": {}}}

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.debug":
                self.last = message["info"]
                return
            await send(message)

        await self.app(scope, receive, capture)


def client_for(app: Any, base_url: str = "http://testserver", **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client on ``app`` whose responses carry ``.template`` and ``.context``."""
    recorder = TemplateRecorder(app)

    async def attach(response: httpx.Response) -> None:
        response.template = recorder.last.get("template")  # type: ignore[attr-defined]
        response.context = recorder.last.get("context")  # type: ignore[attr-defined]

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=recorder, **kwargs),
        base_url=base_url,
        event_hooks={"response": [attach]},
    )


@pytest.fixture
async def web(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the portal in-process."""
    async with client_for(app) as client:
        yield client


# --- Browser tests: Debian's Chromium driven by Playwright against a real server ---------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    command: list[str], *, base: str, env: dict[str, str], cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until ``base``/healthz answers 200, stop it afterwards."""
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"{' '.join(command[-4:])} did not start")
        time.sleep(0.2)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """``portal run`` (web + jobs) on a free port with the demo shop; yields its base URL."""
    root = tmp_path_factory.mktemp("live")
    copy_migrated(sqlite_template, root / "live.sqlite3")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(root / "var"),
        "PORTAL_DATABASE_URL": f"sqlite://{root}/live.sqlite3",
        "PORTAL_PUBLIC_BASE_URL": base,
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "-m", "portal.cli", "demo"], env=env, check=True)
    command = [sys.executable, "-m", "portal.cli", "run", "--port", str(port)]
    with running_server(command, base=base, env=env):
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium; never a downloaded browser."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[Any]:
    """axe-core's violations of ``impacts`` on the current page.

    axe comes from npm into static/vendor and loads from the page's own origin, so the
    page's Content-Security-Policy stays in force during the check.
    """
    origin = page.evaluate("location.origin")
    page.add_script_tag(url=f"{origin}/static/vendor/axe.min.js")
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in impacts]


ROOT_DIR = Path(__file__).resolve().parents[1]


@dataclass
class Demo:
    base: str
    #: One tracking number per status the demo's parcels are in.
    numbers: dict[str, str]
    #: A delivered order: (number, postcode), for the order page and returns.
    delivered: tuple[str, str]


def _polled(database: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(database) as conn:
        return conn.execute(
            "SELECT s.tracking_number, s.status, o.number, o.ship_postal_code FROM shipment s"
            " JOIN orders o ON o.id = s.order_id WHERE s.carrier_key = 'sandbox'"
            " AND s.last_polled_at IS NOT NULL"
        ).fetchall()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Demo]:
    """``portal run`` with the demo shop, its parcels polled by the running jobs."""
    root = tmp_path_factory.mktemp("demo")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    database = root / "live.sqlite3"
    copy_migrated(sqlite_template, database)
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(root / "var"),
        "PORTAL_DATABASE_URL": f"sqlite://{database}",
        "PORTAL_PUBLIC_BASE_URL": base,
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_TRACKING_NUMBER_LIMIT": "100000",
        # Every customer page in every language looks the demo order up from one address.
        "PORTAL_ORDER_LOOKUP_LIMIT": "1000",
    }
    subprocess.run([sys.executable, "-m", "portal.cli", "demo"], env=env, check=True,
                   cwd=ROOT_DIR, capture_output=True)  # fmt: skip
    command = [sys.executable, "-m", "portal.cli", "run", "--port", str(port)]
    with running_server(command, base=base, env=env, cwd=ROOT_DIR):
        deadline = time.monotonic() + 60
        rows = _polled(database)
        while len(rows) < 20 and time.monotonic() < deadline:  # the jobs poll the sandbox
            time.sleep(1)
            rows = _polled(database)
        numbers = {status: number for number, status, _order, _postcode in rows}
        delivered = next(((o, p) for _n, s, o, p in rows if s == "delivered"), None)
        assert delivered, f"no demo parcel was delivered at the first poll: {numbers}"
        yield Demo(base, numbers, delivered)
