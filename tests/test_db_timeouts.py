"""Every database connection carries timeouts, so a database that stops answering is noticed,
logged and retried instead of stalling a worker in silence.

The PostgreSQL cases go through a loopback TCP proxy that black-holes the traffic (packets
dropped, no reset), the failure that used to hang a worker until the database came back.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import httpx
import pytest
from tortoise import connections

from benchmarks.tcp_proxy import TcpProxy
from portal import db as portal_db
from portal.scheduler import Job, drain
from portal.settings import Settings
from tests.conftest import POSTGRES_URL

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_POSTGRES is not set")


def quick(**values: float) -> Settings:
    return Settings(secret_key="k" * 40, **values)  # type: ignore[arg-type]


def test_the_timeouts_are_settings_with_sane_defaults() -> None:
    env = {
        "PORTAL_SECRET_KEY": "k" * 40,
        "PORTAL_DB_CONNECT_TIMEOUT": "3",
        "PORTAL_DB_STATEMENT_TIMEOUT": "12",
        "PORTAL_DB_KEEPALIVE_SECONDS": "9",
        "PORTAL_DB_BUSY_TIMEOUT": "2",
    }
    read = Settings.from_env(env)
    assert (read.db_connect_timeout, read.db_statement_timeout) == (3, 12)
    assert (read.db_keepalive_seconds, read.db_busy_timeout) == (9, 2)
    default = Settings()
    assert (default.db_connect_timeout, default.db_statement_timeout) == (10, 30)
    with pytest.raises(ValueError, match="PORTAL_DB_STATEMENT_TIMEOUT must be positive"):
        Settings.from_env({**env, "PORTAL_DB_STATEMENT_TIMEOUT": "0"})


def test_a_postgres_connection_gets_every_timeout() -> None:
    config = portal_db.tortoise_config("postgres://u@db.test:5432/shop", quick())
    credentials = config["connections"]["default"]["credentials"]
    assert credentials["timeout"] == 10
    assert credentials["command_timeout"] == 31
    assert credentials["server_settings"]["statement_timeout"] == "30000"
    assert credentials["server_settings"]["tcp_keepalives_idle"] == "15"
    assert callable(credentials["init"])
    migrating = portal_db.tortoise_config("postgres://u@db.test/shop", statement_timeout=False)
    assert (
        "statement_timeout"
        not in migrating["connections"]["default"]["credentials"]["server_settings"]
    )


async def test_sqlite_waits_for_a_lock_instead_of_failing_at_once(db: str) -> None:
    if not db.startswith("sqlite"):
        pytest.skip("SQLite only")
    _, rows = await connections.get("default").execute_query("PRAGMA busy_timeout")
    assert rows[0][0] == 5000


async def test_a_job_meeting_an_unreachable_database_logs_it_and_tries_again_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def unit(settings: Settings, client: httpx.AsyncClient) -> bool:
        raise ConnectionRefusedError(111, "Connection refused")

    with caplog.at_level(logging.WARNING, logger="portal.scheduler"):
        async with httpx.AsyncClient() as client:
            assert await drain(Job("dispatch", unit, every_seconds=10), quick(), client) == 0

    (record,) = caplog.records
    assert "database unreachable" in record.getMessage() and record.exc_info is None


def test_a_bug_is_not_taken_for_an_outage() -> None:
    assert portal_db.unreachable(TimeoutError())
    assert portal_db.unreachable(ConnectionResetError())
    assert not portal_db.unreachable(KeyError("x"))
    assert not portal_db.unreachable(ValueError("bad input"))


def _via(proxy: TcpProxy) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(POSTGRES_URL)
    return parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}").geturl()


@needs_postgres
async def test_a_black_holed_database_fails_a_statement_within_its_timeout() -> None:
    upstream = httpx.URL(POSTGRES_URL.replace("postgres://", "http://"))
    proxy = await TcpProxy(upstream.host, upstream.port or 5432).start()
    await portal_db.connect(_via(proxy), quick(db_statement_timeout=0.5, db_connect_timeout=1))
    try:
        await connections.get("default").execute_query("SELECT 1")
        proxy.blackhole()
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            await connections.get("default").execute_query("SELECT 1")
        assert time.monotonic() - started < 10  # not a silent stall until it comes back
        assert portal_db.unreachable(caught.value)
        proxy.restore()
        await asyncio.sleep(0.1)
        # Once the database answers again, so does the pool (after one more try at most).
        for _ in range(3):
            try:
                await connections.get("default").execute_query("SELECT 1")
                break
            except Exception as exc:
                assert portal_db.unreachable(exc)
        else:
            pytest.fail("the pool never recovered")
    finally:
        proxy.restore()
        await portal_db.disconnect()
        await proxy.close()


@needs_postgres
async def test_a_slow_statement_is_cancelled_by_the_statement_timeout() -> None:
    await portal_db.connect(POSTGRES_URL, quick(db_statement_timeout=0.3))
    try:
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            await connections.get("default").execute_query("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 3
        assert portal_db.unreachable(caught.value)
    finally:
        await portal_db.disconnect()


@needs_postgres
async def test_postgres_connections_have_tcp_keepalives() -> None:
    await portal_db.connect(POSTGRES_URL, quick(db_keepalive_seconds=9))
    try:
        client = connections.get("default")
        await client.execute_query("SELECT 1")
        async with client.acquire_connection() as connection:
            sock = connection._transport.get_extra_info("socket")
            if sock.family == socket.AF_UNIX:
                pytest.skip("a Unix socket has no TCP keepalive")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 9
            _, rows = await client.execute_query("SHOW tcp_keepalives_idle")
            assert rows[0]["tcp_keepalives_idle"] == "9"
    finally:
        await portal_db.disconnect()
