"""On SQLite a task cancelled while it opens a transaction leaves the database usable.

Tortoise serialises SQLite transactions with one lock and took it before ``BEGIN``; a
cancellation during that ``BEGIN`` (a worker's SIGTERM cancelling a store sync as it
opens a batch) kept the lock for ever, and every later query of the process waited.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tortoise import connections
from tortoise.transactions import in_transaction

from portal import db as portal_db
from portal.settings import Settings


async def test_a_transaction_cancelled_while_it_begins_gives_the_connection_back(
    tmp_path: Path,
) -> None:
    await portal_db.connect(f"sqlite://{tmp_path}/shop.db", Settings(secret_key="k" * 40))
    try:
        entered = asyncio.Event()

        async def batch() -> None:
            async with in_transaction():
                entered.set()

        task = asyncio.create_task(batch())
        await asyncio.sleep(0)  # the task now waits for SQLite's answer to BEGIN
        assert not entered.is_set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

        async with asyncio.timeout(10):
            async with in_transaction() as conn:
                rows = await conn.execute_query_dict("SELECT 1 AS one")
        assert rows == [{"one": 1}]
        assert type(connections.get("default")).__module__ == "portal.db_sqlite"
    finally:
        await portal_db.disconnect()
