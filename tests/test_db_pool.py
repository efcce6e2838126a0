"""The PostgreSQL pool hands a connection back without a reset round trip, yet never with
a transaction left open."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from tortoise import connections

from portal import db as portal_db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_POSTGRES is not set")


def test_the_pool_is_told_to_keep_the_session() -> None:
    config = portal_db.tortoise_config("postgres://u@db.test:5432/shop")
    assert config["connections"]["default"]["credentials"]["reset"] is portal_db._keep_session


async def test_returning_a_connection_sends_no_reset_query(postgres_url: str) -> None:
    await portal_db.connect(postgres_url)
    try:
        await connections.get("default").execute_query("SELECT 1")  # the pool opens lazily
        pool = connections.get("default")._pool  # type: ignore[attr-defined]
        async with pool.acquire() as watcher:
            async with pool.acquire() as first:
                pid = first.get_server_pid()
                await first.execute("SELECT 1 AS returned_to_the_pool")
            rows = await watcher.fetch("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
        assert rows[0]["query"] == "SELECT 1 AS returned_to_the_pool"
    finally:
        await portal_db.disconnect()


async def test_a_transaction_left_open_is_rolled_back_on_return(postgres_url: str) -> None:
    await portal_db.connect(postgres_url)
    try:
        await connections.get("default").execute_query("SELECT 1")  # the pool opens lazily
        pool = connections.get("default")._pool  # type: ignore[attr-defined]
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("CREATE TEMP TABLE left_open (n int)")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            missing = await conn.fetchval("SELECT to_regclass('pg_temp.left_open')")
            assert missing is None
    finally:
        await portal_db.disconnect()


async def test_a_clean_connection_is_back_in_the_pool_when_release_returns(
    postgres_url: str,
) -> None:
    """Nothing to undo: given back without asyncpg's shielded task, turn and all, so that
    every connection can be taken again at once, many times over."""
    await portal_db.connect(postgres_url)
    try:
        await connections.get("default").execute_query("SELECT 1")  # the pool opens lazily
        pool = connections.get("default")._pool  # type: ignore[attr-defined]
        size = pool.get_max_size()
        for _ in range(3):
            taken = [await asyncio.wait_for(pool.acquire(), 5) for _ in range(size)]
            for conn in taken:
                assert pool._returns_at_once(conn)
                await pool.release(conn)
                await pool.release(conn)  # a second release changes nothing
            assert pool.get_idle_size() == size
            assert not pool._lent
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            assert not pool._returns_at_once(conn)  # the rollback goes through asyncpg's own
    finally:
        await portal_db.disconnect()


async def test_the_fast_release_is_taken_on_the_installed_asyncpg(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``FairPool.release`` reads asyncpg's private state and, where that state is not as
    asyncpg 0.30-0.32 keep it, quietly hands the connection to asyncpg's own release. On
    the asyncpg installed, a clean connection must go back by the fast path (asyncpg's
    release never called) and one with a transaction open by asyncpg's: otherwise the pin
    in pyproject.toml lets in an asyncpg the fast path no longer knows."""
    through_asyncpg: list[object] = []
    asyncpg_release = asyncpg.Pool.release

    async def recording_release(self: asyncpg.Pool, connection: Any, **kwargs: Any) -> None:
        through_asyncpg.append(connection)
        await asyncpg_release(self, connection, **kwargs)

    monkeypatch.setattr(asyncpg.Pool, "release", recording_release)
    await portal_db.connect(postgres_url)
    try:
        await connections.get("default").execute_query("SELECT 1")  # the pool opens lazily
        pool = connections.get("default")._pool  # type: ignore[attr-defined]
        async with pool.acquire() as clean:
            await clean.fetchval("SELECT 1")
        assert through_asyncpg == [], (
            f"asyncpg {asyncpg.__version__} no longer keeps the private state "
            "FairPool._returns_at_once reads: every release takes asyncpg's slow path"
        )
        async with pool.acquire() as dirty:
            await dirty.execute("BEGIN")
        assert through_asyncpg == [dirty]
    finally:
        await portal_db.disconnect()
